#include "srtp/srtp_receiver.h"

#include <srtp2/srtp.h>

#include <mutex>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "srtp/openssl_session.h"

namespace rtparchive::srtp {
namespace {

constexpr size_t kMaxRememberedSsrcs = 64;

struct NamedSuite {
  const char* name;
  SrtpSuite suite;
};
constexpr NamedSuite kSuites[] = {
    {"AES_CM_128_HMAC_SHA1_80", SrtpSuite::kAesCm128HmacSha1_80},
    {"AES_CM_128_HMAC_SHA1_32", SrtpSuite::kAesCm128HmacSha1_32},
    {"AES_256_CM_HMAC_SHA1_80", SrtpSuite::kAesCm256HmacSha1_80},
    {"AEAD_AES_128_GCM", SrtpSuite::kAeadAes128Gcm},
    {"AEAD_AES_256_GCM", SrtpSuite::kAeadAes256Gcm},
};

void SetPolicy(SrtpSuite suite, srtp_policy_t* policy) {
  switch (suite) {
    case SrtpSuite::kAesCm128HmacSha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy->rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy->rtcp);
      break;
    case SrtpSuite::kAesCm128HmacSha1_32:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy->rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy->rtcp);  // RFC 4568 §6.2
      break;
    case SrtpSuite::kAesCm256HmacSha1_80:
      srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&policy->rtp);
      srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&policy->rtcp);
      break;
    case SrtpSuite::kAeadAes128Gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy->rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy->rtcp);
      break;
    case SrtpSuite::kAeadAes256Gcm:
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy->rtp);
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy->rtcp);
      break;
  }
}

// The SSRC of an RTP (bytes 8-11) or RTCP (bytes 4-7) packet.
uint32_t SsrcOf(absl::Span<const uint8_t> packet, bool rtcp) {
  const size_t at = rtcp ? 4 : 8;
  return uint32_t{packet[at]} << 24 | uint32_t{packet[at + 1]} << 16 |
         uint32_t{packet[at + 2]} << 8 | packet[at + 3];
}

}  // namespace

absl::StatusOr<SrtpSuite> ParseSrtpSuite(absl::string_view name) {
  for (const NamedSuite& suite : kSuites) {
    if (name == suite.name) return suite.suite;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown SRTP suite \"", name.substr(0, 40), "\": give AES_CM_128_HMAC_SHA1_80, ",
      "AES_CM_128_HMAC_SHA1_32, AES_256_CM_HMAC_SHA1_80, AEAD_AES_128_GCM or AEAD_AES_256_GCM"));
}

const char* SuiteName(SrtpSuite suite) {
  for (const auto& [name, known] : kSuites) {
    if (known == suite) return name;
  }
  return "unknown";
}

size_t KeySaltBytes(SrtpSuite suite) {
  switch (suite) {
    case SrtpSuite::kAesCm128HmacSha1_80:
    case SrtpSuite::kAesCm128HmacSha1_32: return 30;
    case SrtpSuite::kAesCm256HmacSha1_80: return 46;
    case SrtpSuite::kAeadAes128Gcm: return 28;
    case SrtpSuite::kAeadAes256Gcm: return 44;
  }
  return 0;
}

namespace {

absl::StatusOr<SrtpKey> KeyFromBase64(SrtpSuite suite, absl::string_view base64) {
  SrtpKey key;
  key.suite = suite;
  std::string bytes;
  if (!absl::Base64Unescape(base64, &bytes)) {
    return absl::InvalidArgumentError("the SRTP key is not base64");
  }
  if (bytes.size() != KeySaltBytes(suite)) {
    return absl::InvalidArgumentError(absl::StrCat("the SRTP key is ", bytes.size(),
                                                   " bytes; its suite needs ", KeySaltBytes(suite),
                                                   " (master key and salt)"));
  }
  key.key_salt.assign(bytes.begin(), bytes.end());
  return key;
}

}  // namespace

absl::StatusOr<SrtpKey> ParseSdesCrypto(absl::string_view value) {
  std::vector<absl::string_view> fields = absl::StrSplit(value, ' ', absl::SkipEmpty());
  int tag = 0;
  if (fields.size() < 3 || !absl::SimpleAtoi(fields[0], &tag)) {
    return absl::InvalidArgumentError("a=crypto is not \"<tag> <suite> inline:<key>\"");
  }
  if (fields.size() > 3) {
    return absl::InvalidArgumentError("a=crypto session parameters are not supported");
  }
  auto suite = ParseSrtpSuite(fields[1]);
  if (!suite.ok()) return suite.status();
  absl::string_view key_params = fields[2];
  if (!absl::ConsumePrefix(&key_params, "inline:")) {
    return absl::InvalidArgumentError("a=crypto key parameters must start with \"inline:\"");
  }
  std::vector<absl::string_view> parts = absl::StrSplit(key_params, '|');
  if (parts.size() > 2 || (parts.size() == 2 && parts[1].find(':') != absl::string_view::npos)) {
    return absl::InvalidArgumentError("a=crypto with an MKI is not supported");
  }
  return KeyFromBase64(*suite, parts[0]);  // a lifetime (parts[1]) is not enforced
}

absl::StatusOr<SrtpKey> ParseKeyArgument(absl::string_view text) {
  SrtpSuite suite = SrtpSuite::kAesCm128HmacSha1_80;
  if (const size_t colon = text.find(':'); colon != absl::string_view::npos) {
    auto named = ParseSrtpSuite(text.substr(0, colon));
    if (!named.ok()) return named.status();
    suite = *named;
    text.remove_prefix(colon + 1);
  }
  return KeyFromBase64(suite, text);
}

