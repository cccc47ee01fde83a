#!/usr/bin/env bash
# fuzz.sh — coverage-guided fuzzing of every parser of untrusted bytes with
# clang's libFuzzer (+ ASan/UBSan), starting from tests/fuzz/corpora/.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default 60 s, all)
#
# New corpus entries go to build-fuzz/corpus/, never into the repository;
# a crash is saved as build-fuzz/crash-<target>-*: copy it into
# tests/fuzz/corpora/<target>/crash-<what> so every test run replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(link_layer rtp_packet rtcp_packet red_rtx vp8_depacketizer h264_depacketizer
                                     opus_depacketizer pcap_reader input_files jwt archive storage_answer node_body)
bash scripts/setup.sh
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DRTPARCHIVE_FUZZ=ON -DRTPARCHIVE_TESTS=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]/#/libfuzzer_}" >/dev/null
status=0
for target in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$target
  mkdir -p "$corpus"
  cp -n tests/fuzz/corpora/"$target"/* "$corpus"/ 2>/dev/null || true
  extra=()
  [ "$target" = pcap_reader ] && extra=(-max_len=65536)
  if ./build-fuzz/libfuzzer_"$target" "$corpus" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix=build-fuzz/crash-"$target"- "${extra[@]}" >build-fuzz/"$target".log 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' build-fuzz/"$target".log | grep -o '[0-9]*$')
    echo "fuzz $target: ${seconds}s, ${runs:-?} inputs, no crash"
  else
    echo "fuzz $target: CRASH, see build-fuzz/$target.log"; status=1
  fi
done
exit $status
