# Writes OUT, a C++ file holding docs/openapi.json as a string, so `walletctl serve` answers
# /openapi.json with the document kept in the repository. Run by a custom command at build time.
# The document is cut at line ends into literals of at most 16,000 bytes, joined once at run
# time: compilers need accept no longer literal than 65,536 bytes (clang's
# -Woverlength-strings), and the document outgrew that.
file(READ "${DOCUMENT}" text)
set(pieces "")
set(rest "${text}")
while(NOT rest STREQUAL "")
  string(LENGTH "${rest}" size)
  set(cut ${size})
  if(size GREATER 16000)
    string(SUBSTRING "${rest}" 0 16000 head)
    string(FIND "${head}" "\n" last_newline REVERSE)
    if(last_newline LESS 0)
      message(FATAL_ERROR "docs/openapi.json has a line longer than 16000 bytes")
    endif()
    math(EXPR cut "${last_newline} + 1")
  endif()
  string(SUBSTRING "${rest}" 0 ${cut} piece)
  string(SUBSTRING "${rest}" ${cut} -1 rest)
  string(APPEND pieces "      R\"wallet_openapi(${piece})wallet_openapi\",\n")
endwhile()
file(WRITE "${OUT}.tmp" "// Generated from docs/openapi.json by cmake/embed_openapi.cmake. Do not edit.
#include \"daemon/http/openapi.hpp\"

#include <string>

namespace wallet::daemon {
std::string_view openapi_document() {
  static const std::string document = [] {
    static constexpr const char* kPieces[] = {
${pieces}    };
    std::string out;
    for (const char* piece : kPieces) out += piece;
    return out;
  }();
  return document;
}
}  // namespace wallet::daemon
")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
