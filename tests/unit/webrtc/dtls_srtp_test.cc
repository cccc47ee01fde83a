// The node's DTLS-SRTP server against another DTLS client: OpenSSL's own
// `openssl s_client` over loopback UDP, with a certificate made by `openssl
// req`. Its printed keying material (RFC 5764's exporter) must be ours; a
// wrong fingerprint in the offer must fail the handshake.
#include "webrtc/dtls_srtp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive::webrtc {
namespace {

using ::testing::HasSubstr;

std::string Shell(const std::string& command) {
  std::string output;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, got);
    ::pclose(pipe);
  }
  return output;
}

class DtlsSrtpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = ::testing::TempDir() + "/dtls-" + std::to_string(::getpid());
    Shell("mkdir -p " + folder_);
    Shell("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=publisher "
        "-days 1 -keyout " + folder_ + "/key.pem -out " + folder_ + "/cert.pem 2>&1");
    const std::string printed = Shell("openssl x509 -in " + folder_ + "/cert.pem -noout -fingerprint -sha256");
    client_fingerprint_ = "sha-256 " + std::string(absl::StripAsciiWhitespace(printed.substr(printed.find('=') + 1)));
  }

  // Runs s_client with `profile` against a server expecting `fingerprint`;
  // returns s_client's output.
  std::string Handshake(const std::string& profile, const std::string& fingerprint,
                        std::unique_ptr<DtlsSrtpServer>* server) {
    auto certificate = DtlsCertificate::Generate();
    EXPECT_TRUE(certificate.ok()) << certificate.status();
    auto expected = ParseFingerprint(fingerprint);
    EXPECT_TRUE(expected.ok()) << expected.status();
    auto created = DtlsSrtpServer::Create(*certificate, *expected);
    EXPECT_TRUE(created.ok()) << created.status();
    *server = *std::move(created);
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t size = sizeof(address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
    std::atomic<bool> stop{false};
    std::thread loop([&] {
      // Bounded: 10 s at most, whatever the client does.
      for (int round = 0; round < 100 && !stop; ++round) {
        pollfd polled{fd, POLLIN, 0};
        if (::poll(&polled, 1, 100) <= 0) {
          std::vector<std::vector<uint8_t>> out;
          (*server)->OnTimer(&out);
          continue;
        }
        uint8_t buffer[4096];
        sockaddr_in peer{};
        socklen_t peer_size = sizeof(peer);
        const ssize_t got = ::recvfrom(fd, buffer, sizeof(buffer), 0, reinterpret_cast<sockaddr*>(&peer), &peer_size);
        if (got <= 0 || !LooksLikeDtls(absl::Span<const uint8_t>(buffer, got))) continue;
        std::vector<std::vector<uint8_t>> out;
        (*server)->Receive(absl::Span<const uint8_t>(buffer, got), &out);
        for (const auto& datagram : out) {
          ::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&peer), peer_size);
        }
      }
    });
    const std::string output = Shell(absl::StrCat(
        "timeout 10 openssl s_client -dtls1_2 -connect 127.0.0.1:", ntohs(address.sin_port),
        " -use_srtp ", profile, " -keymatexport EXTRACTOR-dtls_srtp -keymatexportlen ",
        profile == "SRTP_AEAD_AES_128_GCM" ? 56 : 60, " -cert ", folder_, "/cert.pem -key ", folder_,
        "/key.pem -mtu 1200 </dev/null 2>&1"));
    stop = true;
    loop.join();
    ::close(fd);
    return output;
  }

  std::string folder_, client_fingerprint_;
};

std::string KeyingMaterialOf(const std::string& output) {
  const size_t at = output.find("Keying material: ");
  if (at == std::string::npos) return "";
  return std::string(absl::StripAsciiWhitespace(output.substr(at + 17, output.find('\n', at) - at - 17)));
}

TEST_F(DtlsSrtpTest, AesCmKeysAreTheClientsKeys) {
  std::unique_ptr<DtlsSrtpServer> server;
  const std::string output = Handshake("SRTP_AES128_CM_SHA1_80", client_fingerprint_, &server);
  EXPECT_THAT(output, HasSubstr("SRTP Extension negotiated, profile=SRTP_AES128_CM_SHA1_80"));
  ASSERT_EQ(server->state(), DtlsSrtpServer::State::kConnected) << server->failure() << output;
  const std::string ours = absl::AsciiStrToUpper(absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(server->keying_material().data()), server->keying_material().size())));
  EXPECT_EQ(ours, absl::AsciiStrToUpper(KeyingMaterialOf(output)));
  EXPECT_EQ(server->publisher_key().suite, srtp::SrtpSuite::kAesCm128HmacSha1_80);
  ASSERT_EQ(server->publisher_key().key_salt.size(), 30u);
  // Client write key (bytes 0-15) and client salt (bytes 32-45).
  EXPECT_TRUE(std::equal(server->publisher_key().key_salt.begin(), server->publisher_key().key_salt.begin() + 16,
                         server->keying_material().begin()));
  EXPECT_TRUE(std::equal(server->publisher_key().key_salt.begin() + 16, server->publisher_key().key_salt.end(),
                         server->keying_material().begin() + 32));
}

TEST_F(DtlsSrtpTest, GcmProfile) {
  std::unique_ptr<DtlsSrtpServer> server;
  const std::string output = Handshake("SRTP_AEAD_AES_128_GCM", client_fingerprint_, &server);
  ASSERT_EQ(server->state(), DtlsSrtpServer::State::kConnected) << server->failure() << output;
  EXPECT_EQ(server->publisher_key().suite, srtp::SrtpSuite::kAeadAes128Gcm);
  EXPECT_EQ(server->publisher_key().key_salt.size(), 28u);
  EXPECT_EQ(server->keying_material().size(), 56u);
  EXPECT_TRUE(srtp::SrtpReceiver::Create({server->publisher_key()}).ok());
}

TEST_F(DtlsSrtpTest, AnotherCertificateThanTheOffersFails) {
  std::unique_ptr<DtlsSrtpServer> server;
  std::string fingerprint = "sha-256 ";
  for (int i = 0; i < 32; ++i) absl::StrAppend(&fingerprint, i ? ":" : "", "AB");
  Handshake("SRTP_AES128_CM_SHA1_80", fingerprint, &server);
  EXPECT_EQ(server->state(), DtlsSrtpServer::State::kFailed);
  EXPECT_THAT(server->failure(), HasSubstr("fingerprint"));
}

TEST(FingerprintTest, Forms) {
  std::string good = "sha-256 ";
  for (int i = 0; i < 32; ++i) absl::StrAppend(&good, i ? ":" : "", "0f");
  EXPECT_TRUE(ParseFingerprint(good).ok());
  EXPECT_FALSE(ParseFingerprint("sha-1 AB:CD").ok());
  EXPECT_FALSE(ParseFingerprint("sha-256 AB:CD").ok());
  EXPECT_FALSE(ParseFingerprint("sha-256").ok());
  auto certificate = DtlsCertificate::Generate();
  ASSERT_TRUE(certificate.ok());
  EXPECT_TRUE(ParseFingerprint((*certificate)->fingerprint()).ok()) << (*certificate)->fingerprint();
}

}  // namespace
}  // namespace rtparchive::webrtc
