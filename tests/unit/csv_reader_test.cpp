#include <gtest/gtest.h>

#include <sstream>

#include "core/csv_reader.hpp"
#include "core/csv_writer.hpp"

namespace wallet {
namespace {

std::vector<CsvRecord> read_all(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<CsvRecord> out;
  CsvRecord r;
  while (reader.next(r)) out.push_back(r);
  return out;
}

using Fields = std::vector<std::string>;

TEST(CsvReader, QuotedFieldsHoldCommasQuotesAndNewlines) {
  const auto rows = read_all("a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].fields, (Fields{"1", "x, y", "say \"hi\""}));
  EXPECT_EQ(rows[2].fields, (Fields{"2", "two\nlines", ""}));
  for (const auto& r : rows) EXPECT_FALSE(r.error) << *r.error;
}

TEST(CsvReader, CrLfByteOrderMarkBlankLinesAndNoFinalNewline) {
  const auto rows = read_all("\xEF\xBB\xBFop,amount\r\ncharge,1\r\n\r\n\ncharge,\"2\r\nx\"\r\nwithdraw,3");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].fields, (Fields{"op", "amount"}));
  EXPECT_EQ(rows[1].fields, (Fields{"charge", "1"}));
  EXPECT_EQ(rows[2].fields, (Fields{"charge", "2\r\nx"}));
  EXPECT_EQ(rows[3].fields, (Fields{"withdraw", "3"}));
}

TEST(CsvReader, RecordsKnowTheLineTheyStartOn) {
  const auto rows = read_all("h\n\"a\nb\nc\"\nnext\n\nlast\n");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].line, 1u);
  EXPECT_EQ(rows[1].line, 2u);
  EXPECT_EQ(rows[2].line, 5u);
  EXPECT_EQ(rows[3].line, 7u);
}

TEST(CsvReader, MalformedRecordsCarryTheirErrorAndReadingGoesOn) {
  const auto rows = read_all("a,b\nx\"y,1\n\"closed\"junk,2\nfine,3\n\"never closed,4\nmore\n");
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_TRUE(rows[1].error.has_value());
  EXPECT_TRUE(rows[2].error.has_value());
  EXPECT_FALSE(rows[3].error.has_value());
  EXPECT_EQ(rows[3].fields, (Fields{"fine", "3"}));
  ASSERT_TRUE(rows[4].error.has_value());
  EXPECT_NE(rows[4].error->find("not closed"), std::string::npos);
}

TEST(CsvReader, AHugeFieldIsAnErrorNotAMemoryHog) {
  const auto rows = read_all("a\n" + std::string(200'000, 'z') + "\nnext\n");
  ASSERT_EQ(rows.size(), 3u);
  ASSERT_TRUE(rows[1].error.has_value());
  EXPECT_LE(rows[1].fields[0].size(), CsvReader::kMaxFieldBytes);
  EXPECT_EQ(rows[2].fields, (Fields{"next"}));
}

TEST(CsvReader, ARowOfCountlessFieldsIsAnErrorNotAMemoryHog) {
  const auto rows = read_all("a\n" + std::string(100'000, ',') + "\nnext\n");
  ASSERT_EQ(rows.size(), 3u);
  ASSERT_TRUE(rows[1].error.has_value());
  EXPECT_LE(rows[1].fields.size(), CsvReader::kMaxFields);
  EXPECT_EQ(rows[2].fields, (Fields{"next"}));
}

TEST(CsvReader, BytesReadTracksTheInput) {
  std::istringstream in("a,b\n1,2\n");
  CsvReader reader(in);
  CsvRecord r;
  ASSERT_TRUE(reader.next(r));
  EXPECT_EQ(reader.bytes_read(), 4u);
  ASSERT_TRUE(reader.next(r));
  EXPECT_EQ(reader.bytes_read(), 8u);
  EXPECT_FALSE(reader.next(r));
}

TEST(CsvWriter, QuotesOnlyWhenNeededAndRoundTrips) {
  EXPECT_EQ(csv_field("plain"), "plain");
  const std::string tricky = "a, \"b\"\nc";
  EXPECT_EQ(csv_field(tricky), "\"a, \"\"b\"\"\nc\"");
  const auto rows = read_all(csv_field(tricky) + "," + csv_field("x") + "\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, (Fields{tricky, "x"}));
}

}  // namespace
}  // namespace wallet
