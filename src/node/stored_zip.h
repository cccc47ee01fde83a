// Where a finished archive's ZIP is on the node, and reading it for a
// download or an upload. Archives the node recorded are finalised without
// writing the ZIP (ArchiveOptions::write_zip off: stop -> available takes
// the same time for an hour as for a minute): their segment files stay in
// `<id>.zip.parts/` and `<id>.zip.pieces` lists the pieces whose
// concatenation is the ZIP, byte for byte. An archive recovered after a
// crash is a whole `<id>.zip`. Either way a reader gets the same kind of
// bytes. Thread-safe (it holds only the folder).
#ifndef RTPARCHIVE_NODE_STORED_ZIP_H_
#define RTPARCHIVE_NODE_STORED_ZIP_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "http/message.h"
#include "rtparchive/archive.h"
#include "storage/byte_source.h"

namespace rtparchive::node {

class StoredZips {
 public:
  explicit StoredZips(std::string folder) : folder_(std::move(folder)) {}

  // Where an archive is written: Archive's output_path.
  std::string ZipPath(const std::string& id) const { return folder_ + "/" + id + ".zip"; }
  // Keeps `pieces` (an ArchiveResult's zip_pieces) as the archive's ZIP.
  absl::Status SavePieces(const std::string& id, const std::vector<ZipPiece>& pieces) const;
  bool Exists(const std::string& id) const;
  // The ZIP as an HTTP body, its files opened now (a DELETE meanwhile leaves
  // them readable); NotFound when it is gone, DataLoss when a file is cut.
  absl::StatusOr<std::vector<http::BodyPiece>> OpenBody(const std::string& id) const;
  // The ZIP as an upload reads it.
  absl::StatusOr<std::unique_ptr<storage::ByteSource>> OpenSource(const std::string& id) const;
  // Removes the ZIP, its pieces and segment files.
  void Remove(const std::string& id) const;

 private:
  std::string PiecesPath(const std::string& id) const { return ZipPath(id) + ".pieces"; }
  absl::StatusOr<std::vector<ZipPiece>> LoadPieces(const std::string& id) const;

  std::string folder_;
};

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_STORED_ZIP_H_
