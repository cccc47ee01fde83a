#include "container/segment_writer.h"

#include <ebml/EbmlHead.h>
#include <ebml/EbmlSubHead.h>
#include <ebml/EbmlVoid.h>
#include <matroska/KaxBlock.h>
#include <matroska/KaxCluster.h>
#include <matroska/KaxCues.h>
#include <matroska/KaxCuesData.h>
#include <matroska/KaxInfo.h>
#include <matroska/KaxInfoData.h>
#include <matroska/KaxSeekHead.h>
#include <matroska/KaxSegment.h>
#include <matroska/KaxSemantic.h>
#include <matroska/KaxTrackAudio.h>
#include <matroska/KaxTrackEntryData.h>
#include <matroska/KaxTrackVideo.h>
#include <matroska/KaxTracks.h>

#include <functional>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "container/ebml_sink_io.h"

namespace rtparchive::container {

using namespace libebml;      // NOLINT: libmatroska's API is written for it
using namespace libmatroska;  // NOLINT

namespace {

constexpr uint64_t kTimestampScaleNs = 1'000'000;  // timestamps in ms
// Clusters are cut at least this often, and each goes to the file when it
// is cut: a process killed mid-recording loses at most about this much of
// what reached the writer. Far below the 32,767 ticks a block may sit from
// its cluster's time (libmatroska asserts past that).
constexpr int64_t kMaxClusterMs = 1000;
constexpr int kSeekHeadSpace = 160;
constexpr int kTracksSpace = 1024;
constexpr uint64_t kOpusCodecDelayNs = 6'500'000;    // 312 samples at 48 kHz
constexpr uint64_t kOpusSeekPreRollNs = 80'000'000;  // RFC 7845 recommends 80 ms
constexpr int kTrackNumber[2] = {2, 1};              // by MediaKind: video 1, audio 2

// Matroska's ProjectionPoseRoll turns counter-clockwise, in (-180, 180];
// the sender's orientation is a clockwise turn.
double PoseRoll(int clockwise_degrees) {
  const int roll = (360 - clockwise_degrees % 360) % 360;
  return roll > 180 ? roll - 360 : roll;
}

void FillTrackEntry(KaxTrackEntry& entry, MediaKind kind, const SegmentConfig& config,
                    const SegmentStats& stats) {
  const std::optional<codec::VideoSize>& size = stats.video_size;
  const int index = static_cast<int>(kind);
  entry.SetGlobalTimecodeScale(kTimestampScaleNs);
  GetChild<KaxTrackNumber>(entry).SetValue(kTrackNumber[index]);
  GetChild<KaxTrackUID>(entry).SetValue(kTrackNumber[index]);  // deterministic
  GetChild<KaxTrackFlagLacing>(entry).SetValue(0);
  if (kind == MediaKind::kVideo) {
    GetChild<KaxTrackType>(entry).SetValue(track_video);
    GetChild<KaxCodecID>(entry).SetValue(config.video_codec_id);
    if (!config.video_codec_private.empty()) {
      GetChild<KaxCodecPrivate>(entry).CopyBuffer(config.video_codec_private.data(),
                                                  config.video_codec_private.size());
    }
    if (size) {
      KaxTrackVideo& video = GetChild<KaxTrackVideo>(entry);
      GetChild<KaxVideoPixelWidth>(video).SetValue(size->width);
      GetChild<KaxVideoPixelHeight>(video).SetValue(size->height);
      // The sender's orientation, for players and post-processors to apply.
      if (stats.video_rotation_degrees.value_or(0) != 0) {
        KaxVideoProjection& projection = GetChild<KaxVideoProjection>(video);
        GetChild<KaxVideoProjectionType>(projection).SetValue(0);  // rectangular
        GetChild<KaxVideoProjectionPoseRoll>(projection)
            .SetValue(PoseRoll(*stats.video_rotation_degrees));
      }
    }
  } else {
    GetChild<KaxTrackType>(entry).SetValue(track_audio);
    GetChild<KaxCodecID>(entry).SetValue(config.audio_codec_id);
    if (config.audio_codec_id == "A_OPUS") {
      const std::vector<uint8_t> head = OpusHead(config.audio_channels);
      GetChild<KaxCodecPrivate>(entry).CopyBuffer(head.data(), head.size());
      GetChild<KaxCodecDelay>(entry).SetValue(kOpusCodecDelayNs);
      GetChild<KaxSeekPreRoll>(entry).SetValue(kOpusSeekPreRollNs);
    }
    KaxTrackAudio& audio = GetChild<KaxTrackAudio>(entry);
    GetChild<KaxAudioSamplingFreq>(audio).SetValue(config.audio_sample_rate);
    GetChild<KaxAudioChannels>(audio).SetValue(config.audio_channels);
  }
}

}  // namespace

std::vector<uint8_t> OpusHead(int channels) {
  std::vector<uint8_t> head = {'O',
                               'p',
                               'u',
                               's',
                               'H',
                               'e',
                               'a',
                               'd',
                               1,  // version
                               static_cast<uint8_t>(channels),
                               312 & 0xff,
                               312 >> 8,  // pre-skip, LE
                               0x80,
                               0xbb,
                               0x00,
                               0x00,  // 48000 Hz, LE
                               0,
                               0,   // output gain
                               0};  // mapping family
  return head;
}

struct SegmentWriter::State {
  explicit State(std::unique_ptr<ByteSink> s, SegmentConfig c)
      : sink(std::move(s)), io(sink.get()), config(std::move(c)) {}

