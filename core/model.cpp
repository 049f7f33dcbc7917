#include "core/model.hpp"

#include <array>
#include <utility>

namespace wallet {
namespace {

// Each enum's values with their names: the one table both directions read.
template <class Enum, std::size_t N>
using Names = std::array<std::pair<Enum, std::string_view>, N>;

constexpr Names<TransactionKind, 6> kTransactionKinds{{{TransactionKind::kCharge, "charge"},
                                                       {TransactionKind::kTransfer, "transfer"},
                                                       {TransactionKind::kWithdrawal, "withdrawal"},
                                                       {TransactionKind::kRefund, "refund"},
                                                       {TransactionKind::kPayout, "payout"},
                                                       {TransactionKind::kReversal, "reversal"}}};
constexpr Names<TransactionStatus, 1> kTransactionStatuses{{{TransactionStatus::kCompleted, "completed"}}};
constexpr Names<WithdrawalStatus, 5> kWithdrawalStatuses{{{WithdrawalStatus::kPending, "pending"},
                                                          {WithdrawalStatus::kProcessing, "processing"},
                                                          {WithdrawalStatus::kNeedsReview, "needs_review"},
                                                          {WithdrawalStatus::kCompleted, "completed"},
                                                          {WithdrawalStatus::kFailed, "failed"}}};
constexpr Names<WithdrawalResolution, 2> kResolutions{{{WithdrawalResolution::kPaid, "paid"},
                                                       {WithdrawalResolution::kRefund, "refund"}}};
constexpr Names<TransferState, 4> kTransferStates{{{TransferState::kPending, "pending"},
                                                   {TransferState::kPosted, "posted"},
                                                   {TransferState::kVoided, "voided"},
                                                   {TransferState::kExpired, "expired"}}};

template <class Enum, std::size_t N>
std::string_view name_in(const Names<Enum, N>& names, Enum v) {
  for (const auto& [value, text] : names) {
    if (value == v) return text;
  }
  return "unknown";  // unreachable: every value is in its table
}

template <class Enum, std::size_t N>
std::optional<Enum> value_in(const Names<Enum, N>& names, std::string_view text) {
  for (const auto& [value, name] : names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view name(TransactionKind v) { return name_in(kTransactionKinds, v); }
std::string_view name(TransactionStatus v) { return name_in(kTransactionStatuses, v); }
std::string_view name(WithdrawalStatus v) { return name_in(kWithdrawalStatuses, v); }
std::string_view name(WithdrawalResolution v) { return name_in(kResolutions, v); }
std::string_view name(TransferState v) { return name_in(kTransferStates, v); }

template <>
std::optional<TransactionKind> enum_named(std::string_view text) {
  return value_in(kTransactionKinds, text);
}
template <>
std::optional<TransactionStatus> enum_named(std::string_view text) {
  return value_in(kTransactionStatuses, text);
}
template <>
std::optional<WithdrawalStatus> enum_named(std::string_view text) {
  return value_in(kWithdrawalStatuses, text);
}
template <>
std::optional<WithdrawalResolution> enum_named(std::string_view text) {
  return value_in(kResolutions, text);
}
template <>
std::optional<TransferState> enum_named(std::string_view text) {
  return value_in(kTransferStates, text);
}

}  // namespace wallet
