// The node's DTLS-SRTP server against another DTLS client: OpenSSL's own
// `openssl s_client` over loopback UDP, with a certificate made by `openssl
// req`. Its printed keying material (RFC 5764's exporter) must be ours; a
// wrong fingerprint in the offer must fail the handshake. The key log
// s_client writes (-keylogfile) and the datagrams on the wire must give the
// same SRTP keys through DtlsKeyFinder, as `replay --key_log` derives them.
#include "webrtc/dtls_srtp.h"

#include "webrtc/dtls_key_log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
                        std::unique_ptr<DtlsSrtpServer>* server, const std::string& cipher = "",
                        int mtu = 1200) {
    auto certificate = DtlsCertificate::Generate();
    EXPECT_TRUE(certificate.ok()) << certificate.status();
    auto expected = ParseFingerprint(fingerprint);
    EXPECT_TRUE(expected.ok()) << expected.status();
    auto created = DtlsSrtpServer::Create(*certificate, *expected, server_key_log_);
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
        wire_.emplace_back(true, std::vector<uint8_t>(buffer, buffer + got));
        std::vector<std::vector<uint8_t>> out;
        (*server)->Receive(absl::Span<const uint8_t>(buffer, got), &out);
        for (const auto& datagram : out) {
          wire_.emplace_back(false, datagram);
          ::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&peer), peer_size);
        }
      }
    });
    const std::string output = Shell(absl::StrCat(
        "timeout 10 openssl s_client -dtls1_2 -connect 127.0.0.1:", ntohs(address.sin_port),
        " -use_srtp ", profile, " -keymatexport EXTRACTOR-dtls_srtp -keymatexportlen ",
        profile == "SRTP_AEAD_AES_128_GCM" ? 56 : 60, " -cert ", folder_, "/cert.pem -key ", folder_,
        "/key.pem -mtu ", mtu, " -keylogfile ", folder_, "/client.keys ",
        cipher.empty() ? "" : "-cipher " + cipher, " </dev/null 2>&1"));
    stop = true;
    loop.join();
    ::close(fd);
    return output;
  }

  std::string folder_, client_fingerprint_;
  std::shared_ptr<KeyLogWriter> server_key_log_;
  std::vector<std::pair<bool, std::vector<uint8_t>>> wire_;  // true: client -> server
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

// The keys a capture reader derives from the wire and a key log: first
// the DTLS client's, then the server's.
std::vector<srtp::SrtpKey> KeysFromWire(const std::vector<std::pair<bool, std::vector<uint8_t>>>& wire,
                                        const MasterSecrets& secrets, DtlsKeyFinder::Counts* counts) {
  DtlsKeyFinder finder(secrets);
  std::vector<srtp::SrtpKey> keys;
  for (const auto& [from_client, datagram] : wire) {
    for (srtp::SrtpKey& key : finder.Offer(from_client ? "client" : "server", from_client ? "server" : "client",
                                           datagram)) {
      keys.push_back(std::move(key));
    }
  }
  *counts = finder.counts();
  return keys;
}