  std::unique_ptr<ByteSink> sink;
  EbmlSinkIo io;
  SegmentConfig config;
  KaxSegment segment;
  EbmlVoid seek_head_space;
  KaxInfo info;
  EbmlVoid tracks_space;
  // Entries the blocks refer to; the Tracks element written at Finish is
  // built afresh with only the tracks that carried frames.
  KaxTracks block_tracks;
  KaxTrackEntry* entries[2] = {nullptr, nullptr};
  KaxCues cues;
  std::unique_ptr<KaxCluster> cluster;
  // The bytes of the cluster's frames, which its blocks point at: alive
  // until rendered, then the sink's.
  std::vector<std::vector<uint8_t>> cluster_frames;
  int64_t cluster_start_ms = 0;
  std::optional<int> cluster_cue_track;  // track number to index this cluster under
  int64_t last_timestamp_ms[2] = {-1, -1};
  int64_t last_interval_ms[2] = {0, 0};
  bool failed = false;
  bool finished = false;
  int provisional_tracks = 0;  // 0 none, 1 written without the video's size, 2 with it
  absl::Status flush_status;   // the sink's, when a flush failed

  // Tracks, written into its reserved space: at Finish the tracks that
  // carried frames; before that (provisional) every configured track, so a
  // file cut short by a crash still says what its blocks hold.
  void WriteTracks(KaxTracks& tracks, const SegmentStats& stats, bool provisional) {
    for (MediaKind kind : {MediaKind::kVideo, MediaKind::kAudio}) {
      const int index = static_cast<int>(kind);
      const bool configured = kind == MediaKind::kVideo ? config.has_video : config.has_audio;
      if (!configured || (!provisional && stats.frames[index] == 0)) continue;
      FillTrackEntry(AddNewChild<KaxTrackEntry>(tracks), kind, config, stats);
    }
    if (tracks_space.ReplaceWith(tracks, io, true, false) == INVALID_FILEPOS_T) {
      throw std::runtime_error("the Tracks element does not fit its reserved space");
    }
  }

