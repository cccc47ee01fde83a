#include "archive/manifest.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

#include "absl/strings/str_cat.h"
#include "base/json_fields.h"

namespace rtparchive::archive {

std::string ManifestToJson(const Manifest& manifest) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  writer.StartObject();
  WriteMember(writer, "createdAt", manifest.created_at_ms);
  writer.Key("files");
  writer.StartArray();
  for (const FileResult& file : manifest.files) {
    writer.StartObject();
    WriteMember(writer, "connectionData", file.connection_data);
    WriteMember(writer, "filename", file.filename);
    WriteMember(writer, "size", file.size);
    WriteMember(writer, "startTimeOffset", file.start_time_offset_ms);
    WriteMember(writer, "stopTimeOffset", file.stop_time_offset_ms);
    WriteMember(writer, "streamId", file.stream_id);
    WriteMember(writer, "videoType", file.video_type);
    writer.EndObject();
  }
  writer.EndArray();
  WriteMember(writer, "id", manifest.id);
  WriteMember(writer, "name", manifest.name);
  WriteMember(writer, "partnerId", manifest.partner_id);
  WriteMember(writer, "sessionId", manifest.session_id);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

absl::Status ValidateManifestJson(absl::string_view json) {
  rapidjson::Document schema_document;
  schema_document.Parse(ManifestSchemaJson());
  if (schema_document.HasParseError()) {
    return absl::InternalError("the compiled-in manifest schema does not parse");
  }
  const rapidjson::SchemaDocument schema(schema_document);
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "manifest is not JSON: ", rapidjson::GetParseError_En(document.GetParseError()),
        " at offset ", document.GetErrorOffset()));
  }
  rapidjson::SchemaValidator validator(schema);
  if (document.Accept(validator)) return absl::OkStatus();
  rapidjson::StringBuffer where, rule;
  validator.GetInvalidDocumentPointer().StringifyUriFragment(where);
  validator.GetInvalidSchemaPointer().StringifyUriFragment(rule);
  return absl::InvalidArgumentError(
      absl::StrCat("manifest breaks its schema at '", where.GetString(), "' (rule '",
                   validator.GetInvalidSchemaKeyword(), "' at schema '", rule.GetString(), "')"));
}

}  // namespace rtparchive::archive
