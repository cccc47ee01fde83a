// Runs a libFuzzer-style target without libFuzzer: every file in the given
// folders (seeds and saved crash/regression inputs), every prefix of small
// ones, and a fixed number of deterministic mutations of each. It makes each
// fuzz target a regression test that any compiler can build; scripts/fuzz.sh
// builds the same targets with clang's libFuzzer for real fuzzing.
#include <dirent.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> FilesIn(const std::string& folder) {
  std::vector<std::string> files;
  DIR* dir = opendir(folder.c_str());
  if (dir == nullptr) return files;
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.empty() || name[0] == '.' || name.find(".json") != std::string::npos ||
        name.find(".md") != std::string::npos) {
      continue;
    }
    files.push_back(folder + "/" + name);
  }
  closedir(dir);
  return files;
}

void Run(const std::vector<uint8_t>& input) { LLVMFuzzerTestOneInput(input.data(), input.size()); }

}  // namespace

int main(int argc, char** argv) {
  int64_t runs = 0;
  for (int arg = 1; arg < argc; ++arg) {
    for (const std::string& path : FilesIn(argv[arg])) {
      std::ifstream in(path, std::ios::binary);
      const std::vector<uint8_t> seed((std::istreambuf_iterator<char>(in)),
                                      std::istreambuf_iterator<char>());
      Run(seed);
      ++runs;
      if (seed.size() <= 4096) {
        for (size_t size = 0; size < seed.size(); ++size) {
          Run(std::vector<uint8_t>(seed.begin(), seed.begin() + size));
          ++runs;
        }
      }
      // Large seeds (whole captures) get fewer mutations, aimed at their start.
      const int mutations = seed.size() <= 4096 ? 300 : 20;
      const size_t span = seed.size() <= 4096 ? seed.size() : 4096;
      std::mt19937 random(static_cast<uint32_t>(seed.size()));
      for (int i = 0; i < mutations && span > 0; ++i) {
        std::vector<uint8_t> mutant = seed;
        const int edits = 1 + static_cast<int>(random() % 4);
        for (int e = 0; e < edits; ++e) {
          const size_t at = random() % span;
          switch (random() % 4) {
            case 0:
              mutant[at] ^= static_cast<uint8_t>(1u << (random() % 8));
              break;
            case 1:
              mutant[at] = static_cast<uint8_t>(random());
              break;
            case 2:
              mutant[at] = (random() % 2) ? 0xff : 0x00;
              break;
            case 3:
              mutant.resize(at + 1);
              break;
          }
          if (mutant.size() < span && at >= mutant.size()) break;
        }
        Run(mutant);
        ++runs;
      }
    }
  }
  std::printf("%lld inputs run without a crash\n", static_cast<long long>(runs));
  return runs > 0 ? 0 : 1;  // no seeds found is a broken test, not a pass
}