  // Writes the open cluster, if any, and its cue point, then hands the bytes
  // to the operating system; the provisional Tracks is (re)written first
  // when it is missing or the video's size came since. Throws on I/O error.
  void RenderCluster(SegmentStats* stats) {
    if (!cluster) return;
    const int video_known = stats->video_size.has_value() ? 2 : 1;
    if (provisional_tracks < video_known) {
      KaxTracks tracks;
      WriteTracks(tracks, *stats, /*provisional=*/true);
      provisional_tracks = video_known;
    }
    // The sink takes the frames' bytes, so it may write them from where they
    // are instead of copying them.
    sink->Adopt(std::move(cluster_frames));
    cluster->Render(io, cues, false);
    if (cluster_cue_track) {
      KaxCuePoint& point = AddNewChild<KaxCuePoint>(cues);
      GetChild<KaxCueTime>(point).SetValue(cluster_start_ms);
      KaxCueTrackPositions& position = GetChild<KaxCueTrackPositions>(point);
      GetChild<KaxCueTrack>(position).SetValue(*cluster_cue_track);
      GetChild<KaxCueClusterPosition>(position).SetValue(cluster->GetPosition());
      ++stats->cues;
    }
    cluster.reset();
    cluster_frames.clear();
    if (!config.flush_each_cluster) return;  // the sink writes when its buffer is full
    if (absl::Status flushed = sink->Flush(); !flushed.ok()) {
      flush_status = flushed;
      throw std::runtime_error(std::string(flushed.message()));
    }
  }
};

SegmentWriter::SegmentWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
SegmentWriter::~SegmentWriter() = default;

absl::Status SegmentWriter::Guard(const char* what, const std::function<void()>& step) {
  if (state_->failed) {
    return absl::FailedPreconditionError("the segment writer failed earlier");
  }
  try {
    step();
    return absl::OkStatus();
  } catch (const std::exception& error) {
    state_->failed = true;
    if (!state_->io.status().ok()) return state_->io.status();
    if (!state_->flush_status.ok()) return state_->flush_status;
    return absl::InternalError(
        absl::StrCat(what, " of '", state_->sink->name(), "' failed: ", error.what()));
  }
}

absl::StatusOr<std::unique_ptr<SegmentWriter>> SegmentWriter::Start(std::unique_ptr<ByteSink> sink,
                                                                    SegmentConfig config) {
  auto state = std::make_unique<State>(std::move(sink), std::move(config));
  std::unique_ptr<SegmentWriter> writer(new SegmentWriter(std::move(state)));
  State& s = *writer->state_;
  absl::Status status = writer->Guard("writing the head", [&s] {
    EbmlHead head;
    GetChild<EDocType>(head).SetValue(s.config.doc_type);
    GetChild<EDocTypeVersion>(head).SetValue(4);
    GetChild<EDocTypeReadVersion>(head).SetValue(2);
    head.Render(s.io, true);

    // Unknown size (all ones, RFC 8794 §6.2) until Finish, so a file cut
    // short by a crash still parses. libebml writes the size field as 0
    // here, so the marker is written over it.
    s.segment.SetSizeInfinite(true);
    s.segment.WriteHead(s.io, 8);
    const uint64_t after_head = s.io.getFilePointer();
    static const uint8_t kUnknownSize[8] = {0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    s.io.setFilePointer(s.segment.GetElementPosition() + 4, seek_beginning);  // after the 4-byte ID
    s.io.writeFully(kUnknownSize, sizeof(kUnknownSize));
    s.io.setFilePointer(after_head, seek_beginning);
    s.seek_head_space.SetSize(kSeekHeadSpace);
    s.seek_head_space.Render(s.io);

    GetChild<KaxTimecodeScale>(s.info).SetValue(kTimestampScaleNs);
    KaxDuration& duration = GetChild<KaxDuration>(s.info);
    duration.SetPrecision(EbmlFloat::FLOAT_64);
    duration.SetValue(0.0);
    GetChild<KaxMuxingApp>(s.info).SetValueUTF8(s.config.writing_app);
    GetChild<KaxWritingApp>(s.info).SetValueUTF8(s.config.writing_app);
    s.info.Render(s.io, true);

    s.tracks_space.SetSize(kTracksSpace);
    s.tracks_space.Render(s.io);

    s.cues.SetGlobalTimecodeScale(kTimestampScaleNs);
    for (MediaKind kind : {MediaKind::kVideo, MediaKind::kAudio}) {
      KaxTrackEntry& entry = AddNewChild<KaxTrackEntry>(s.block_tracks);
      FillTrackEntry(entry, kind, s.config, SegmentStats());
      s.entries[static_cast<int>(kind)] = &entry;
    }
  });
  if (!status.ok()) return status;
  return writer;
}

absl::Status SegmentWriter::PutFrame(MediaKind track, codec::EncodedFrame frame,
                                     int64_t timestamp_ms) {
  State& s = *state_;
  const int index = static_cast<int>(track);
  if (s.finished) return absl::FailedPreconditionError("PutFrame after Finish");
  if (timestamp_ms < 0 || timestamp_ms <= s.last_timestamp_ms[index] ||
      timestamp_ms < stats_.last_timestamp_ms) {
    return absl::FailedPreconditionError(absl::StrCat(
        "frame at ", timestamp_ms, " ms is out of order (track last ", s.last_timestamp_ms[index],
        " ms, segment last ", stats_.last_timestamp_ms, " ms)"));
  }
  if (frame.data.empty() || frame.data.size() > UINT32_MAX) {
    return absl::InvalidArgumentError("frames must hold 1 byte to 4 GiB");
  }
  const bool video_keyframe = track == MediaKind::kVideo && frame.keyframe;
  if (video_keyframe && !stats_.video_size && frame.size) {
    stats_.video_size = frame.size;
    stats_.video_rotation_degrees = frame.rotation_degrees;
  }
  // H.264: the track header's avcC is the first keyframe's.
  if (video_keyframe && s.config.video_codec_private.empty()) {
    s.config.video_codec_private = frame.codec_config;
  }
  absl::Status status = Guard("writing a frame", [&] {
    const bool new_cluster = !s.cluster || (video_keyframe && !s.cluster_frames.empty()) ||
                             timestamp_ms - s.cluster_start_ms >= kMaxClusterMs;
    if (new_cluster) {
      s.RenderCluster(&stats_);
      s.cluster = std::make_unique<KaxCluster>();
      s.cluster->SetParent(s.segment);
      s.cluster->InitTimecode(timestamp_ms, kTimestampScaleNs);
      GetChild<KaxClusterTimecode>(*s.cluster);
      s.cluster_start_ms = timestamp_ms;
      ++stats_.clusters;
      // Index clusters that start at a video keyframe; while no video has
      // come (an audio-only file, audio before the video starts, video all
      // lost), every audio cluster, so players can seek in it too.
      s.cluster_cue_track.reset();
      const bool no_video_yet = stats_.frames[static_cast<int>(MediaKind::kVideo)] == 0;
      if (video_keyframe || (no_video_yet && track == MediaKind::kAudio)) {
        s.cluster_cue_track = kTrackNumber[index];
      }
    }
    KaxSimpleBlock& block = AddNewChild<KaxSimpleBlock>(*s.cluster);
    block.SetParent(*s.cluster);
    // The block owns the DataBuffer object, not the bytes: those stay in
    // cluster_frames until the cluster is rendered, then the sink takes them.
    auto* buffer = new DataBuffer(frame.data.data(), static_cast<uint32>(frame.data.size()));
    block.AddFrame(*s.entries[index], timestamp_ms * kTimestampScaleNs, *buffer, LACING_NONE);
    block.SetKeyframe(frame.keyframe);
    s.cluster_frames.push_back(std::move(frame.data));
  });
  if (!status.ok()) return status;
  if (s.last_timestamp_ms[index] >= 0) {
    s.last_interval_ms[index] = timestamp_ms - s.last_timestamp_ms[index];
  }
  s.last_timestamp_ms[index] = timestamp_ms;
  if (stats_.first_timestamp_ms < 0) stats_.first_timestamp_ms = timestamp_ms;
  stats_.last_timestamp_ms = timestamp_ms;
  ++stats_.frames[index];
  return absl::OkStatus();
}

absl::StatusOr<SegmentStats> SegmentWriter::Finish() {
  State& s = *state_;
  if (s.finished) return absl::FailedPreconditionError("Finish called twice");
  s.finished = true;
  absl::Status status = Guard("finishing", [&] {
    s.RenderCluster(&stats_);
    KaxSeekHead seek_head;
    if (stats_.cues > 0) {
      s.cues.Render(s.io, false);
      seek_head.IndexThis(s.cues, s.segment);
    }
    const uint64_t end = s.io.getFilePointer();

    KaxTracks tracks;
    s.WriteTracks(tracks, stats_, /*provisional=*/false);
    seek_head.IndexThis(s.info, s.segment);
    seek_head.IndexThis(tracks, s.segment);
    if (s.seek_head_space.ReplaceWith(seek_head, s.io, true, false) == INVALID_FILEPOS_T) {
      throw std::runtime_error("the SeekHead does not fit its reserved space");
    }

    double duration_ms = 0;
    for (int index : {0, 1}) {
      if (s.last_timestamp_ms[index] < 0) continue;
      const double track_end =
          static_cast<double>(s.last_timestamp_ms[index] + s.last_interval_ms[index]);
      if (track_end > duration_ms) duration_ms = track_end;
    }
    stats_.duration_ms = duration_ms;
    GetChild<KaxDuration>(s.info).SetValue(duration_ms);
    s.io.setFilePointer(s.info.GetElementPosition(), seek_beginning);
    s.info.Render(s.io, true);

    const uint64_t segment_data_start = s.segment.GetElementPosition() + s.segment.HeadSize();
    if (!s.segment.ForceSize(end - segment_data_start)) {
      throw std::runtime_error("the segment size does not fit its field");
    }
    s.segment.OverwriteHead(s.io);
    s.io.setFilePointer(end, seek_beginning);
    stats_.bytes = end;
  });
  if (!status.ok()) return status;
  RETURN_IF_ERROR(s.sink->Close());
  stats_.crc32 = s.sink->contents_crc32();
  return stats_;
}

}  // namespace rtparchive::container
