#include "tests/chaos/journal.hpp"

namespace wallet::chaos {

void Journal::record(OperationRecord r) {
  std::lock_guard lock(mutex_);
  operations_.push_back(std::move(r));
}

void Journal::anomaly(const std::string& what) {
  std::lock_guard lock(mutex_);
  anomalies_.push_back(what);
}

void Journal::count(const std::string& name, long n) {
  std::lock_guard lock(mutex_);
  counters_[name] += n;
}

std::vector<OperationRecord> Journal::operations() const {
  std::lock_guard lock(mutex_);
  return operations_;
}

std::vector<std::string> Journal::anomalies() const {
  std::lock_guard lock(mutex_);
  return anomalies_;
}

long Journal::counter(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto it = counters_.find(name);
  return it == counters_.end() ? 0 : it->second;
}

std::map<std::string, long> Journal::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

const char* channel_name(Channel c) {
  switch (c) {
    case Channel::kHttp:
      return "http";
    case Channel::kCli:
      return "cli";
    case Channel::kReplay:
      return "replay";
  }
  return "?";
}

}  // namespace wallet::chaos
