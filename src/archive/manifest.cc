#include "archive/manifest.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

#include "absl/strings/str_cat.h"

namespace rtparchive::archive {

std::string ManifestToJson(const Manifest& manifest) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  auto string = [&writer](const std::string& text) {
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  };
  writer.StartObject();
  writer.Key("createdAt");
  writer.Int64(manifest.created_at_ms);
  writer.Key("files");
  writer.StartArray();
  for (const FileResult& file : manifest.files) {
    writer.StartObject();
    writer.Key("connectionData");
    string(file.connection_data);
    writer.Key("filename");
    string(file.filename);
    writer.Key("size");
    writer.Uint64(file.size);
    writer.Key("startTimeOffset");
    writer.Int64(file.start_time_offset_ms);
    writer.Key("stopTimeOffset");
    writer.Int64(file.stop_time_offset_ms);
    writer.Key("streamId");
    string(file.stream_id);
    writer.Key("videoType");
    string(file.video_type);
    writer.EndObject();
  }
  writer.EndArray();
  writer.Key("id");
  string(manifest.id);
  writer.Key("name");
  string(manifest.name);
  writer.Key("partnerId");
  writer.Int64(manifest.partner_id);
  writer.Key("sessionId");
  string(manifest.session_id);
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
