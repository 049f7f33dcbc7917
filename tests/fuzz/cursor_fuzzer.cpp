// History page cursors come back from clients: a forged, truncated or foreign cursor must be
// refused with a DomainError, and one that is accepted must name the entry it was made for.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/history.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace wallet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string cursor(reinterpret_cast<const char*>(data), size);
  static const std::string scope = "w:0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b";
  static const CursorKey key{"fuzzing key, not a ledger's"};
  std::int64_t id = 0;
  if (fuzz::refused([&] { id = decode_cursor(key, cursor, scope); })) return 0;
  fuzz::check(id >= 1, "an accepted cursor names a positive entry id");
  fuzz::check(decode_cursor(key, encode_cursor(key, scope, id), scope) == id, "a cursor made again decodes the same");
  fuzz::check(fuzz::refused([&] { decode_cursor(key, cursor, "w:another"); }), "a cursor is refused in another scope");
  return 0;
}
