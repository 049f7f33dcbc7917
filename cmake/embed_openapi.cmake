# Writes OUT, a C++ file holding docs/openapi.json as a string, so `walletctl serve` answers
# /openapi.json with the document kept in the repository. Run by a custom command at build time.
file(READ "${DOCUMENT}" text)
file(WRITE "${OUT}.tmp" "// Generated from docs/openapi.json by cmake/embed_openapi.cmake. Do not edit.\n#include \"daemon/http/openapi.hpp\"\n\nnamespace wallet::daemon {\nstd::string_view openapi_document() {\n  return R\"wallet_openapi(${text})wallet_openapi\";\n}\n}  // namespace wallet::daemon\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
