#include "webrtc/dtls_srtp.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace rtparchive::webrtc {
namespace {

constexpr int kMtu = 1200;  // what browsers use for DTLS over ICE
constexpr char kSrtpProfiles[] = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";
constexpr char kExporterLabel[] = "EXTRACTOR-dtls_srtp";

using Outgoing = std::vector<std::vector<uint8_t>>;

// A BIO that keeps each write as one datagram (a memory BIO would run
// DTLS records together).
int DatagramWrite(BIO* bio, const char* data, int size) {
  auto** outgoing = static_cast<Outgoing**>(BIO_get_data(bio));
  if (*outgoing == nullptr || size < 0) return -1;
  (*outgoing)->emplace_back(data, data + size);
  return size;
}

long DatagramControl(BIO*, int command, long, void*) {  // NOLINT(runtime/int): OpenSSL's type
  switch (command) {
    case BIO_CTRL_FLUSH: return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU: return kMtu;
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING: return 0;
    default: return 0;
  }
}

BIO_METHOD* DatagramMethod() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* made = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rtparchive datagrams");
    BIO_meth_set_write(made, DatagramWrite);
    BIO_meth_set_ctrl(made, DatagramControl);
    BIO_meth_set_create(made, [](BIO* bio) {
      BIO_set_init(bio, 1);
      return 1;
    });
    return made;
  }();
  return method;
}

std::string Hex(const unsigned char* bytes, unsigned size) {
  std::string text;
  for (unsigned i = 0; i < size; ++i) {
    absl::StrAppend(&text, i ? ":" : "", absl::AsciiStrToUpper(absl::BytesToHexString(
                                              absl::string_view(reinterpret_cast<const char*>(bytes + i), 1))));
  }
  return text;
}

std::string OpenSslError() {
  const unsigned long error = ERR_get_error();  // NOLINT(runtime/int)
  if (error == 0) return "no detail from OpenSSL";
  char text[256];
  ERR_error_string_n(error, text, sizeof(text));
  return text;
}

}  // namespace

bool LooksLikeDtls(absl::Span<const uint8_t> datagram) {
  return !datagram.empty() && datagram[0] >= 20 && datagram[0] <= 63;
}

