// STUN against RFC 5769's test vectors (the sample request and the IPv4 and
// IPv6 responses, with their short-term password), and the answers an
// ICE-lite agent builds, checked by the same rules.
#include "webrtc/stun_message.h"

#include <vector>

#include "gtest/gtest.h"

namespace rtparchive::webrtc {
namespace {

constexpr char kPassword[] = "VOkJxbRl1RmTxUk/WvJxBt";

// RFC 5769 §2.1: a binding request from an ICE agent.
const std::vector<uint8_t> kSampleRequest = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
    0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf};

// RFC 5769 §2.2 and §2.3: responses mapping 192.0.2.1 and
// 2001:db8:1234:5678:11:2233:4455:6677, port 32853.
const std::vector<uint8_t> kSampleIpv4Response = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96};
const std::vector<uint8_t> kSampleIpv6Response = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
    0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
    0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c};

TEST(StunMessageTest, Rfc5769SampleRequest) {
  auto message = ParseStun(kSampleRequest);
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(message->method, kBindingMethod);
  EXPECT_EQ(message->message_class, StunClass::kRequest);
  EXPECT_EQ(message->username, "evtj:h6vY");
  EXPECT_EQ(message->priority, 0x6e0001ffu);
  EXPECT_EQ(message->ice_controlled, 0x932ff9b151263b36u);
  EXPECT_FALSE(message->use_candidate);
  EXPECT_TRUE(IntegrityMatches(kSampleRequest, *message, kPassword));
  EXPECT_FALSE(IntegrityMatches(kSampleRequest, *message, "wrong password"));
  EXPECT_TRUE(FingerprintMatches(kSampleRequest, *message));
  std::vector<uint8_t> damaged = kSampleRequest;
  damaged[30] ^= 1;  // inside SOFTWARE: both checks fail
  auto reparsed = ParseStun(damaged);
  ASSERT_TRUE(reparsed.ok());
  EXPECT_FALSE(IntegrityMatches(damaged, *reparsed, kPassword));
  EXPECT_FALSE(FingerprintMatches(damaged, *reparsed));
}

TEST(StunMessageTest, Rfc5769SampleResponses) {
  for (const auto* sample : {&kSampleIpv4Response, &kSampleIpv6Response}) {
    auto message = ParseStun(*sample);
    ASSERT_TRUE(message.ok()) << message.status();
    EXPECT_EQ(message->message_class, StunClass::kSuccess);
    EXPECT_TRUE(IntegrityMatches(*sample, *message, kPassword));
    EXPECT_TRUE(FingerprintMatches(*sample, *message));
    ASSERT_TRUE(message->xor_mapped_address.has_value());
    EXPECT_EQ(message->xor_mapped_address->port, 32853);
  }
  auto v4 = ParseStun(kSampleIpv4Response);
  EXPECT_EQ(v4->xor_mapped_address->address[0], 192);
  EXPECT_EQ(v4->xor_mapped_address->address[3], 1);
  auto v6 = ParseStun(kSampleIpv6Response);
  EXPECT_TRUE(v6->xor_mapped_address->ipv6);
  EXPECT_EQ(v6->xor_mapped_address->address[0], 0x20);
  EXPECT_EQ(v6->xor_mapped_address->address[15], 0x77);
}

TEST(StunMessageTest, OurBindingSuccessEncodesAsTheRfcDoes) {
  const std::array<uint8_t, 12> id = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};
  TransportAddress mapped;
  mapped.address = {192, 0, 2, 1};
  mapped.port = 32853;
  const std::vector<uint8_t> answer = BindingSuccess(id, mapped, kPassword);
  auto message = ParseStun(answer);
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(message->message_class, StunClass::kSuccess);
  EXPECT_TRUE(IntegrityMatches(answer, *message, kPassword));
  EXPECT_TRUE(FingerprintMatches(answer, *message));
  // The XOR-MAPPED-ADDRESS value is the RFC's byte for byte.
  const std::vector<uint8_t> rfc_value(kSampleIpv4Response.begin() + 40, kSampleIpv4Response.begin() + 48);
  const std::vector<uint8_t> our_value(answer.begin() + 24, answer.begin() + 32);
  EXPECT_EQ(our_value, rfc_value);
  const std::vector<uint8_t> error = BindingError(id, 401, "Unauthorized");
  auto refused = ParseStun(error);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->message_class, StunClass::kError);
  EXPECT_EQ(refused->error_code, 401);
  EXPECT_TRUE(FingerprintMatches(error, *refused));
}

TEST(StunMessageTest, MalformedMessagesAreRefused) {
  std::vector<uint8_t> cut = kSampleRequest;
  cut.resize(cut.size() - 4);
  EXPECT_FALSE(ParseStun(cut).ok());  // the length disagrees
  std::vector<uint8_t> overrun = kSampleRequest;
  overrun[22] = 0x7f;  // SOFTWARE's length past the end
  EXPECT_FALSE(ParseStun(overrun).ok());
  std::vector<uint8_t> rtp = {0x80, 0x60, 0, 1, 0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0,
                              0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_FALSE(LooksLikeStun(rtp));
  EXPECT_FALSE(ParseStun(std::vector<uint8_t>(10, 0)).ok());
}

}  // namespace
}  // namespace rtparchive::webrtc
