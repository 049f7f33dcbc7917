// A streaming RFC 4180 reader: quoted fields with commas, quotes and newlines, \n or \r\n line
// ends, a UTF-8 byte order mark. It holds one record at a time, so memory stays flat whatever
// the file's size; a malformed record is returned with its error and reading goes on.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace wallet {

struct CsvRecord {
  std::uint64_t line = 0;  // the physical line the record starts on (1-based)
  std::vector<std::string> fields;
  std::optional<std::string> error;  // set when the record is malformed
};

class CsvReader {
 public:
  /// Longest field kept; a longer one makes its record malformed without growing memory.
  static constexpr std::size_t kMaxFieldBytes = 64 * 1024;
  /// Most fields kept per record; more make the record malformed, again without growing memory.
  static constexpr std::size_t kMaxFields = 256;

  explicit CsvReader(std::istream& in) : in_(in) {}

  /// Reads the next non-empty record. Returns false at the end of the input.
  bool next(CsvRecord& record);

  /// Bytes consumed so far, for progress reporting.
  std::uint64_t bytes_read() const { return consumed_; }

 private:
  int get();  // next byte, or -1 at the end
  int peek();

  std::istream& in_;
  std::vector<char> buffer_ = std::vector<char>(1 << 16);
  std::size_t pos_ = 0, end_ = 0;
  std::uint64_t consumed_ = 0;
  std::uint64_t line_ = 1;
  bool started_ = false;
};

}  // namespace wallet
