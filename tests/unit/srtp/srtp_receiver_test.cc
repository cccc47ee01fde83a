// SRTP keys from SDP and command lines, and the receiver against packets
// protected by libsrtp2's own sender side (every suite, several keys,
// tampering, replays).
#include "srtp/srtp_receiver.h"

#include <srtp2/srtp.h>

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libsrtp_reference.h"

namespace rtparchive::srtp {
namespace {

using ::testing::HasSubstr;

std::vector<uint8_t> KeyOf(SrtpSuite suite, uint8_t seed) {
  std::vector<uint8_t> key(KeySaltBytes(suite));
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(seed + i * 7);
  return key;
}

// A sender's side, as libsrtp2 protects packets for any SRTP endpoint.
class Sender {
 public:
  Sender(SrtpSuite suite, std::vector<uint8_t> key) : key_(std::move(key)) {
    session_ = test::LibsrtpSession(suite, &key_, ssrc_any_outbound);
  }
  ~Sender() { srtp_dealloc(session_); }
  std::vector<uint8_t> Rtp(uint16_t seq, uint32_t ssrc, const std::string& payload) {
    std::vector<uint8_t> packet = {0x80, 96, static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq),
                                   0, 0, 0, 1, static_cast<uint8_t>(ssrc >> 24),
                                   static_cast<uint8_t>(ssrc >> 16), static_cast<uint8_t>(ssrc >> 8),
                                   static_cast<uint8_t>(ssrc)};
    packet.insert(packet.end(), payload.begin(), payload.end());
    int length = static_cast<int>(packet.size());
    packet.resize(packet.size() + SRTP_MAX_TRAILER_LEN);
    EXPECT_EQ(srtp_protect(session_, packet.data(), &length), srtp_err_status_ok);
    packet.resize(static_cast<size_t>(length));
    return packet;
  }
  std::vector<uint8_t> SenderReport(uint32_t ssrc) {
    std::vector<uint8_t> packet = {0x80, 200, 0, 6, static_cast<uint8_t>(ssrc >> 24),
                                   static_cast<uint8_t>(ssrc >> 16), static_cast<uint8_t>(ssrc >> 8),
                                   static_cast<uint8_t>(ssrc)};
    packet.resize(28, 0x11);
    int length = static_cast<int>(packet.size());
    packet.resize(packet.size() + SRTP_MAX_TRAILER_LEN + 4);
    EXPECT_EQ(srtp_protect_rtcp(session_, packet.data(), &length), srtp_err_status_ok);
    packet.resize(static_cast<size_t>(length));
    return packet;
  }

 private:
  std::vector<uint8_t> key_;
  srtp_t session_ = nullptr;
};

TEST(SrtpKeyTest, SdesCryptoLines) {
  const std::vector<uint8_t> key = KeyOf(SrtpSuite::kAesCm128HmacSha1_80, 1);
  const std::string base64 = absl::Base64Escape(std::string(key.begin(), key.end()));
  auto parsed = ParseSdesCrypto("1 AES_CM_128_HMAC_SHA1_80 inline:" + base64 + "|2^31");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->key_salt, key);
  EXPECT_THAT(ParseSdesCrypto("1 AES_CM_128_HMAC_SHA1_80 inline:" + base64 + "|2^20|1:4").status().message(),
              HasSubstr("MKI"));
  EXPECT_THAT(ParseSdesCrypto("1 F8_128_HMAC_SHA1_80 inline:" + base64).status().message(),
              HasSubstr("unknown SRTP suite"));
  EXPECT_THAT(ParseSdesCrypto("1 AEAD_AES_128_GCM inline:" + base64).status().message(),
              HasSubstr("needs 28"));
  EXPECT_FALSE(ParseSdesCrypto("1 AES_CM_128_HMAC_SHA1_80 key:" + base64).ok());
  EXPECT_FALSE(ParseSdesCrypto("AES_CM_128_HMAC_SHA1_80 inline:" + base64).ok());
  EXPECT_FALSE(ParseSdesCrypto("1 AES_CM_128_HMAC_SHA1_80 inline:!!!").ok());
  auto argument = ParseKeyArgument("AEAD_AES_128_GCM:" + absl::Base64Escape(std::string(28, 'k')));
  ASSERT_TRUE(argument.ok());
  EXPECT_EQ(argument->suite, SrtpSuite::kAeadAes128Gcm);
  EXPECT_EQ(ParseKeyArgument(base64)->suite, SrtpSuite::kAesCm128HmacSha1_80);
}

