#include "cli/version.h"

#include <ebml/EbmlVersion.h>
#include <httplib.h>
#include <libdeflate.h>
#include <matroska/KaxVersion.h>
#include <openssl/crypto.h>
#include <pcap/pcap.h>
#include <rapidjson/rapidjson.h>
#include <zip.h>

#include "absl/base/config.h"
#include "absl/strings/str_cat.h"

namespace rtparchive::cli {

std::string VersionText() {
  return absl::StrCat("rtparchive ", RTPARCHIVE_VERSION, "\n",                   //
                      "  libebml ", libebml::EbmlCodeVersion, ", libmatroska ",  //
                      libmatroska::KaxCodeVersion, "\n",                         //
                      "  libzip ", zip_libzip_version(), ", libdeflate ",        //
                      LIBDEFLATE_VERSION_STRING, "\n",                           //
                      "  ", pcap_lib_version(), "\n",                            //
                      "  ", OpenSSL_version(OPENSSL_VERSION), "\n",              //
                      "  Abseil ", ABSL_LTS_RELEASE_VERSION, ", RapidJSON ",     //
                      RAPIDJSON_VERSION_STRING, ", cpp-httplib ", CPPHTTPLIB_VERSION, "\n");
}

}  // namespace rtparchive::cli
