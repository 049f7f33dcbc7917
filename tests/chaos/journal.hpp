// What the chaos run's clients did, as they saw it: every money operation they asked for, by
// its idempotency key, and how it ended for them; what a user would call a bug (a 500, a crash,
// an undocumented exit code); and counters for the run's figures. The checks hold the ledger
// against it.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace wallet::chaos {

enum class Channel { kHttp, kCli, kReplay };
enum class Outcome {
  kAcknowledged,  // the client was told it happened (2xx, exit 0, `applied`/`replayed`)
  kRefused,       // the client was told it did not (422, exit 1, `refused`)
  kUnknown,       // no definite answer came however often it was retried
};

struct OperationRecord {
  std::string key;
  std::string kind;  // charge, transfer or withdrawal
  std::int64_t amount = 0;
  Channel channel = Channel::kHttp;
  Outcome outcome = Outcome::kUnknown;
  bool retried = false;  // sent more than once under this key
};

class Journal {
 public:
  void record(OperationRecord r);
  /// Something a user would report as a bug, with enough to find it in the logs.
  void anomaly(const std::string& what);
  void count(const std::string& name, long n = 1);

  std::vector<OperationRecord> operations() const;
  std::vector<std::string> anomalies() const;
  long counter(const std::string& name) const;
  std::map<std::string, long> counters() const;

 private:
  mutable std::mutex mutex_;
  std::vector<OperationRecord> operations_;
  std::vector<std::string> anomalies_;
  std::map<std::string, long> counters_;
};

const char* channel_name(Channel c);

}  // namespace wallet::chaos