TEST_F(DtlsSrtpTest, KeyLogAndWireGiveTheExportedKeys) {
  // Both SRTP profiles, and both PRF hashes of TLS 1.2 (SHA-256; SHA-384 for *_SHA384 suites).
  // s_client's MTU of 256 splits its ClientHello, as GStreamer's DTLS does.
  struct Case {
    std::string profile, cipher;
    int mtu;
  };
  for (const auto& [profile, cipher, mtu] : {Case{"SRTP_AES128_CM_SHA1_80", "ECDHE-ECDSA-AES128-GCM-SHA256", 1200},
                                             Case{"SRTP_AEAD_AES_128_GCM", "ECDHE-ECDSA-AES256-GCM-SHA384", 256},
                                             Case{"SRTP_AEAD_AES_128_GCM", "ECDHE-ECDSA-CHACHA20-POLY1305", 1200}}) {
    const std::string node_log = folder_ + "/node-" + cipher + ".keys";
    auto writer = KeyLogWriter::Open(node_log);
    ASSERT_TRUE(writer.ok()) << writer.status();
    server_key_log_ = *writer;
    wire_.clear();
    Shell("rm -f " + folder_ + "/client.keys");
    std::unique_ptr<DtlsSrtpServer> server;
    const std::string output = Handshake(profile, client_fingerprint_, &server, cipher, mtu);
    ASSERT_EQ(server->state(), DtlsSrtpServer::State::kConnected) << server->failure() << output;
    EXPECT_THAT(output, HasSubstr("Cipher is " + cipher));
    // s_client's key log (another program's) gives the keys our server exported.
    auto client_secrets = ReadKeyLog(folder_ + "/client.keys");
    ASSERT_TRUE(client_secrets.ok()) << client_secrets.status();
    ASSERT_EQ(client_secrets->size(), 1u);
    DtlsKeyFinder::Counts counts;
    std::vector<srtp::SrtpKey> keys = KeysFromWire(wire_, *client_secrets, &counts);
    ASSERT_EQ(keys.size(), 2u) << profile;
    EXPECT_EQ(counts.handshakes_keyed, 1);
    EXPECT_EQ(keys[0].suite, server->publisher_key().suite);
    EXPECT_EQ(keys[0].key_salt, server->publisher_key().key_salt) << profile;
    EXPECT_EQ(keys[1].key_salt, server->node_key().key_salt) << profile;
    // The node's own key log has the same secret, in a file only its owner reads.
    auto node_secrets = ReadKeyLog(node_log);
    ASSERT_TRUE(node_secrets.ok()) << node_secrets.status();
    EXPECT_EQ(*node_secrets, *client_secrets);
    struct stat info{};
    ASSERT_EQ(::stat(node_log.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    // The ServerHello split in two fragments, in two datagrams (as a peer
    // with a small MTU sends it): the same keys.
    auto hello = std::find_if(wire_.begin(), wire_.end(), [](const auto& sent) {
      return !sent.first && sent.second.size() > 25 && sent.second[13] == 2;  // first record: ServerHello
    });
    ASSERT_NE(hello, wire_.end());
    const std::vector<uint8_t> original = hello->second;
    const size_t body = (original[14] << 16 | original[15] << 8 | original[16]), cut = 20;
    auto fragment = [&](size_t from, size_t size) {
      std::vector<uint8_t> record(original.begin(), original.begin() + 25);
      record[11] = static_cast<uint8_t>((12 + size) >> 8), record[12] = static_cast<uint8_t>(12 + size);
      for (int i = 0; i < 3; ++i) record[19 + i] = static_cast<uint8_t>(from >> (16 - 8 * i));
      for (int i = 0; i < 3; ++i) record[22 + i] = static_cast<uint8_t>(size >> (16 - 8 * i));
      record.insert(record.end(), original.begin() + 25 + from, original.begin() + 25 + from + size);
      return record;
    };
    auto split = wire_;
    const size_t at = hello - wire_.begin();
    split[at].second = fragment(0, cut);
    split.insert(split.begin() + at + 1, {false, fragment(cut, body - cut)});
    keys = KeysFromWire(split, *client_secrets, &counts);
    ASSERT_EQ(keys.size(), 2u) << profile;
    EXPECT_EQ(keys[0].key_salt, server->publisher_key().key_salt);
    // Without the secret: nothing derived, counted.
    keys = KeysFromWire(wire_, MasterSecrets{}, &counts);
    EXPECT_TRUE(keys.empty());
    EXPECT_EQ(counts.not_in_key_log, 1);
    // Each datagram cut short: never a key, never a crash, counted.
    for (auto& [from_client, datagram] : wire_) datagram.resize(datagram.size() / 2);
    keys = KeysFromWire(wire_, *client_secrets, &counts);
    EXPECT_TRUE(keys.empty());
    EXPECT_GT(counts.unreadable, 0);
  }
}

TEST(KeyLogTest, Lines) {
  const std::string random(64, 'a'), secret(96, '0');
  auto parsed = ParseKeyLog("# SSL/TLS secrets log file\n"
                            "CLIENT_HANDSHAKE_TRAFFIC_SECRET " + random + " " + secret + "\n"
                            "CLIENT_RANDOM " + random + " " + secret + "\r\n\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ(parsed->begin()->first, std::vector<uint8_t>(32, 0xaa));
  EXPECT_EQ(parsed->begin()->second, std::vector<uint8_t>(48, 0));
  for (const std::string& bad : {"CLIENT_RANDOM " + random, "CLIENT_RANDOM " + random + " " + secret.substr(2),
                                 "CLIENT_RANDOM " + std::string(63, 'a') + "g " + secret}) {
    auto refused = ParseKeyLog("\n" + bad + "\n");
    EXPECT_FALSE(refused.ok()) << bad;
    EXPECT_THAT(refused.status().message(), HasSubstr("line 2")) << bad;
  }
  EXPECT_FALSE(ReadKeyLog("/nonexistent/keys.log").ok());
}

TEST(KeyLogTest, KeyingMaterialLayout) {
  std::vector<uint8_t> material(56);
  for (size_t i = 0; i < material.size(); ++i) material[i] = static_cast<uint8_t>(i);
  auto keys = SrtpKeysOf(7, material);  // AEAD_AES_128_GCM: 16-byte keys, 12-byte salts
  ASSERT_TRUE(keys.ok()) << keys.status();
  std::vector<uint8_t> client = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43};
  EXPECT_EQ(keys->first.key_salt, client);
  EXPECT_EQ(keys->second.key_salt.front(), 16);
  EXPECT_EQ(keys->second.key_salt[16], 44);
  EXPECT_FALSE(SrtpKeysOf(7, absl::MakeConstSpan(material).first(55)).ok());
  EXPECT_FALSE(SrtpKeysOf(5, material).ok());
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
