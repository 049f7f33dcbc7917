// The streaming CSV reader `walletctl replay` reads settlement files with: any bytes must come
// back as records (malformed ones carrying their error) within the reader's limits, never a
// crash, a hang or memory growing with a field's size.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "core/csv_reader.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace wallet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  CsvReader reader(in);
  CsvRecord record;
  std::uint64_t last_line = 0;
  std::size_t records = 0;
  while (reader.next(record)) {
    fuzz::check(record.line >= last_line, "records come in line order");
    fuzz::check(record.line >= 1, "lines count from 1");
    fuzz::check(record.fields.size() <= CsvReader::kMaxFields, "no record holds more fields than the limit");
    for (const auto& f : record.fields) fuzz::check(f.size() <= CsvReader::kMaxFieldBytes, "no field beyond the limit");
    fuzz::check(++records <= size + 1, "no more records than bytes");
    last_line = record.line;
  }
  fuzz::check(reader.bytes_read() <= size, "never more bytes read than given");
  return 0;
}
