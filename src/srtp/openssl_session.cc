#include "srtp/openssl_session.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

namespace rtparchive::srtp {
namespace {

constexpr size_t kSaltBytes = 14, kGcmSaltBytes = 12, kAuthKeyBytes = 20, kSrtcpTagBytes = 10, kGcmTagBytes = 16,
                 kShaBlock = 64;
// RFC 3711 §4.3.1 labels.
constexpr uint8_t kRtpCipher = 0, kRtpAuth = 1, kRtpSalt = 2, kRtcpCipher = 3, kRtcpAuth = 4, kRtcpSalt = 5;

uint32_t Be32(const uint8_t* at) {
  return uint32_t{at[0]} << 24 | uint32_t{at[1]} << 16 | uint32_t{at[2]} << 8 | at[3];
}

EVP_CIPHER_CTX* Cipher(void* cipher) { return static_cast<EVP_CIPHER_CTX*>(cipher); }
EVP_MD_CTX* Digest(void* digest) { return static_cast<EVP_MD_CTX*>(digest); }

// The key derivation function (§4.3.3): AES-CM keyed with the master key,
// IV = (master salt XOR label at byte 7) * 2^16, `size` bytes of keystream.
bool Derive(const EVP_CIPHER* cipher, const std::vector<uint8_t>& master_key, const uint8_t* master_salt,
            uint8_t label, uint8_t* out, size_t size) {
  uint8_t iv[16] = {};
  std::memcpy(iv, master_salt, kSaltBytes);
  iv[7] ^= label;
  std::vector<uint8_t> zeros(size, 0);
  EVP_CIPHER_CTX* context = EVP_CIPHER_CTX_new();
  int written = 0;
  const bool ok = context != nullptr && EVP_EncryptInit_ex(context, cipher, nullptr, master_key.data(), iv) == 1 &&
                  EVP_EncryptUpdate(context, out, &written, zeros.data(), static_cast<int>(size)) == 1 &&
                  static_cast<size_t>(written) == size;
  EVP_CIPHER_CTX_free(context);
  return ok;
}

// HMAC-SHA1's states after the key's inner and outer pads (RFC 2104), so
// that each packet costs two SHA-1 runs over its own bytes and no key setup.
bool PadStates(const uint8_t key[kAuthKeyBytes], void** inner, void** outer) {
  uint8_t pad[kShaBlock];
  for (auto [state, byte] : {std::pair<void**, uint8_t>{inner, 0x36}, {outer, 0x5c}}) {
    std::memset(pad, byte, sizeof(pad));
    for (size_t i = 0; i < kAuthKeyBytes; ++i) pad[i] ^= key[i];
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    *state = context;
    if (context == nullptr || EVP_DigestInit_ex(context, EVP_sha1(), nullptr) != 1 ||
        EVP_DigestUpdate(context, pad, sizeof(pad)) != 1) {
      return false;
    }
  }
  OPENSSL_cleanse(pad, sizeof(pad));
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<OpenSslSession>> OpenSslSession::Create(const SrtpKey& key) {
  if (key.key_salt.size() != KeySaltBytes(key.suite)) {
    return absl::InvalidArgumentError("an SRTP key has the wrong length for its suite");
  }
  std::unique_ptr<OpenSslSession> session(new OpenSslSession);
  session->gcm_ = key.suite == SrtpSuite::kAeadAes128Gcm || key.suite == SrtpSuite::kAeadAes256Gcm;
  session->rtp_tag_bytes_ = session->gcm_ ? kGcmTagBytes : key.suite == SrtpSuite::kAesCm128HmacSha1_32 ? 4 : 10;
  const size_t salt_bytes = session->gcm_ ? kGcmSaltBytes : kSaltBytes;
  const size_t key_bytes = key.key_salt.size() - salt_bytes;
  const EVP_CIPHER* kdf = key_bytes == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr();
  const EVP_CIPHER* cipher = !session->gcm_ ? kdf : key_bytes == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
  const std::vector<uint8_t> master_key(key.key_salt.begin(), key.key_salt.begin() + key_bytes);
  // GCM's 96-bit master salt is padded with 16 zero bits for the KDF (RFC 7714 §11).
  uint8_t master_salt[kSaltBytes] = {};
  std::memcpy(master_salt, key.key_salt.data() + key_bytes, salt_bytes);
  for (auto [keys, labels] : {std::pair<Keys*, std::array<uint8_t, 3>>{&session->rtp_, {kRtpCipher, kRtpAuth, kRtpSalt}},
                              {&session->rtcp_, {kRtcpCipher, kRtcpAuth, kRtcpSalt}}}) {
    std::vector<uint8_t> cipher_key(key_bytes);
    uint8_t auth_key[kAuthKeyBytes];
    keys->cipher = EVP_CIPHER_CTX_new();
    const bool ok = keys->cipher != nullptr &&
                    Derive(kdf, master_key, master_salt, labels[0], cipher_key.data(), key_bytes) &&
                    Derive(kdf, master_key, master_salt, labels[2], keys->salt.data(), salt_bytes) &&
                    (session->gcm_ ? EVP_DecryptInit_ex(Cipher(keys->cipher), cipher, nullptr, cipher_key.data(), nullptr)
                                   : EVP_EncryptInit_ex(Cipher(keys->cipher), cipher, nullptr, cipher_key.data(), nullptr)) == 1 &&
                    (session->gcm_ || (Derive(kdf, master_key, master_salt, labels[1], auth_key, kAuthKeyBytes) &&
                                       PadStates(auth_key, &keys->inner, &keys->outer)));
    OPENSSL_cleanse(cipher_key.data(), cipher_key.size());
    OPENSSL_cleanse(auth_key, sizeof(auth_key));
    if (!ok) return absl::InternalError("OpenSSL could not set up the SRTP session keys");
  }
  session->scratch_ = EVP_MD_CTX_new();
  if (session->scratch_ == nullptr) return absl::InternalError("OpenSSL could not make a digest context");
  return session;
}

OpenSslSession::~OpenSslSession() {
  for (Keys* keys : {&rtp_, &rtcp_}) {
    EVP_CIPHER_CTX_free(Cipher(keys->cipher));
    EVP_MD_CTX_free(Digest(keys->inner));
    EVP_MD_CTX_free(Digest(keys->outer));
  }
  EVP_MD_CTX_free(Digest(scratch_));
}

bool OpenSslSession::TagMatches(const Keys& keys, absl::Span<const uint8_t> authenticated, const uint8_t* roc,
                                absl::Span<const uint8_t> tag) const {
  EVP_MD_CTX* scratch = Digest(scratch_);
  uint8_t inner[20], outer[20];
  unsigned size = 0;
  return EVP_MD_CTX_copy_ex(scratch, Digest(keys.inner)) == 1 &&
         EVP_DigestUpdate(scratch, authenticated.data(), authenticated.size()) == 1 &&
         (roc == nullptr || EVP_DigestUpdate(scratch, roc, 4) == 1) &&
         EVP_DigestFinal_ex(scratch, inner, &size) == 1 && EVP_MD_CTX_copy_ex(scratch, Digest(keys.outer)) == 1 &&
         EVP_DigestUpdate(scratch, inner, sizeof(inner)) == 1 && EVP_DigestFinal_ex(scratch, outer, &size) == 1 &&
         CRYPTO_memcmp(outer, tag.data(), tag.size()) == 0;
}

bool OpenSslSession::DecryptCtr(const Keys& keys, uint32_t ssrc, uint64_t index, absl::Span<uint8_t> payload) const {
  // RFC 3711 §4.1.1: IV = (salt * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16).
  uint8_t iv[16] = {};
  std::memcpy(iv, keys.salt.data(), kSaltBytes);
  for (int i = 0; i < 4; ++i) iv[4 + i] ^= static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  for (int i = 0; i < 6; ++i) iv[8 + i] ^= static_cast<uint8_t>(index >> (40 - 8 * i));
  int written = 0;
  return EVP_EncryptInit_ex(Cipher(keys.cipher), nullptr, nullptr, nullptr, iv) == 1 &&
         (payload.empty() || EVP_EncryptUpdate(Cipher(keys.cipher), payload.data(), &written, payload.data(),
                                               static_cast<int>(payload.size())) == 1);
}

bool OpenSslSession::OpenGcm(const Keys& keys, const uint8_t iv[12], absl::Span<const uint8_t> aad,
                             absl::Span<const uint8_t> ciphertext, absl::Span<const uint8_t> tag,
                             uint8_t* out) const {
  EVP_CIPHER_CTX* context = Cipher(keys.cipher);
  uint8_t salted[12];
  for (int i = 0; i < 12; ++i) salted[i] = iv[i] ^ keys.salt[i];
  int written = 0;
  return EVP_DecryptInit_ex(context, nullptr, nullptr, nullptr, salted) == 1 &&
         EVP_DecryptUpdate(context, nullptr, &written, aad.data(), static_cast<int>(aad.size())) == 1 &&
         (ciphertext.empty() ||
          EVP_DecryptUpdate(context, out, &written, ciphertext.data(), static_cast<int>(ciphertext.size())) == 1) &&
         EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()),
                             const_cast<uint8_t*>(tag.data())) == 1 &&
         EVP_DecryptFinal_ex(context, out + ciphertext.size(), &written) == 1;
}

bool OpenSslSession::Replay::Seen(uint64_t index) const {
  if (index > highest) return false;
  return highest - index >= kWindow || seen[highest - index];
}

void OpenSslSession::Replay::Accept(uint64_t index) {
  if (index > highest) {
    seen = index - highest >= kWindow ? std::bitset<kWindow>() : seen << (index - highest);
    highest = index;
  }
  seen[highest - index] = true;
}

OpenSslSession::Stream* OpenSslSession::Find(uint32_t ssrc) {
  for (Stream& stream : streams_) {
    if (stream.ssrc == ssrc) return &stream;
  }
  return nullptr;
}

OpenSslSession::Stream& OpenSslSession::Insert(uint32_t ssrc) {
  if (streams_.size() >= kMaxSsrcs) {
    streams_.erase(std::min_element(streams_.begin(), streams_.end(), [](const Stream& a, const Stream& b) {
      return a.last_use < b.last_use;
    }));
  }
  streams_.push_back({});
  streams_.back().ssrc = ssrc;
  return streams_.back();
}

void OpenSslSession::AcceptRtp(Stream* stream, uint32_t ssrc, int64_t roc, uint16_t sequence, uint64_t index) {
  if (stream == nullptr) stream = &Insert(ssrc);
  if (!stream->has_rtp || index > stream->rtp.highest) {
    stream->roc = static_cast<uint32_t>(roc);
    stream->highest_sequence = sequence;
  }
  if (!stream->has_rtp) stream->rtp = Replay{index, {}};
  stream->has_rtp = true;
  stream->rtp.Accept(index);
  stream->last_use = ++uses_;
}

void OpenSslSession::AcceptRtcp(Stream* stream, uint32_t ssrc, uint64_t index) {
  if (stream == nullptr) stream = &Insert(ssrc);
  if (!stream->has_rtcp) stream->rtcp = Replay{index, {}};
  stream->has_rtcp = true;
  stream->rtcp.Accept(index);
  stream->last_use = ++uses_;
}

OpenSslSession::Result OpenSslSession::UnprotectRtp(absl::Span<const uint8_t> packet, std::vector<uint8_t>* plain) {
  plain->clear();
  if (packet.size() < 12 + rtp_tag_bytes_) return Result::kMalformed;
  const size_t protected_size = packet.size() - rtp_tag_bytes_;
  size_t header = 12 + 4 * size_t{packet[0] & 0x0fu};
  if ((packet[0] & 0x10) != 0) {  // a header extension: 4 bytes, then its length in words
    if (header + 4 > protected_size) return Result::kMalformed;
    header += 4 + 4 * size_t{uint16_t(packet[header + 2] << 8 | packet[header + 3])};
  }
  if (header > protected_size) return Result::kMalformed;
  const uint16_t sequence = static_cast<uint16_t>(packet[2] << 8 | packet[3]);
  const uint32_t ssrc = Be32(packet.data() + 8);
  Stream* stream = Find(ssrc);
  // RFC 3711 §3.3.1: the rollover counter this packet most likely belongs to.
  int64_t roc = 0;
  if (stream != nullptr && stream->has_rtp) {
    const int64_t last = stream->highest_sequence;
    roc = stream->roc;
    if (last < 32768) {
      if (sequence - last > 32768) --roc;
    } else if (last - 32768 > sequence) {
      ++roc;
    }
    if (roc < 0 || roc > 0xffffffffLL) return Result::kReplayed;  // before the stream's first packet
  }
  const uint64_t index = static_cast<uint64_t>(roc) << 16 | sequence;
  if (stream != nullptr && stream->has_rtp && stream->rtp.Seen(index)) return Result::kReplayed;
  const uint8_t roc_bytes[4] = {static_cast<uint8_t>(roc >> 24), static_cast<uint8_t>(roc >> 16),
                                static_cast<uint8_t>(roc >> 8), static_cast<uint8_t>(roc)};
  const absl::Span<const uint8_t> tag = packet.subspan(protected_size);
  plain->assign(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(protected_size));
  bool opened;
  if (gcm_) {
    // RFC 7714 §8.1: IV = (00 00 || SSRC || ROC || SEQ) XOR salt; the header is the AAD.
    uint8_t iv[12] = {0, 0};
    std::memcpy(iv + 2, packet.data() + 8, 4);
    std::memcpy(iv + 6, roc_bytes, 4);
    std::memcpy(iv + 10, packet.data() + 2, 2);
    opened = OpenGcm(rtp_, iv, packet.first(header), packet.subspan(header, protected_size - header), tag,
                     plain->data() + header);
  } else {
    opened = TagMatches(rtp_, packet.first(protected_size), roc_bytes, tag) &&
             DecryptCtr(rtp_, ssrc, index, absl::MakeSpan(*plain).subspan(header));
  }
  if (!opened) {
    plain->clear();
    return Result::kNotAuthenticated;
  }
  AcceptRtp(stream, ssrc, roc, sequence, index);
  return Result::kOk;
}

OpenSslSession::Result OpenSslSession::UnprotectRtcp(absl::Span<const uint8_t> packet, std::vector<uint8_t>* plain) {
  plain->clear();
  // AES-CM: header, payload, E || index, tag (80 bits). AES-GCM (RFC 7714
  // §9): header, payload, tag (128 bits), E || index.
  const size_t tag_bytes = gcm_ ? kGcmTagBytes : kSrtcpTagBytes;
  if (packet.size() < 8 + 4 + tag_bytes) return Result::kMalformed;
  const size_t index_at = gcm_ ? packet.size() - 4 : packet.size() - tag_bytes - 4;
  const uint32_t e_and_index = Be32(packet.data() + index_at);
  const bool encrypted = (e_and_index & 0x80000000u) != 0;
  const uint64_t index = e_and_index & 0x7fffffffu;
  const uint32_t ssrc = Be32(packet.data() + 4);
  Stream* stream = Find(ssrc);
  if (stream != nullptr && stream->has_rtcp && stream->rtcp.Seen(index)) return Result::kReplayed;
  const size_t payload_end = gcm_ ? index_at - tag_bytes : index_at;
  plain->assign(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(payload_end));
  bool opened;
  if (gcm_) {
    // IV = (00 00 || SSRC || 00 00 || 0 || index) XOR salt; AAD = the
    // header and E || index, or all but the tag when not encrypted.
    uint8_t iv[12] = {};
    std::memcpy(iv + 2, packet.data() + 4, 4);
    std::memcpy(iv + 8, packet.data() + index_at, 4);
    iv[8] &= 0x7f;
    std::vector<uint8_t> aad(packet.begin(), packet.begin() + (encrypted ? 8 : static_cast<std::ptrdiff_t>(payload_end)));
    aad.insert(aad.end(), packet.begin() + static_cast<std::ptrdiff_t>(index_at), packet.end());
    const size_t cipher_from = encrypted ? 8 : payload_end;
    opened = OpenGcm(rtcp_, iv, aad, packet.subspan(cipher_from, payload_end - cipher_from),
                     packet.subspan(payload_end, tag_bytes), plain->data() + cipher_from);
  } else {
    opened = TagMatches(rtcp_, packet.first(index_at + 4), nullptr, packet.subspan(index_at + 4)) &&
             (!encrypted || DecryptCtr(rtcp_, ssrc, index, absl::MakeSpan(*plain).subspan(8)));
  }
  if (!opened) {
    plain->clear();
    return Result::kNotAuthenticated;
  }
  AcceptRtcp(stream, ssrc, index);
  return Result::kOk;
}

}  // namespace rtparchive::srtp
