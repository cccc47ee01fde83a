// Reads an archive ZIP's entries back with libzip, for the archive tests.
#ifndef RTPARCHIVE_TESTS_UNIT_ARCHIVE_TEST_ZIP_H_
#define RTPARCHIVE_TESTS_UNIT_ARCHIVE_TEST_ZIP_H_

#include <zip.h>

#include <cstdint>
#include <string>
#include <vector>

namespace rtparchive::test {

// The bytes of one entry of a ZIP; empty when it cannot be read or its
// CRC-32 is wrong (libzip checks it when a read meets the end, hence the
// read of one byte more).
inline std::vector<uint8_t> ZipEntry(const std::string& zip_path, const std::string& name) {
  int error = 0;
  zip_t* archive = zip_open(zip_path.c_str(), ZIP_RDONLY, &error);
  if (archive == nullptr) return {};
  zip_stat_t stat;
  std::vector<uint8_t> bytes;
  if (zip_stat(archive, name.c_str(), 0, &stat) == 0) {
    bytes.resize(stat.size);
    zip_file_t* file = zip_fopen(archive, name.c_str(), 0);
    uint8_t beyond = 0;
    const bool read =
        file != nullptr &&
        zip_fread(file, bytes.data(), bytes.size()) == static_cast<zip_int64_t>(stat.size) &&
        zip_fread(file, &beyond, 1) == 0;
    if (file != nullptr) zip_fclose(file);
    if (!read) bytes.clear();
  }
  zip_close(archive);
  return bytes;
}

}  // namespace rtparchive::test

#endif  // RTPARCHIVE_TESTS_UNIT_ARCHIVE_TEST_ZIP_H_
