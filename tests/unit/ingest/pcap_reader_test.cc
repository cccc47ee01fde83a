#include "ingest/pcap_reader.h"

#include <pcap/pcap.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/link_layer.h"

namespace rtparchive::ingest {
namespace {

using ::testing::HasSubstr;

const std::string kClean = std::string(RTPARCHIVE_TESTDATA) + "/captures/vp8-clean.pcap";

std::string WriteTemp(const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return path;
}

std::vector<uint8_t> Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

void AppendLe32(std::vector<uint8_t>* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void AppendLe16(std::vector<uint8_t>* out, uint16_t v) {
  out->push_back(static_cast<uint8_t>(v));
  out->push_back(static_cast<uint8_t>(v >> 8));
}

// A pcapng file: section header, one raw-IPv4 interface, one enhanced packet.
std::vector<uint8_t> PcapngWithOnePacket() {
  std::vector<uint8_t> file;
  AppendLe32(&file, 0x0a0d0d0a);  // SHB
  AppendLe32(&file, 28);
  AppendLe32(&file, 0x1a2b3c4d);
  AppendLe16(&file, 1);
  AppendLe16(&file, 0);
  AppendLe32(&file, 0xffffffff);  // section length unknown
  AppendLe32(&file, 0xffffffff);
  AppendLe32(&file, 28);
  AppendLe32(&file, 1);  // IDB
  AppendLe32(&file, 20);
  AppendLe16(&file, 101);  // LINKTYPE_RAW
  AppendLe16(&file, 0);
  AppendLe32(&file, 65535);
  AppendLe32(&file, 20);
  const std::vector<uint8_t> packet = {0x45, 0,    0,    30,   0, 0,  0,  0, 64,  17,
                                       0,    0,    10,   0,    0, 1,  10, 0, 0,   2,
                                       0x13, 0x88, 0x17, 0x70, 0, 10, 0,  0, 'h', 'i'};
  AppendLe32(&file, 6);  // EPB
  AppendLe32(&file, 32 + 32);
  AppendLe32(&file, 0);
  AppendLe32(&file, 0);          // timestamp high
  AppendLe32(&file, 1'000'000);  // timestamp low: 1 s in µs
  AppendLe32(&file, packet.size());
  AppendLe32(&file, packet.size());
  file.insert(file.end(), packet.begin(), packet.end());
  file.insert(file.end(), 2, 0);  // pad to 32 bits
  AppendLe32(&file, 32 + 32);
  return file;
}

TEST(PcapReaderTest, ReadsEveryDatagramOfACapture) {
  auto reader = PcapReader::Open(kClean);
  ASSERT_TRUE(reader.ok()) << reader.status();
  Datagram datagram;
  int64_t count = 0;
  int64_t last_time = 0;
  while ((*reader)->Next(&datagram) == PcapReader::Result::kDatagram) {
    EXPECT_GE(datagram.arrival_time_us, last_time);
    last_time = datagram.arrival_time_us;
    ++count;
  }
  EXPECT_GT(count, 100);
  EXPECT_EQ(count, (*reader)->frames_read());
  EXPECT_EQ((*reader)->position(), (*reader)->file_size());
}

using TimedPayloads = std::vector<std::pair<int64_t, std::string>>;

TimedPayloads ReadAll(PcapReader& reader) {
  TimedPayloads read;
  Datagram datagram;
  while (reader.Next(&datagram) == PcapReader::Result::kDatagram) {
    read.emplace_back(datagram.arrival_time_us,
                      std::string(datagram.payload.begin(), datagram.payload.end()));
  }
  return read;
}

// What libpcap itself reads from `path`, through the same link layers.
TimedPayloads ReadWithLibpcap(const std::string& path) {
  TimedPayloads read;
  char error[PCAP_ERRBUF_SIZE];
  pcap_t* handle =
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, error);
  if (handle == nullptr) return read;
  pcap_pkthdr* header;
  const u_char* data;
  while (pcap_next_ex(handle, &header, &data) == 1) {
    Datagram datagram;
    if (ParseLinkFrame(pcap_datalink(handle), absl::MakeConstSpan(data, header->caplen),
                       &datagram) == FrameDrop::kNone) {
      read.emplace_back(int64_t{header->ts.tv_sec} * 1'000'000 + header->ts.tv_usec,
                        std::string(datagram.payload.begin(), datagram.payload.end()));
    }
  }
  pcap_close(handle);
  return read;
}

uint32_t Get32(const std::vector<uint8_t>& bytes, size_t at) {
  uint32_t value;
  std::memcpy(&value, bytes.data() + at, 4);
  return value;
}
void Put32(std::vector<uint8_t>* bytes, size_t at, uint32_t value) {
  std::memcpy(bytes->data() + at, &value, 4);
}

// Rewrites every record header of a little-endian microsecond capture:
// `record(bytes, offset)` changes the 16 bytes at `offset`.
template <typename Change>
void ForEachRecord(std::vector<uint8_t>* bytes, Change change) {
  for (size_t at = 24; at + 16 <= bytes->size();) {
    const uint32_t captured = Get32(*bytes, at + 8);
    change(bytes, at);
    at += 16 + captured;
  }
}

TEST(PcapReaderTest, ClassicPcapIsReadByTheReaderAsLibpcapReadsIt) {
  const TimedPayloads truth = ReadWithLibpcap(kClean);
  ASSERT_GT(truth.size(), 100u);

  std::vector<uint8_t> swapped = Slurp(kClean);  // as written on a big-endian machine
  ForEachRecord(&swapped, [](std::vector<uint8_t>* bytes, size_t at) {
    for (size_t field = 0; field < 16; field += 4)
      Put32(bytes, at + field, __builtin_bswap32(Get32(*bytes, at + field)));
  });
  for (size_t field : {0, 8, 12, 16, 20})
    Put32(&swapped, field, __builtin_bswap32(Get32(swapped, field)));
  std::swap(swapped[4], swapped[5]);
  std::swap(swapped[6], swapped[7]);

  std::vector<uint8_t> nanoseconds = Slurp(kClean);
  Put32(&nanoseconds, 0, 0xa1b23c4d);
  ForEachRecord(&nanoseconds, [](std::vector<uint8_t>* bytes, size_t at) {
    Put32(bytes, at + 4, Get32(*bytes, at + 4) * 1000 + 789);  // sub-µs parts are cut off
  });

  for (const auto& [name, bytes] :
       {std::pair{"little-endian.pcap", Slurp(kClean)}, std::pair{"big-endian.pcap", swapped},
        std::pair{"nanoseconds.pcap", nanoseconds}}) {
    const std::string path = WriteTemp(name, bytes);
    auto reader = PcapReader::Open(path);
    ASSERT_TRUE(reader.ok()) << name << ": " << reader.status();
    EXPECT_TRUE((*reader)->reads_classic_pcap()) << name;
    EXPECT_EQ(ReadAll(**reader), truth) << name;
    EXPECT_EQ(ReadWithLibpcap(path), truth) << name << " (the variant itself, read by libpcap)";
    EXPECT_EQ((*reader)->position(), (*reader)->file_size()) << name;
  }
}

TEST(PcapReaderTest, RecordsAcrossReadChunksReadAsLibpcapReadsThem) {
  // The clean capture's records over and over, past several of the reader's
  // 256 KiB reads, so records fall across the ends of reads at many offsets.
  const std::vector<uint8_t> clean = Slurp(kClean);
  std::vector<uint8_t> bytes = clean;
  while (bytes.size() < (3u << 20)) bytes.insert(bytes.end(), clean.begin() + 24, clean.end());
  const std::string path = WriteTemp("repeated.pcap", bytes);
  const TimedPayloads truth = ReadWithLibpcap(path);
  ASSERT_GT(truth.size(), 1000u);
  for (size_t read_bytes : {PcapReader::kDefaultReadBytes, size_t{100}, size_t{16}}) {
    auto reader = PcapReader::Open(path, nullptr, read_bytes);
    ASSERT_TRUE(reader.ok()) << reader.status();
    EXPECT_TRUE((*reader)->reads_classic_pcap());
    EXPECT_EQ(ReadAll(**reader), truth) << read_bytes << " bytes a read";
    EXPECT_EQ((*reader)->position(), (*reader)->file_size());
  }
}

TEST(PcapReaderTest, ARecordLongerThanAnyCaptureEndsTheReadWithAMessage) {
  std::vector<uint8_t> bytes = Slurp(kClean);
  size_t third = 24;  // the third record's header
  for (int record = 0; record < 2; ++record) third += 16 + Get32(bytes, third + 8);
  Put32(&bytes, third + 8, 300000);
  bytes.resize(bytes.size() + 400000);  // the claim fits in the file
  auto reader = PcapReader::Open(WriteTemp("oversized.pcap", bytes));
  ASSERT_TRUE(reader.ok()) << reader.status();
  Datagram datagram;
  int64_t count = 0;
  PcapReader::Result result;
  while ((result = (*reader)->Next(&datagram)) == PcapReader::Result::kDatagram) ++count;
  EXPECT_EQ(result, PcapReader::Result::kTruncated);
  EXPECT_EQ((*reader)->frames_read(), 2);
  EXPECT_LE(count, 2);
  EXPECT_THAT((*reader)->truncation_message(), HasSubstr("claims 300000 bytes"));
}

TEST(PcapReaderTest, ReadsPcapng) {
  auto reader = PcapReader::Open(WriteTemp("one.pcapng", PcapngWithOnePacket()));
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_FALSE((*reader)->reads_classic_pcap());
  Datagram datagram;
  ASSERT_EQ((*reader)->Next(&datagram), PcapReader::Result::kDatagram);
  EXPECT_EQ(std::string(datagram.payload.begin(), datagram.payload.end()), "hi");
  EXPECT_EQ(datagram.arrival_time_us, 1'000'000);
  EXPECT_EQ((*reader)->Next(&datagram), PcapReader::Result::kEnd);
}

TEST(PcapReaderTest, TruncatedCaptureYieldsWhatCameBeforeThenSaysWhere) {
  std::vector<uint8_t> bytes = Slurp(kClean);
  bytes.resize(bytes.size() / 2);
  const std::string path = WriteTemp("half.pcap", bytes);
  auto reader = PcapReader::Open(path);
  ASSERT_TRUE(reader.ok());
  Datagram datagram;
  int64_t count = 0;
  PcapReader::Result result;
  while ((result = (*reader)->Next(&datagram)) == PcapReader::Result::kDatagram) ++count;
  EXPECT_EQ(result, PcapReader::Result::kTruncated);
  EXPECT_GT(count, 10);
  EXPECT_THAT((*reader)->truncation_message(), HasSubstr("ends inside a record"));
  EXPECT_EQ(static_cast<size_t>(count), ReadWithLibpcap(path).size());
}

TEST(PcapReaderTest, MissingAndNonCaptureFilesGiveClearErrors) {
  auto missing = PcapReader::Open("/nonexistent/capture.pcap");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("does not exist"));

  auto text = PcapReader::Open(WriteTemp("notes.txt", {'h', 'e', 'l', 'l', 'o', '\n'}));
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(text.status().message()), HasSubstr("not a readable packet capture"));

  auto folder = PcapReader::Open(::testing::TempDir());
  EXPECT_EQ(folder.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace rtparchive::ingest
