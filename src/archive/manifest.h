// The archive manifest: written with RapidJSON in a fixed field order, and
// checked against manifest_schema/manifest.schema.json (compiled in) before
// it goes into the ZIP.
#ifndef RTPARCHIVE_ARCHIVE_MANIFEST_H_
#define RTPARCHIVE_ARCHIVE_MANIFEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rtparchive/archive.h"

namespace rtparchive::archive {

struct Manifest {
  std::string id;
  std::string name;
  std::string session_id;
  int64_t partner_id = 0;
  int64_t created_at_ms = 0;
  std::vector<FileResult> files;  // duration_ms and segment are not written
};

// Pretty-printed JSON, every string escaped by RapidJSON.
std::string ManifestToJson(const Manifest& manifest);

// InvalidArgument listing where `json` breaks the schema (or fails to parse).
absl::Status ValidateManifestJson(absl::string_view json);

// The schema's text.
const char* ManifestSchemaJson();

}  // namespace rtparchive::archive

#endif  // RTPARCHIVE_ARCHIVE_MANIFEST_H_
