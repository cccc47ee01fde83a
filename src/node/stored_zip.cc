#include "node/stored_zip.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/json_fields.h"
#include "base/text_file.h"
#include "node/state_store.h"

namespace rtparchive::node {
namespace {

// A file's piece must lie inside the archive's own folder: the pieces file
// is the node's, but a damaged one must not make it serve another file.
bool InFolder(const std::string& path, const std::string& folder) {
  return path.compare(0, folder.size() + 1, folder + "/") == 0 && path.find("/../") == std::string::npos;
}

}  // namespace

absl::Status StoredZips::SavePieces(const std::string& id, const std::vector<ZipPiece>& pieces) const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  json.StartArray();
  for (const ZipPiece& piece : pieces) {
    json.StartObject();
    if (piece.path.empty()) {
      json.Key("bytes");
      json.String(absl::Base64Escape(piece.bytes).c_str());
    } else {
      json.Key("path");
      json.String(piece.path.c_str());
      json.Key("offset");
      json.Int64(static_cast<int64_t>(piece.offset));
      json.Key("size");
      json.Int64(static_cast<int64_t>(piece.size));
    }
    json.EndObject();
  }
  json.EndArray();
  return WriteFileReplacing(PiecesPath(id), absl::string_view(buffer.GetString(), buffer.GetSize()));
}

absl::StatusOr<std::vector<ZipPiece>> StoredZips::LoadPieces(const std::string& id) const {
  auto text = ReadTextFile(PiecesPath(id), "the archive's pieces");
  if (!text.ok()) return text.status();
  rapidjson::Document document;
  document.Parse(text->c_str(), text->size());
  const auto damaged = absl::DataLossError(absl::StrCat("archive ", id, ": its pieces file is damaged"));
  if (document.HasParseError() || !document.IsArray()) return damaged;
  std::vector<ZipPiece> pieces;
  const std::string parts = ZipPath(id) + ".parts";
  for (const rapidjson::Value& value : document.GetArray()) {
    if (!value.IsObject()) return damaged;
    ZipPiece piece;
    piece.path = StringOf(value, "path");
    if (piece.path.empty()) {
      if (!absl::Base64Unescape(StringOf(value, "bytes"), &piece.bytes)) return damaged;
    } else {
      const int64_t offset = IntOf(value, "offset"), size = IntOf(value, "size");
      if (!InFolder(piece.path, parts) || offset < 0 || size < 0) return damaged;
      piece.offset = static_cast<uint64_t>(offset);
      piece.size = static_cast<uint64_t>(size);
    }
    pieces.push_back(std::move(piece));
  }
  return pieces;
}

bool StoredZips::Exists(const std::string& id) const {
  return std::filesystem::exists(ZipPath(id)) || std::filesystem::exists(PiecesPath(id));
}

absl::StatusOr<std::vector<http::BodyPiece>> StoredZips::OpenBody(const std::string& id) const {
  std::vector<ZipPiece> pieces;
  if (std::filesystem::exists(PiecesPath(id))) {
    auto loaded = LoadPieces(id);
    if (!loaded.ok()) return loaded.status();
    pieces = *std::move(loaded);
  } else {
    struct stat info {};
    if (::stat(ZipPath(id).c_str(), &info) != 0) return absl::NotFoundError("the archive's file is gone");
    pieces.push_back({"", ZipPath(id), 0, static_cast<uint64_t>(info.st_size)});
  }
  std::vector<http::BodyPiece> body;
  auto close_all = [&body] {
    for (const http::BodyPiece& piece : body) {
      if (piece.fd >= 0) ::close(piece.fd);
    }
  };
  for (ZipPiece& piece : pieces) {
    if (piece.path.empty()) {
      body.push_back({std::move(piece.bytes), -1, 0, 0});
      continue;
    }
    const int fd = ::open(piece.path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat info {};
    if (fd < 0 || ::fstat(fd, &info) != 0 || static_cast<uint64_t>(info.st_size) < piece.offset + piece.size) {
      if (fd >= 0) ::close(fd);
      close_all();
      return fd < 0 ? absl::NotFoundError("the archive's file is gone")
                    : absl::DataLossError(absl::StrCat("'", piece.path, "' is shorter than the archive needs"));
    }
    body.push_back({"", fd, piece.offset, piece.size});
  }
  return body;
}

absl::StatusOr<std::unique_ptr<storage::ByteSource>> StoredZips::OpenSource(const std::string& id) const {
  if (!std::filesystem::exists(PiecesPath(id))) {
    auto file = storage::FileSource::Open(ZipPath(id));
    if (!file.ok()) return file.status();
    return std::unique_ptr<storage::ByteSource>(*std::move(file));
  }
  auto pieces = LoadPieces(id);
  if (!pieces.ok()) return pieces.status();
  std::vector<storage::SourcePiece> sources;
  for (ZipPiece& piece : *pieces) {
    sources.push_back({std::move(piece.bytes), std::move(piece.path), piece.offset, piece.size});
  }
  auto source = storage::PiecesSource::Open(std::move(sources), ZipPath(id));
  if (!source.ok()) return source.status();
  return std::unique_ptr<storage::ByteSource>(*std::move(source));
}

void StoredZips::Remove(const std::string& id) const {
  ::unlink(ZipPath(id).c_str());
  ::unlink(PiecesPath(id).c_str());
  std::error_code ignored;
  std::filesystem::remove_all(ZipPath(id) + ".parts", ignored);
}

}  // namespace rtparchive::node