SrtpReceiver::~SrtpReceiver() = default;

namespace {

// libsrtp2's session for `key`, any SSRC in the given direction; null on failure.
srtp_t MakeSession(const SrtpKey& key, srtp_ssrc_type_t direction) {
  static std::once_flag initialised;
  std::call_once(initialised, [] { srtp_init(); });
  std::vector<uint8_t> copy = key.key_salt;  // libsrtp2 reads it while creating
  srtp_policy_t policy{};
  SetPolicy(key.suite, &policy);
  policy.ssrc.type = direction;
  policy.key = copy.data();
  policy.window_size = 1024;  // publishers' packets reordered in the network stay valid
  policy.allow_repeat_tx = 0;
  srtp_t session = nullptr;
  return srtp_create(&session, &policy) == srtp_err_status_ok ? session : nullptr;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SrtpSender>> SrtpSender::Create(const SrtpKey& key) {
  if (key.key_salt.size() != KeySaltBytes(key.suite)) {
    return absl::InvalidArgumentError("an SRTP key has the wrong length for its suite");
  }
  std::unique_ptr<SrtpSender> sender(new SrtpSender);
  sender->session_ = MakeSession(key, ssrc_any_outbound);
  if (sender->session_ == nullptr) return absl::InternalError("libsrtp2 could not create a session");
  return sender;
}

SrtpSender::~SrtpSender() {
  if (session_ != nullptr) srtp_dealloc(static_cast<srtp_t>(session_));
}

std::vector<uint8_t> SrtpSender::ProtectRtp(absl::Span<const uint8_t> rtp) {
  std::vector<uint8_t> packet(rtp.begin(), rtp.end());
  int length = static_cast<int>(packet.size());
  packet.resize(packet.size() + SRTP_MAX_TRAILER_LEN);
  if (srtp_protect(static_cast<srtp_t>(session_), packet.data(), &length) != srtp_err_status_ok) {
    return {};
  }
  packet.resize(static_cast<size_t>(length));
  return packet;
}

std::vector<uint8_t> SrtpSender::ProtectRtcp(absl::Span<const uint8_t> rtcp) {
  std::vector<uint8_t> packet(rtcp.begin(), rtcp.end());
  int length = static_cast<int>(packet.size());
  packet.resize(packet.size() + SRTP_MAX_TRAILER_LEN + 4);  // index and tag
  if (srtp_protect_rtcp(static_cast<srtp_t>(session_), packet.data(), &length) != srtp_err_status_ok) {
    return {};
  }
  packet.resize(static_cast<size_t>(length));
  return packet;
}

absl::StatusOr<std::unique_ptr<SrtpReceiver>> SrtpReceiver::Create(const std::vector<SrtpKey>& keys) {
  std::unique_ptr<SrtpReceiver> receiver(new SrtpReceiver);
  for (const SrtpKey& key : keys) RETURN_IF_ERROR(receiver->AddKey(key));
  return receiver;
}

absl::Status SrtpReceiver::AddKey(const SrtpKey& key) {
  if (key.key_salt.size() != KeySaltBytes(key.suite)) {
    return absl::InvalidArgumentError("an SRTP key has the wrong length for its suite");
  }
  if (sessions_.size() >= kMaxKeys) {
    return absl::ResourceExhaustedError(absl::StrCat("more than ", kMaxKeys, " SRTP keys"));
  }
  Session session;
  ASSIGN_OR_RETURN(session.openssl, OpenSslSession::Create(key));
  sessions_.push_back(std::move(session));
  return absl::OkStatus();
}

SrtpReceiver::Result SrtpReceiver::UnprotectWith(Session& session, bool rtcp, absl::Span<const uint8_t> packet,
                                                 std::vector<uint8_t>* plain) {
  return rtcp ? session.openssl->UnprotectRtcp(packet, plain) : session.openssl->UnprotectRtp(packet, plain);
}

SrtpReceiver::Result SrtpReceiver::Unprotect(absl::Span<const uint8_t> packet,
                                             std::vector<uint8_t>* plain) {
  const bool rtcp = packet.size() >= 8 && packet[1] >= 192 && packet[1] <= 223;
  if (packet.size() < (rtcp ? 8u : 12u) || (packet[0] >> 6) != 2) return Result::kMalformed;
  const uint32_t ssrc = SsrcOf(packet, rtcp);
  // The key that authenticated this SSRC before goes first.
  size_t first = 0;
  for (const auto& [known, index] : key_of_ssrc_) {
    if (known == ssrc) first = index;
  }
  Result result = Result::kNotAuthenticated;
  for (size_t attempt = 0; attempt < sessions_.size(); ++attempt) {
    const size_t index = (first + attempt) % sessions_.size();
    const Result attempt_result = UnprotectWith(sessions_[index], rtcp, packet, plain);
    if (attempt_result == Result::kOk) {
      if (index != first || key_of_ssrc_.empty()) {
        if (key_of_ssrc_.size() >= kMaxRememberedSsrcs) key_of_ssrc_.erase(key_of_ssrc_.begin());
        key_of_ssrc_.emplace_back(ssrc, index);
      }
      return Result::kOk;
    }
    if (attempt_result == Result::kReplayed) result = Result::kReplayed;
  }
  plain->clear();
  return result;
}

}  // namespace rtparchive::srtp
