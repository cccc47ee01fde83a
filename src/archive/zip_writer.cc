#include "archive/zip_writer.h"

#include <zip.h>

#include <ctime>

#include "absl/strings/str_cat.h"

namespace rtparchive::archive {
namespace {

// MS-DOS date and time fields (as ZIP stores them) of a UTC instant.
void ToDosTime(int64_t time_ms, uint16_t* dos_time, uint16_t* dos_date) {
  const time_t seconds = static_cast<time_t>(time_ms / 1000);
  struct tm utc = {};
  gmtime_r(&seconds, &utc);
  if (utc.tm_year < 80) {  // DOS dates start in 1980
    *dos_time = 0;
    *dos_date = (1 << 5) | 1;
    return;
  }
  *dos_time = static_cast<uint16_t>(utc.tm_hour << 11 | utc.tm_min << 5 | utc.tm_sec / 2);
  *dos_date = static_cast<uint16_t>((utc.tm_year - 80) << 9 | (utc.tm_mon + 1) << 5 | utc.tm_mday);
}

absl::Status ZipError(const std::string& zip_path, const char* step, zip_t* archive) {
  return absl::UnavailableError(
      absl::StrCat("writing '", zip_path, "' failed while ", step, ": ", zip_strerror(archive)));
}

}  // namespace

absl::Status WriteZip(const std::string& zip_path, const std::vector<ZipEntry>& entries,
                      int64_t entry_time_ms) {
  int error_code = 0;
  zip_t* archive = zip_open(zip_path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error_code);
  if (archive == nullptr) {
    zip_error_t error;
    zip_error_init_with_code(&error, error_code);
    absl::Status status = absl::PermissionDeniedError(
        absl::StrCat("cannot create '", zip_path, "': ", zip_error_strerror(&error),
                     "; check that its folder exists and is writable"));
    zip_error_fini(&error);
    return status;
  }
  uint16_t dos_time = 0, dos_date = 0;
  ToDosTime(entry_time_ms, &dos_time, &dos_date);
  for (const ZipEntry& entry : entries) {
    zip_source_t* source =
        entry.source_path.empty()
            ? zip_source_buffer(archive, entry.contents.data(), entry.contents.size(), 0)
            : zip_source_file(archive, entry.source_path.c_str(), 0, -1);  // -1: to the end
    if (source == nullptr) {
      absl::Status status = ZipError(zip_path, "adding a source", archive);
      zip_discard(archive);
      return status;
    }
    const zip_int64_t index =
        zip_file_add(archive, entry.name.c_str(), source, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
    if (index < 0) {
      zip_source_free(source);
      absl::Status status = ZipError(zip_path, "adding an entry", archive);
      zip_discard(archive);
      return status;
    }
    if (zip_set_file_compression(archive, index, ZIP_CM_STORE, 0) != 0 ||
        zip_file_set_dostime(archive, index, dos_time, dos_date, 0) != 0) {
      absl::Status status = ZipError(zip_path, "setting entry fields", archive);
      zip_discard(archive);
      return status;
    }
  }
  if (zip_close(archive) != 0) {
    absl::Status status = ZipError(zip_path, "closing", archive);
    zip_discard(archive);
    return status;
  }
  return absl::OkStatus();
}

}  // namespace rtparchive::archive
