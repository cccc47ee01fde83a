// The OpenSSL reader of SRTP (AES-CM and AES-GCM) against libsrtp2 on both
// sides: packets
// libsrtp2 protects (rollover, CSRCs, header extensions, empty and large
// payloads, reordering, duplicates, packets older than the window, SRTCP)
// are offered to our session and to a libsrtp2 receiving session; every
// verdict and every plaintext must be the same.
#include "srtp/openssl_session.h"

#include <srtp2/srtp.h>

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libsrtp_reference.h"

namespace rtparchive::srtp {
namespace {

using Result = SrtpReceiver::Result;

Result Verdict(srtp_err_status_t status) {
  if (status == srtp_err_status_ok) return Result::kOk;
  if (status == srtp_err_status_replay_fail || status == srtp_err_status_replay_old) return Result::kReplayed;
  return Result::kNotAuthenticated;
}

// An RTP packet with `csrcs` CSRCs and a header extension of `words` words
// when `words` >= 0.
std::vector<uint8_t> Rtp(uint16_t seq, uint32_t ssrc, int csrcs, int words, size_t payload, std::mt19937* random) {
  std::vector<uint8_t> packet = {static_cast<uint8_t>(0x80 | (words >= 0 ? 0x10 : 0) | csrcs), 96,
                                 static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 1, 2, 3, 4,
                                 static_cast<uint8_t>(ssrc >> 24), static_cast<uint8_t>(ssrc >> 16),
                                 static_cast<uint8_t>(ssrc >> 8), static_cast<uint8_t>(ssrc)};
  for (int i = 0; i < 4 * csrcs; ++i) packet.push_back(static_cast<uint8_t>((*random)()));
  if (words >= 0) {
    packet.insert(packet.end(), {0xbe, 0xde, 0, static_cast<uint8_t>(words)});
    for (int i = 0; i < 4 * words; ++i) packet.push_back(static_cast<uint8_t>((*random)()));
  }
  for (size_t i = 0; i < payload; ++i) packet.push_back(static_cast<uint8_t>((*random)()));
  return packet;
}

TEST(OpenSslSessionTest, SameVerdictsAndPlaintextsAsLibsrtp) {
  // The AES-CM suites also with SRTCP authenticated only (E = 0), as
  // libsrtp2 sends it when told not to encrypt RTCP.
  struct Case {
    SrtpSuite suite;
    bool encrypt_rtcp;
  };
  for (const auto& [suite, encrypt_rtcp] :
       {Case{SrtpSuite::kAesCm128HmacSha1_80, true}, Case{SrtpSuite::kAesCm128HmacSha1_32, true},
        Case{SrtpSuite::kAesCm256HmacSha1_80, true}, Case{SrtpSuite::kAeadAes128Gcm, true},
        Case{SrtpSuite::kAeadAes256Gcm, true}, Case{SrtpSuite::kAesCm128HmacSha1_80, false}}) {
    std::mt19937 random(static_cast<unsigned>(suite) + 7);
    std::vector<uint8_t> key(KeySaltBytes(suite));
    for (uint8_t& byte : key) byte = static_cast<uint8_t>(random());
    srtp_t sender = test::LibsrtpSession(suite, &key, ssrc_any_outbound, encrypt_rtcp);
    srtp_t reference = test::LibsrtpSession(suite, &key, ssrc_any_inbound, encrypt_rtcp);
    auto ours = OpenSslSession::Create({suite, key});
    ASSERT_TRUE(ours.ok()) << ours.status();
    auto protect = [&](std::vector<uint8_t> packet, bool rtcp) {
      int length = static_cast<int>(packet.size());
      packet.resize(packet.size() + SRTP_MAX_TRAILER_LEN + 4);
      EXPECT_EQ(rtcp ? srtp_protect_rtcp(sender, packet.data(), &length) : srtp_protect(sender, packet.data(), &length),
                srtp_err_status_ok);
      packet.resize(static_cast<size_t>(length));
      return packet;
    };
    std::vector<std::vector<uint8_t>> wire;
    // Two SSRCs; one wraps its sequence numbers (rollover counter 0 -> 1).
    for (int i = 0; i < 1500; ++i) {
      const bool second = i % 3 == 0;
      const uint16_t seq = static_cast<uint16_t>(second ? 100 + i : 65000 + i);
      const size_t payload = random() % 7 == 0 ? 0 : random() % 1300;
      wire.push_back(protect(Rtp(seq, second ? 0x2222 : 0x1111, static_cast<int>(random() % 3),
                                 random() % 2 ? -1 : static_cast<int>(random() % 3), payload, &random),
                             false));
      if (i % 50 == 0) {  // a sender report, some receiver reports
        std::vector<uint8_t> rtcp = {0x80, 200, 0, 6, 0, 0, 0x11, 0x11};
        rtcp.resize(28, static_cast<uint8_t>(i));
        wire.push_back(protect(rtcp, true));
      }
    }
    // The network: neighbours swapped, some packets twice, a few much later
    // (beyond the replay window), some bytes flipped.
    std::vector<std::vector<uint8_t>> delivered;
    for (size_t i = 0; i < wire.size(); ++i) {
      if (i + 1 < wire.size() && random() % 10 == 0) {
        delivered.push_back(wire[i + 1]);
        delivered.push_back(wire[i]);
        ++i;
        continue;
      }
      delivered.push_back(wire[i]);
      if (random() % 20 == 0) delivered.push_back(wire[i]);
      if (random() % 40 == 0) {
        std::vector<uint8_t> flipped = wire[i];
        flipped[random() % flipped.size()] ^= static_cast<uint8_t>(1 << (random() % 8));
        delivered.push_back(flipped);
      }
    }
    for (size_t i = 0; i < 5; ++i) delivered.push_back(wire[i * 7]);  // long after
    int accepted = 0, refused = 0;
    for (const std::vector<uint8_t>& packet : delivered) {
      const bool rtcp = packet[1] == 200;
      std::vector<uint8_t> theirs = packet, plain;
      int length = static_cast<int>(theirs.size());
      const Result expected = Verdict(rtcp ? srtp_unprotect_rtcp(reference, theirs.data(), &length)
                                           : srtp_unprotect(reference, theirs.data(), &length));
      const Result got = rtcp ? (*ours)->UnprotectRtcp(packet, &plain) : (*ours)->UnprotectRtp(packet, &plain);
      // A flipped byte in the header can make a packet malformed for us and
      // unauthenticated for libsrtp2: both refuse it.
      if (expected == Result::kNotAuthenticated && got == Result::kMalformed) {
        ++refused;
        continue;
      }
      ASSERT_EQ(got, expected) << "suite " << static_cast<int>(suite) << " packet " << accepted + refused;
      if (got == Result::kOk) {
        ++accepted;
        theirs.resize(static_cast<size_t>(length));
        ASSERT_EQ(plain, theirs);
      } else {
        ++refused;
        EXPECT_TRUE(plain.empty());
      }
    }
    EXPECT_EQ(accepted, static_cast<int>(wire.size()));  // each packet once, whatever the order
    EXPECT_GT(refused, 50);
    srtp_dealloc(sender);
    srtp_dealloc(reference);
  }
}

TEST(OpenSslSessionTest, RefusesWrongKeysAndShortPackets) {
  EXPECT_FALSE(OpenSslSession::Create({SrtpSuite::kAeadAes128Gcm, std::vector<uint8_t>(30, 1)}).ok());
  EXPECT_FALSE(OpenSslSession::Create({SrtpSuite::kAesCm128HmacSha1_80, std::vector<uint8_t>(29, 1)}).ok());
  auto session = OpenSslSession::Create({SrtpSuite::kAesCm128HmacSha1_80, std::vector<uint8_t>(30, 1)});
  ASSERT_TRUE(session.ok());
  std::vector<uint8_t> plain;
  EXPECT_EQ((*session)->UnprotectRtp(std::vector<uint8_t>(21, 0x80), &plain), Result::kMalformed);
  EXPECT_EQ((*session)->UnprotectRtcp(std::vector<uint8_t>(21, 0x80), &plain), Result::kMalformed);
  // A header extension longer than the packet.
  std::vector<uint8_t> long_extension = {0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0xff, 0xff};
  long_extension.resize(40, 0);
  EXPECT_EQ((*session)->UnprotectRtp(long_extension, &plain), Result::kMalformed);
}

}  // namespace
}  // namespace rtparchive::srtp
