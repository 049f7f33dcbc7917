#include "core/digest.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>
#include <vector>

#include "core/errors.hpp"

namespace wallet {

namespace {

std::string hex(const unsigned char* md, unsigned int len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0x0f]);
  }
  return out;
}

std::string digest_hex(std::string_view data, const EVP_MD* md_type, const char* name) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, md_type, nullptr) != 1) {
    throw DomainError(ErrorCode::kInternal, std::string(name) + " failed");
  }
  return hex(md, len);
}

}  // namespace

std::string sha256_hex(std::string_view data) { return digest_hex(data, EVP_sha256(), "sha256"); }
std::string sha1_hex(std::string_view data) { return digest_hex(data, EVP_sha1(), "sha1"); }

std::string sha256_hex(std::istream& in, std::ostream* copy) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    throw DomainError(ErrorCode::kInternal, "sha256 failed");
  }
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buffer.data(), n);
    if (copy) copy->write(buffer.data(), static_cast<std::streamsize>(n));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return hex(md, len);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), md, &len)) {
    throw DomainError(ErrorCode::kInternal, "hmac failed");
  }
  return std::string(reinterpret_cast<const char*>(md), len);
}

}  // namespace wallet
