#include "archive/finalise.h"

#include <sys/stat.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "archive/manifest.h"
#include "archive/zip_writer.h"
#include "base/status_macros.h"

namespace rtparchive::archive {

absl::Status WriteArchiveZip(const JournalArchive& fields, int64_t fallback_created_at_ms,
                             const std::vector<SegmentRecord>& files, const std::string& output_path,
                             ArchiveResult* result, bool write_zip) {
  int64_t created_at_ms = fallback_created_at_ms;
  for (size_t i = 0; i < files.size(); ++i) {
    created_at_ms = i == 0 ? files[i].first_capture_ms
                           : std::min(created_at_ms, files[i].first_capture_ms);
  }
  Manifest manifest;
  manifest.id = fields.id;
  manifest.name = fields.name;
  manifest.session_id = fields.session_id;
  manifest.partner_id = fields.partner_id;
  manifest.created_at_ms = created_at_ms;
  std::vector<ZipEntry> entries;
  result->files.clear();
  for (const SegmentRecord& record : files) {
    FileResult file = record.file;
    file.start_time_offset_ms = record.first_capture_ms - created_at_ms;
    file.stop_time_offset_ms = record.last_capture_ms - created_at_ms;
    manifest.files.push_back(file);
    result->files.push_back(file);
    entries.push_back(
        ZipEntry::FromFile(file.filename, record.path, record.data_offset, file.size, record.crc32));
  }
  result->zip_path = write_zip ? output_path : "";
  result->created_at_ms = created_at_ms;
  result->manifest_json = ManifestToJson(manifest);
  if (absl::Status valid = ValidateManifestJson(result->manifest_json); !valid.ok()) {
    return absl::InternalError(
        absl::StrCat("refusing to write an invalid manifest: ", valid.message()));
  }
  entries.push_back(ZipEntry::FromText(fields.id + ".json", result->manifest_json));
  if (!write_zip) {
    ASSIGN_OR_RETURN(result->zip_pieces, PlanZip(entries, created_at_ms));
    result->zip_size = 0;
    for (const ZipPiece& piece : result->zip_pieces) {
      result->zip_size += piece.path.empty() ? piece.bytes.size() : piece.size;
    }
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(WriteZip(output_path, entries, created_at_ms));
  struct stat info;
  if (::stat(output_path.c_str(), &info) == 0) result->zip_size = info.st_size;
  return absl::OkStatus();
}

}  // namespace rtparchive::archive
