#!/usr/bin/env bash
# fuzz.sh — coverage-guided fuzzing of every parser of untrusted bytes with
# clang's libFuzzer (+ ASan/UBSan), starting from tests/fuzz/corpora/.
#
#   scripts/fuzz.sh [-j JOBS] [SECONDS_PER_TARGET] [TARGET...]   (default 60 s, all, 1 job)
#
# A long campaign is the same command with a larger budget, e.g.
# `scripts/fuzz.sh -j 2 600` (10 minutes per target, two targets at a time).
# Corpora are kept between runs in build-fuzz/corpus/ (never in the
# repository), so each campaign starts where the last one ended. A crash is
# saved as build-fuzz/crash-<target>-*: copy it into
# tests/fuzz/corpora/<target>/crash-<what> so every test run replays it.
# The last line gives the totals: inputs run over all targets, and crashes.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=1
if [ "${1:-}" = -j ]; then jobs=$2; shift 2; fi
seconds=${1:-60}; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(link_layer rtp_packet rtcp_packet red_rtx vp8_depacketizer h264_depacketizer
                                     opus_depacketizer pcap_reader input_files jwt archive storage_answer node_body
                                     http_request media_gate srtp stun dtls dtls_hellos whip_offer
                                     publisher_feedback)
bash scripts/setup.sh
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DRTPARCHIVE_FUZZ=ON -DRTPARCHIVE_TESTS=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]/#/libfuzzer_}" >/dev/null

# One target: its line of results goes to build-fuzz/<target>.result.
fuzz_one() {
  local target=$1 corpus=build-fuzz/corpus/$1 extra=()
  mkdir -p "$corpus"
  cp -n tests/fuzz/corpora/"$target"/* "$corpus"/ 2>/dev/null || true
  [ "$target" = pcap_reader ] && extra=(-max_len=65536)
  if ./build-fuzz/libfuzzer_"$target" "$corpus" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix=build-fuzz/crash-"$target"- "${extra[@]}" >build-fuzz/"$target".log 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' build-fuzz/"$target".log | grep -o '[0-9]*$')
    echo "ok ${runs:-0} fuzz $target: ${seconds}s, ${runs:-?} inputs, no crash" >build-fuzz/"$target".result
  else
    echo "crash 0 fuzz $target: CRASH, see build-fuzz/$target.log" >build-fuzz/"$target".result
  fi
}

started=$(date +%s)
running=0
for target in "${targets[@]}"; do
  fuzz_one "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait
total=0 crashes=0
for target in "${targets[@]}"; do
  read -r outcome runs line <build-fuzz/"$target".result
  echo "$line"
  total=$((total + runs))
  [ "$outcome" = ok ] || crashes=$((crashes + 1))
done
echo "fuzz total: ${#targets[@]} targets, $total inputs in $(( $(date +%s) - started )) s, $crashes crashing"
[ "$crashes" -eq 0 ]
