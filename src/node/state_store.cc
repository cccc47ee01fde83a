#include "node/state_store.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/json_fields.h"
#include "base/text_file.h"

namespace rtparchive::node {
namespace {

constexpr char kCallbacksFile[] = "callbacks.json";

absl::Status Failed(const std::string& what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat("cannot ", what, " '", path, "': ", std::strerror(errno)));
}

}  // namespace

absl::Status StateStore::Create() const {
  std::error_code error;
  std::filesystem::create_directories(folder_, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create '", folder_, "': ", error.message()));
  }
  return absl::OkStatus();
}

absl::Status StateStore::Write(const std::string& name, absl::string_view contents) const {
  return WriteFileReplacing(folder_ + "/" + name, contents);
}

absl::Status WriteFileReplacing(const std::string& path, absl::string_view contents) {
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Failed("create", temporary);
  size_t done = 0;
  while (done < contents.size()) {
    const ssize_t wrote = ::write(fd, contents.data() + done, contents.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      absl::Status status = Failed("write", temporary);
      ::close(fd);
      ::unlink(temporary.c_str());
      return status;
    }
    done += static_cast<size_t>(wrote);
  }
  if (::fsync(fd) != 0) {
    absl::Status status = Failed("flush", temporary);
    ::close(fd);
    ::unlink(temporary.c_str());
    return status;
  }
  ::close(fd);
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    absl::Status status = Failed("replace", path);
    ::unlink(temporary.c_str());
    return status;
  }
  return absl::OkStatus();
}

absl::Status StateStore::SaveRecord(const ArchiveRecord& record) const {
  return Write(record.id + ".json", RecordStateJson(record));
}

absl::Status StateStore::RemoveRecord(absl::string_view archive_id) const {
  const std::string path = absl::StrCat(folder_, "/", archive_id, ".json");
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Failed("remove", path);
  return absl::OkStatus();
}

absl::Status StateStore::SaveCallbacks(const std::vector<CallbackRegistration>& callbacks) const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  json.StartArray();
  for (const CallbackRegistration& callback : callbacks) {
    json.StartObject();
    WriteMember(json, "id", callback.id);
    WriteMember(json, "apiKey", callback.api_key);
    WriteMember(json, "url", callback.url);
    WriteMember(json, "createdAt", callback.created_at_ms);
    json.EndObject();
  }
  json.EndArray();
  return Write(kCallbacksFile, buffer.GetString());
}

absl::Status StateStore::SaveStorageTarget(int64_t api_key, absl::string_view sealed) const {
  return Write(absl::StrCat("storage-", api_key, ".sealed"), sealed);
}

absl::Status StateStore::RemoveStorageTarget(int64_t api_key) const {
  const std::string path = absl::StrCat(folder_, "/storage-", api_key, ".sealed");
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::PermissionDeniedError(absl::StrCat("cannot remove '", path, "': ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

std::map<int64_t, std::string> StateStore::LoadStorageTargets(std::vector<std::string>* problems) const {
  std::map<int64_t, std::string> targets;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder_, error)) {
    const std::string name = entry.path().filename().string();
    int64_t api_key = 0;
    if (entry.path().extension() != ".sealed" || name.rfind("storage-", 0) != 0) continue;
    if (!absl::SimpleAtoi(name.substr(8, name.size() - 8 - 7), &api_key)) continue;
    absl::StatusOr<std::string> text = ReadTextFile(entry.path().string(), "storage target");
    if (!text.ok()) {
      problems->push_back(std::string(text.status().message()));
      continue;
    }
    targets[api_key] = *text;
  }
  return targets;
}

std::vector<ArchiveRecord> StateStore::LoadRecords(std::vector<std::string>* problems) const {
  std::vector<ArchiveRecord> records;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder_, error)) {
    const std::string path = entry.path().string();
    if (entry.path().extension() != ".json" || entry.path().filename() == kCallbacksFile) continue;
    absl::StatusOr<std::string> text = ReadTextFile(path, "archive state");
    absl::StatusOr<ArchiveRecord> record =
        text.ok() ? ParseRecordState(*text) : absl::StatusOr<ArchiveRecord>(text.status());
    if (!record.ok()) {
      problems->push_back(absl::StrCat(path, ": left out: ", record.status().message()));
      continue;
    }
    records.push_back(*std::move(record));
  }
  return records;
}

std::vector<CallbackRegistration> StateStore::LoadCallbacks(
    std::vector<std::string>* problems) const {
  std::vector<CallbackRegistration> callbacks;
  const std::string path = folder_ + "/" + kCallbacksFile;
  if (!std::filesystem::exists(path)) return callbacks;
  absl::StatusOr<std::string> text = ReadTextFile(path, "callbacks");
  rapidjson::Document document;
  if (text.ok()) document.Parse(text->c_str(), text->size());
  if (!text.ok() || document.HasParseError() || !document.IsArray()) {
    problems->push_back(path + ": not a list of callbacks; none loaded");
    return callbacks;
  }
  for (const rapidjson::Value& entry : document.GetArray()) {
    CallbackRegistration callback;
    if (entry.IsObject()) {
      callback = {StringOf(entry, "id"), IntOf(entry, "apiKey"), StringOf(entry, "url"),
                  IntOf(entry, "createdAt")};
    }
    if (callback.id.empty() || callback.url.empty() || callback.api_key <= 0) {
      problems->push_back(path + ": a callback without id, apiKey or url left out");
      continue;
    }
    callbacks.push_back(std::move(callback));
  }
  return callbacks;
}

}  // namespace rtparchive::node
