// The API's request bodies: POST /wallets, /charge, /withdraw, /transfers, the capture and void
// of a pending transfer, a reversal and POST /batches, decoded and validated. The first byte picks the decoder and whether an Idempotency-Key header came with
// the body; the rest is the body. Bad input must be refused with a DomainError (a problem+json
// answer), never crash or throw anything else (a 500).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "daemon/http/batch_request.hpp"
#include "daemon/http/requests.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace wallet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const Settings settings;
  const auto choice = data[0];
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::optional<std::string> header =
      (choice & 0x10) != 0 ? std::optional<std::string>("fuzz-key-1") : std::nullopt;
  fuzz::refused([&] {
    static const std::string kId = "0190a5e4-8c1e-7c3a-9f00-000000000001";
    switch (choice % 8) {
      case 7: {
        const auto batch = daemon::decode_batch(body, settings, 16);
        fuzz::check(!batch.items.empty() && batch.items.size() <= 16, "a decoded batch holds 1 to its bound of operations");
        for (const auto& item : batch.items) {
          if (const auto* op = std::get_if<Operation>(&item)) {
            fuzz::check(op->idempotency_key.has_value(), "every operation of a batch carries its key");
          }
        }
        break;
      }
      case 0: {
        const auto w = daemon::decode_create_wallet(body, settings);
        fuzz::check(!w.user_id.empty() && w.currency.size() == 3, "a decoded wallet has a user and a currency");
        break;
      }
      case 1: {
        const auto op = daemon::decode_charge(body, header, settings);
        fuzz::check(op.amount.minor() > 0, "a decoded charge moves a positive amount");
        break;
      }
      case 2: {
        const auto op = daemon::decode_withdraw(body, header, settings);
        fuzz::check(op.amount.minor() > 0, "a decoded withdrawal moves a positive amount");
        break;
      }
      case 3: {
        const auto op = daemon::decode_transfer(body, header, settings);
        fuzz::check(op.amount.minor() > 0 && op.to_wallet_id.has_value(),
                    "a decoded transfer has an amount and a payee");
        fuzz::check(!op.expires_at || op.kind == OperationKind::kPendingTransfer, "only a pending transfer expires");
        break;
      }
      case 4:
      case 5: {
        const auto kind = choice % 8 == 4 ? OperationKind::kCapture : OperationKind::kVoid;
        const auto op = daemon::decode_transfer_action(kind, kId, body, header, settings);
        fuzz::check(op.target == kId && op.amount.minor() >= 0, "a capture or void names its transfer");
        fuzz::check(kind == OperationKind::kCapture || op.amount.minor() == 0, "a void takes no amount");
        break;
      }
      default: {
        const auto op = daemon::decode_reversal(kId, body, header, settings);
        fuzz::check(op.target == kId && op.amount.minor() >= 0, "a reversal names its transaction");
        fuzz::check(!op.reason || !op.reason->empty(), "a reason given is not empty");
        break;
      }
    }
  });
  return 0;
}
