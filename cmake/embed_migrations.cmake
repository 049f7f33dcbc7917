# Writes OUT, a C++ file holding every migrations/NNNN_name.sql as a string, so the binary
# can migrate from any directory. Run by a custom command at build time.
file(GLOB files "${MIGRATIONS_DIR}/[0-9][0-9][0-9][0-9]_*.sql")
list(SORT files)
set(body "")
foreach(f IN LISTS files)
  get_filename_component(name "${f}" NAME)
  file(READ "${f}" sql)
  string(APPEND body "  {\"${name}\", R\"wallet_sql(${sql})wallet_sql\"},\n")
endforeach()
file(WRITE "${OUT}.tmp" "// Generated from migrations/*.sql by cmake/embed_migrations.cmake. Do not edit.\n#include \"core/migration_files.hpp\"\n\nnamespace wallet {\nconst std::vector<EmbeddedMigration>& embedded_migrations() {\n  static const std::vector<EmbeddedMigration> files = {\n${body}  };\n  return files;\n}\n}  // namespace wallet\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
