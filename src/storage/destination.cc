#include "storage/destination.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace rtparchive::storage {
namespace {

// The emulator's documented well-known account (Azurite's default).
constexpr char kDevAccount[] = "devstoreaccount1";
constexpr char kDevKey[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

}  // namespace

absl::StatusOr<DestinationUrl> ParseDestinationUrl(absl::string_view url) {
  const size_t scheme_end = url.find("://");
  DestinationUrl parsed;
  if (scheme_end != absl::string_view::npos) parsed.scheme = absl::AsciiStrToLower(url.substr(0, scheme_end));
  if (parsed.scheme != "s3" && parsed.scheme != "azure") {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", url, "' is no destination: write s3://BUCKET/KEY or azure://CONTAINER/BLOB"));
  }
  const absl::string_view rest = url.substr(scheme_end + 3);
  const size_t slash = rest.find('/');
  if (slash == absl::string_view::npos || slash == 0 || slash + 1 == rest.size()) {
    return absl::InvalidArgumentError(absl::StrCat("'", url, "' needs both a ",
                                                   parsed.scheme == "s3" ? "bucket and a key" : "container and a blob",
                                                   ": ", parsed.scheme, "://", parsed.scheme == "s3" ? "BUCKET/KEY" : "CONTAINER/BLOB"));
  }
  parsed.container = std::string(rest.substr(0, slash));
  parsed.object = std::string(rest.substr(slash + 1));
  return parsed;
}

absl::Status ApplyConnectionString(absl::string_view text, AzureDestination* destination) {
  std::map<std::string, std::string> fields;
  for (absl::string_view part : absl::StrSplit(text, ';', absl::SkipWhitespace())) {
    const size_t equals = part.find('=');
    if (equals == absl::string_view::npos) {
      return absl::InvalidArgumentError("the Azure connection string has a part without '=': expected Name=value;...");
    }
    // Values (keys in base64) may hold '='; names are case-insensitive.
    fields[absl::AsciiStrToLower(absl::StripAsciiWhitespace(part.substr(0, equals)))] =
        std::string(absl::StripAsciiWhitespace(part.substr(equals + 1)));
  }
  if (absl::EqualsIgnoreCase(fields["usedevelopmentstorage"], "true")) {
    destination->account = kDevAccount;
    destination->account_key = kDevKey;
    destination->endpoint = absl::StrCat("http://127.0.0.1:10000/", kDevAccount);
    return absl::OkStatus();
  }
  destination->account = fields["accountname"];
  destination->account_key = fields["accountkey"];
  if (destination->account.empty() || destination->account_key.empty()) {
    return absl::InvalidArgumentError(
        "the Azure connection string needs AccountName and AccountKey (the portal's Access keys give one)");
  }
  if (!fields["blobendpoint"].empty()) {
    destination->endpoint = fields["blobendpoint"];
  } else if (!fields["endpointsuffix"].empty()) {
    const std::string protocol = fields["defaultendpointsprotocol"].empty() ? "https" : fields["defaultendpointsprotocol"];
    destination->endpoint = absl::StrCat(protocol, "://", destination->account, ".blob.", fields["endpointsuffix"]);
  }
  return absl::OkStatus();
}

}  // namespace rtparchive::storage