absl::StatusOr<std::vector<uint8_t>> ParseFingerprint(absl::string_view value) {
  value = absl::StripAsciiWhitespace(value);
  const size_t space = value.find(' ');
  if (space == absl::string_view::npos || !absl::EqualsIgnoreCase(value.substr(0, space), "sha-256")) {
    return absl::InvalidArgumentError("a=fingerprint must be \"sha-256 AB:CD:...\"");
  }
  const std::string hex = absl::StrReplaceAll(value.substr(space + 1), {{":", ""}});
  if (hex.size() != 64 || !std::all_of(hex.begin(), hex.end(), [](char c) {
        return absl::ascii_isxdigit(static_cast<unsigned char>(c));
      })) {
    return absl::InvalidArgumentError("a=fingerprint's SHA-256 must be 32 hex bytes");
  }
  const std::string bytes = absl::HexStringToBytes(hex);
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

DtlsCertificate::~DtlsCertificate() {
  X509_free(static_cast<X509*>(cert_));
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

absl::StatusOr<std::shared_ptr<DtlsCertificate>> DtlsCertificate::Generate() {
  std::shared_ptr<DtlsCertificate> made(new DtlsCertificate);
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  made->key_ = key;
  made->cert_ = cert;
  if (key == nullptr || cert == nullptr) {
    return absl::InternalError(absl::StrCat("cannot make a DTLS key: ", OpenSslError()));
  }
  uint64_t serial = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof(serial));
  X509_set_version(cert, 2);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial >> 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -24 * 3600);  // clocks of peers differ
  X509_gmtime_adj(X509_getm_notAfter(cert), 30LL * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("rtparchive"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, key);
  if (X509_sign(cert, key, EVP_sha256()) == 0) {
    return absl::InternalError(absl::StrCat("cannot sign the DTLS certificate: ", OpenSslError()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  X509_digest(cert, EVP_sha256(), digest, &size);
  made->fingerprint_ = "sha-256 " + Hex(digest, size);
  return made;
}

absl::StatusOr<std::unique_ptr<DtlsSrtpServer>> DtlsSrtpServer::Create(
    std::shared_ptr<DtlsCertificate> certificate, std::vector<uint8_t> peer_fingerprint,
    std::shared_ptr<KeyLogWriter> key_log) {
  std::unique_ptr<DtlsSrtpServer> server(new DtlsSrtpServer);
  server->key_log_ = std::move(key_log);
  server->certificate_ = std::move(certificate);
  server->peer_fingerprint_ = std::move(peer_fingerprint);
  SSL_CTX* context = SSL_CTX_new(DTLS_server_method());
  server->context_ = context;
  if (context == nullptr) return absl::InternalError("cannot make a DTLS context");
  SSL_CTX_set_min_proto_version(context, DTLS1_2_VERSION);
  if (SSL_CTX_use_certificate(context, static_cast<X509*>(server->certificate_->cert_)) != 1 ||
      SSL_CTX_use_PrivateKey(context, static_cast<EVP_PKEY*>(server->certificate_->key_)) != 1 ||
      SSL_CTX_set_tlsext_use_srtp(context, kSrtpProfiles) != 0) {
    return absl::InternalError(absl::StrCat("cannot set up DTLS: ", OpenSslError()));
  }
  // Peers' certificates are self-signed: the fingerprint of the offer
  // (checked when the handshake ends) is what authenticates them.
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     [](int, X509_STORE_CTX*) { return 1; });
  SSL* ssl = SSL_new(context);
  server->ssl_ = ssl;
  if (server->key_log_ != nullptr) {
    SSL_set_app_data(ssl, server.get());
    SSL_CTX_set_keylog_callback(context, [](const SSL* from, const char* line) {
      static_cast<DtlsSrtpServer*>(SSL_get_app_data(from))->key_log_->Write(line);
    });
  }
  BIO* incoming = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(incoming, -1);  // empty: "try again", not end of stream
  BIO* outgoing = BIO_new(DatagramMethod());
  BIO_set_data(outgoing, &server->outgoing_);
  server->incoming_ = incoming;
  SSL_set_bio(ssl, incoming, outgoing);
  SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu(ssl, kMtu);
  SSL_set_accept_state(ssl);
  return server;
}

DtlsSrtpServer::~DtlsSrtpServer() {
  SSL_free(static_cast<SSL*>(ssl_));  // frees its BIOs
  SSL_CTX_free(static_cast<SSL_CTX*>(context_));
}

void DtlsSrtpServer::Receive(absl::Span<const uint8_t> datagram, Outgoing* out) {
  if (state_ == State::kFailed || datagram.size() > 65535) return;
  BIO_write(static_cast<BIO*>(incoming_), datagram.data(), static_cast<int>(datagram.size()));
  Advance(out);
}

void DtlsSrtpServer::OnTimer(Outgoing* out) {
  if (state_ != State::kHandshaking) return;
  outgoing_ = out;
  DTLSv1_handle_timeout(static_cast<SSL*>(ssl_));
  outgoing_ = nullptr;
}

void DtlsSrtpServer::Advance(Outgoing* out) {
  SSL* ssl = static_cast<SSL*>(ssl_);
  outgoing_ = out;
  if (state_ == State::kHandshaking) {
    const int done = SSL_do_handshake(ssl);
    if (done == 1) {
      Finish();
    } else if (const int error = SSL_get_error(ssl, done);
               error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
      state_ = State::kFailed;
      failure_ = absl::StrCat("the DTLS handshake failed: ", OpenSslError());
    }
  } else if (state_ == State::kConnected) {
    // Application data or alerts after the handshake: read and dropped
    // (a close_notify ends nothing here; the publisher's media ends by ICE).
    char sink[2048];
    while (SSL_read(ssl, sink, sizeof(sink)) > 0) {
    }
  }
  outgoing_ = nullptr;
  // A datagram fully read or not, the memory BIO keeps nothing for later.
  (void)BIO_reset(static_cast<BIO*>(incoming_));
}

void DtlsSrtpServer::Finish() {
  SSL* ssl = static_cast<SSL*>(ssl_);
  X509* peer = SSL_get1_peer_certificate(ssl);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  const bool digested = peer != nullptr && X509_digest(peer, EVP_sha256(), digest, &size) == 1;
  X509_free(peer);
  if (!digested || size != peer_fingerprint_.size() ||
      CRYPTO_memcmp(digest, peer_fingerprint_.data(), size) != 0) {
    state_ = State::kFailed;
    failure_ = "the peer's DTLS certificate does not match the fingerprint of its offer";
    return;
  }
  const SRTP_PROTECTION_PROFILE* profile = SSL_get_selected_srtp_profile(ssl);
  const uint16_t id = profile != nullptr ? static_cast<uint16_t>(profile->id) : 0;
  if (id != SRTP_AES128_CM_SHA1_80 && id != SRTP_AEAD_AES_128_GCM) {
    state_ = State::kFailed;
    failure_ = "the peer offered no SRTP profile the node takes (AEAD_AES_128_GCM, AES128_CM_SHA1_80)";
    return;
  }
  keying_material_.resize(KeyingMaterialBytes(id));
  if (SSL_export_keying_material(ssl, keying_material_.data(), keying_material_.size(),
                                 kExporterLabel, sizeof(kExporterLabel) - 1, nullptr, 0, 0) != 1) {
    state_ = State::kFailed;
    failure_ = absl::StrCat("cannot export the SRTP keys: ", OpenSslError());
    return;
  }
  auto keys = SrtpKeysOf(id, keying_material_);
  if (!keys.ok()) {
    state_ = State::kFailed;
    failure_ = std::string(keys.status().message());
    return;
  }
  publisher_key_ = keys->first;  // the DTLS client's
  node_key_ = keys->second;      // the server's
  state_ = State::kConnected;
}

}  // namespace rtparchive::webrtc