TEST(SrtpReceiverTest, EverySuiteDecryptsWhatLibsrtpProtected) {
  for (SrtpSuite suite : {SrtpSuite::kAesCm128HmacSha1_80, SrtpSuite::kAesCm128HmacSha1_32,
                          SrtpSuite::kAesCm256HmacSha1_80, SrtpSuite::kAeadAes128Gcm,
                          SrtpSuite::kAeadAes256Gcm}) {
    Sender sender(suite, KeyOf(suite, 3));
    auto receiver = SrtpReceiver::Create({{suite, KeyOf(suite, 3)}});
    ASSERT_TRUE(receiver.ok()) << receiver.status();
    std::vector<uint8_t> plain;
    const auto packet = sender.Rtp(10, 0x1234, "vp8 payload");
    ASSERT_EQ((*receiver)->Unprotect(packet, &plain), SrtpReceiver::Result::kOk);
    EXPECT_EQ(std::string(plain.begin() + 12, plain.end()), "vp8 payload");
    EXPECT_EQ((*receiver)->Unprotect(packet, &plain), SrtpReceiver::Result::kReplayed);
    auto tampered = sender.Rtp(11, 0x1234, "vp8 payload");
    tampered[14] ^= 1;
    EXPECT_EQ((*receiver)->Unprotect(tampered, &plain), SrtpReceiver::Result::kNotAuthenticated);
    EXPECT_TRUE(plain.empty());
    ASSERT_EQ((*receiver)->Unprotect(sender.SenderReport(0x1234), &plain), SrtpReceiver::Result::kOk);
    EXPECT_EQ(plain.size(), 28u);
    EXPECT_EQ(plain[1], 200);
  }
}

TEST(SrtpSenderTest, WhatItProtectsTheReceiverReads) {
  for (SrtpSuite suite : {SrtpSuite::kAesCm128HmacSha1_80, SrtpSuite::kAeadAes128Gcm}) {
    auto sender = SrtpSender::Create({suite, KeyOf(suite, 5)});
    auto receiver = SrtpReceiver::Create({{suite, KeyOf(suite, 5)}});
    ASSERT_TRUE(sender.ok() && receiver.ok());
    std::vector<uint8_t> rtp = {0x80, 96, 0, 7, 0, 0, 0, 1, 0, 0, 0x12, 0x34, 'v', 'p', '8'};
    const auto protected_rtp = (*sender)->ProtectRtp(rtp);
    ASSERT_GT(protected_rtp.size(), rtp.size());
    EXPECT_NE(std::vector<uint8_t>(protected_rtp.begin() + 12, protected_rtp.begin() + 15),
              std::vector<uint8_t>(rtp.begin() + 12, rtp.end()));  // the payload is encrypted
    std::vector<uint8_t> plain;
    ASSERT_EQ((*receiver)->Unprotect(protected_rtp, &plain), SrtpReceiver::Result::kOk);
    EXPECT_EQ(plain, rtp);
    const std::vector<uint8_t> rtcp = {0x80, 201, 0, 1, 0, 0, 0x12, 0x34};
    ASSERT_EQ((*receiver)->Unprotect((*sender)->ProtectRtcp(rtcp), &plain), SrtpReceiver::Result::kOk);
    EXPECT_EQ(plain, rtcp);
  }
}

TEST(SrtpReceiverTest, OneKeyPerMediaSection) {
  const SrtpSuite suite = SrtpSuite::kAesCm128HmacSha1_80;
  Sender audio(suite, KeyOf(suite, 1)), video(suite, KeyOf(suite, 2));
  auto receiver = SrtpReceiver::Create({{suite, KeyOf(suite, 1)}, {suite, KeyOf(suite, 2)}});
  ASSERT_TRUE(receiver.ok());
  std::vector<uint8_t> plain;
  for (uint16_t seq = 0; seq < 5; ++seq) {
    EXPECT_EQ((*receiver)->Unprotect(audio.Rtp(seq, 1, "opus"), &plain), SrtpReceiver::Result::kOk);
    EXPECT_EQ((*receiver)->Unprotect(video.Rtp(seq, 2, "vp8"), &plain), SrtpReceiver::Result::kOk);
  }
  Sender stranger(suite, KeyOf(suite, 9));
  EXPECT_EQ((*receiver)->Unprotect(stranger.Rtp(7, 2, "spoof"), &plain),
            SrtpReceiver::Result::kNotAuthenticated);
  EXPECT_EQ((*receiver)->Unprotect(std::vector<uint8_t>{0x80, 96, 0}, &plain),
            SrtpReceiver::Result::kMalformed);
}

}  // namespace
}  // namespace rtparchive::srtp
