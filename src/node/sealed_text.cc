#include "node/sealed_text.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <memory>

#include "storage/digests.h"

namespace rtparchive::node {
namespace {

constexpr size_t kNonceBytes = 12, kTagBytes = 16;
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::string KeyFor(absl::string_view api_secret) {
  return storage::HmacSha256(api_secret, "rtparchive sealed state v1");
}

}  // namespace

std::string Seal(absl::string_view api_secret, absl::string_view text) {
  const std::string key = KeyFor(api_secret);
  unsigned char nonce[kNonceBytes];
  RAND_bytes(nonce, sizeof(nonce));
  std::string out(reinterpret_cast<char*>(nonce), kNonceBytes);
  out.resize(kNonceBytes + text.size() + kTagBytes);
  CipherContext context(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int length = 0;
  EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr,
                     reinterpret_cast<const unsigned char*>(key.data()), nonce);
  EVP_EncryptUpdate(context.get(), reinterpret_cast<unsigned char*>(&out[kNonceBytes]), &length,
                    reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  EVP_EncryptFinal_ex(context.get(), nullptr, &length);
  EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, &out[kNonceBytes + text.size()]);
  return storage::Base64(out);
}

absl::StatusOr<std::string> Unseal(absl::string_view api_secret, absl::string_view sealed) {
  const std::optional<std::string> bytes = storage::FromBase64(sealed);
  if (!bytes || bytes->size() < kNonceBytes + kTagBytes) {
    return absl::InvalidArgumentError("not a sealed text");
  }
  const std::string key = KeyFor(api_secret);
  const size_t text_size = bytes->size() - kNonceBytes - kTagBytes;
  std::string text(text_size, '\0');
  CipherContext context(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int length = 0;
  EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr,
                     reinterpret_cast<const unsigned char*>(key.data()),
                     reinterpret_cast<const unsigned char*>(bytes->data()));
  EVP_DecryptUpdate(context.get(), reinterpret_cast<unsigned char*>(text.data()), &length,
                    reinterpret_cast<const unsigned char*>(bytes->data() + kNonceBytes),
                    static_cast<int>(text_size));
  std::string tag = bytes->substr(kNonceBytes + text_size);
  EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data());
  if (EVP_DecryptFinal_ex(context.get(), nullptr, &length) != 1) {
    return absl::InvalidArgumentError("the sealed text was changed, or sealed under another API secret");
  }
  return text;
}

}  // namespace rtparchive::node
