// libsrtp2 sessions as the SRTP tests' reference: another implementation's
// sender (and receiver) for every suite rtparchive reads.
#ifndef RTPARCHIVE_TESTS_UNIT_SRTP_LIBSRTP_REFERENCE_H_
#define RTPARCHIVE_TESTS_UNIT_SRTP_LIBSRTP_REFERENCE_H_

#include <srtp2/srtp.h>

#include <vector>

#include "gtest/gtest.h"
#include "srtp/srtp_receiver.h"

namespace rtparchive::srtp::test {

// A libsrtp2 session for `suite` under `key` (kept alive by the caller):
// ssrc_any_outbound protects, ssrc_any_inbound reads. Replay window 1,024,
// as the node's. `encrypt_rtcp` false: SRTCP authenticated only (E = 0).
inline srtp_t LibsrtpSession(SrtpSuite suite, std::vector<uint8_t>* key, srtp_ssrc_type_t direction,
                             bool encrypt_rtcp = true) {
  SrtpSender::Create({SrtpSuite::kAesCm128HmacSha1_80, std::vector<uint8_t>(30, 1)}).IgnoreError();  // srtp_init
  srtp_policy_t policy{};
  switch (suite) {
    case SrtpSuite::kAesCm128HmacSha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
      break;
    case SrtpSuite::kAesCm128HmacSha1_32:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);  // RFC 4568 §6.2
      break;
    case SrtpSuite::kAesCm256HmacSha1_80:
      srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&policy.rtcp);
      break;
    case SrtpSuite::kAeadAes128Gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
      break;
    case SrtpSuite::kAeadAes256Gcm:
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp);
      break;
  }
  if (!encrypt_rtcp) policy.rtcp.sec_serv = sec_serv_auth;
  policy.ssrc.type = direction;
  policy.key = key->data();
  policy.window_size = 1024;
  srtp_t session = nullptr;
  EXPECT_EQ(srtp_create(&session, &policy), srtp_err_status_ok);
  return session;
}

}  // namespace rtparchive::srtp::test

#endif  // RTPARCHIVE_TESTS_UNIT_SRTP_LIBSRTP_REFERENCE_H_
