#include "core/csv_reader.hpp"

namespace wallet {

int CsvReader::peek() {
  if (pos_ == end_) {
    in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    end_ = static_cast<std::size_t>(in_.gcount());
    pos_ = 0;
    if (end_ == 0) return -1;
  }
  return static_cast<unsigned char>(buffer_[pos_]);
}

int CsvReader::get() {
  const int c = peek();
  if (c >= 0) {
    ++pos_;
    ++consumed_;
    if (c == '\n') ++line_;
  }
  return c;
}

bool CsvReader::next(CsvRecord& record) {
  if (!started_) {
    started_ = true;
    // A UTF-8 byte order mark is allowed before the header.
    if (peek() == 0xEF) {
      get();
      if (get() != 0xBB || get() != 0xBF) {
        record = {1, {}, "the file starts with bytes that are neither a byte order mark nor CSV"};
        return true;
      }
    }
  }
  for (;;) {
    record.line = line_;
    record.fields.assign(1, std::string());
    record.error.reset();
    enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted } state = State::kFieldStart;
    bool any = false;  // the record has at least one character
    auto append = [&](int c) {
      auto& field = record.fields.back();
      if (field.size() < kMaxFieldBytes) {
        field.push_back(static_cast<char>(c));
      } else if (!record.error) {
        record.error = "a field is longer than 64 KiB";
      }
    };
    for (;;) {
      const int c = get();
      if (c < 0) {
        if (state == State::kQuoted) record.error = "a quoted field is not closed before the end of the file";
        if (!any) return false;
        return true;
      }
      if (c == '\r' && peek() == '\n' && state != State::kQuoted) continue;  // \r\n ends a line like \n
      any = true;
      if (state == State::kQuoted) {
        if (c == '"') {
          state = State::kQuoteInQuoted;
        } else {
          append(c);
        }
        continue;
      }
      if (c == '\n') break;
      if (c == ',') {
        if (record.fields.size() < kMaxFields) {
          record.fields.emplace_back();
        } else {
          record.fields.back().clear();  // the extra fields are dropped, not kept
          if (!record.error) record.error = "a row has more than 256 fields";
        }
        state = State::kFieldStart;
        continue;
      }
      if (c == '"') {
        if (state == State::kFieldStart) {
          state = State::kQuoted;
        } else if (state == State::kQuoteInQuoted) {
          append('"');  // "" inside a quoted field is one quote
          state = State::kQuoted;
        } else if (!record.error) {
          record.error = "a quote inside an unquoted field (quote the whole field and double the quote)";
        }
        continue;
      }
      if (state == State::kQuoteInQuoted && !record.error) {
        record.error = "characters after the closing quote of a field";
      }
      if (state == State::kFieldStart) state = State::kUnquoted;
      append(c);
    }
    // Blank lines between records carry nothing and are skipped.
    if (any && !(record.fields.size() == 1 && record.fields[0].empty() && state == State::kFieldStart)) return true;
  }
}

}  // namespace wallet
