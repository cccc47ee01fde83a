#include "ingest/pcap_reader.h"

#include <fstream>
#include <iterator>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

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

TEST(PcapReaderTest, ReadsPcapng) {
  auto reader = PcapReader::Open(WriteTemp("one.pcapng", PcapngWithOnePacket()));
  ASSERT_TRUE(reader.ok()) << reader.status();
  Datagram datagram;
  ASSERT_EQ((*reader)->Next(&datagram), PcapReader::Result::kDatagram);
  EXPECT_EQ(std::string(datagram.payload.begin(), datagram.payload.end()), "hi");
  EXPECT_EQ(datagram.arrival_time_us, 1'000'000);
  EXPECT_EQ((*reader)->Next(&datagram), PcapReader::Result::kEnd);
}

TEST(PcapReaderTest, TruncatedCaptureYieldsWhatCameBeforeThenSaysWhere) {
  std::vector<uint8_t> bytes = Slurp(kClean);
  bytes.resize(bytes.size() / 2);
  auto reader = PcapReader::Open(WriteTemp("half.pcap", bytes));
  ASSERT_TRUE(reader.ok());
  Datagram datagram;
  int64_t count = 0;
  PcapReader::Result result;
  while ((result = (*reader)->Next(&datagram)) == PcapReader::Result::kDatagram) ++count;
  EXPECT_EQ(result, PcapReader::Result::kTruncated);
  EXPECT_GT(count, 10);
  EXPECT_THAT((*reader)->truncation_message(), HasSubstr("ends inside a record"));
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
