#include "archive/manifest.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive::archive {
namespace {

using ::testing::HasSubstr;

Manifest Example() {
  Manifest manifest;
  manifest.id = "297b9c62-78b3-4152-9e98-7e167354c9e6";
  manifest.name = "a \"quoted\" name\n";
  manifest.session_id = "2_MX4xMDB";
  manifest.partner_id = 123456;
  manifest.created_at_ms = 1429305105162;
  FileResult file;
  file.stream_id = "a1475893";
  file.filename = "a1475893.webm";
  file.size = 5558064;
  file.start_time_offset_ms = 3119;
  file.stop_time_offset_ms = 48765;
  file.connection_data = "data";
  file.video_type = "camera";
  manifest.files.push_back(file);
  return manifest;
}

TEST(ManifestTest, WrittenManifestValidatesAgainstTheSchema) {
  const std::string json = ManifestToJson(Example());
  EXPECT_TRUE(ValidateManifestJson(json).ok()) << ValidateManifestJson(json) << json;
  EXPECT_THAT(json, HasSubstr("\"createdAt\": 1429305105162"));
  EXPECT_THAT(json, HasSubstr("\"startTimeOffset\": 3119"));
  EXPECT_THAT(json, HasSubstr("a \\\"quoted\\\" name\\n"));  // escaped
}

TEST(ManifestTest, SchemaRejectsWhatConsumersCannotRead) {
  Manifest bad_type = Example();
  bad_type.files[0].video_type = "webcam";
  EXPECT_FALSE(ValidateManifestJson(ManifestToJson(bad_type)).ok());

  Manifest path_in_name = Example();
  path_in_name.files[0].filename = "../a1475893.webm";
  EXPECT_THAT(std::string(ValidateManifestJson(ManifestToJson(path_in_name)).message()),
              HasSubstr("filename"));

  Manifest empty_file = Example();
  empty_file.files[0].size = 0;
  EXPECT_FALSE(ValidateManifestJson(ManifestToJson(empty_file)).ok());

  EXPECT_FALSE(ValidateManifestJson("{\"id\": 1}").ok());
  EXPECT_FALSE(ValidateManifestJson("not json").ok());
}

}  // namespace
}  // namespace rtparchive::archive
