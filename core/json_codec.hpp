// JSON forms of the model objects: the one encoding shared by the CLI, the HTTP API and
// outbox events. Each is written as text (json_text, or write_json into a document being
// written); to_json gives the same as a tree for callers that edit or pretty-print it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/balance_at.hpp"
#include "core/json_writer.hpp"
#include "core/model.hpp"

namespace wallet {

void write_json(JsonWriter& out, const Wallet& w);
void write_json(JsonWriter& out, const Transaction& t);
void write_json(JsonWriter& out, const Withdrawal& w);
void write_json(JsonWriter& out, const PendingTransfer& t);
void write_json(JsonWriter& out, const HistoryItem& item);
void write_json(JsonWriter& out, const BalanceAt& b);

template <class T>
  requires requires(JsonWriter& out, const T& value) { write_json(out, value); }
std::string json_text(const T& value) {
  JsonWriter out;
  write_json(out, value);
  return out.take();
}

template <class T>
  requires requires(JsonWriter& out, const T& value) { write_json(out, value); }
nlohmann::json to_json(const T& value) {
  return nlohmann::json::parse(json_text(value));
}

}  // namespace wallet
