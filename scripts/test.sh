#!/usr/bin/env bash
# test.sh — install what is needed, build, and run every test: unit tests,
# fuzz-target regression runs and the end-to-end tests, once in a normal
# build and once under AddressSanitizer + UndefinedBehaviorSanitizer; the
# recording node's e2e tests (and WHIP) under ThreadSanitizer; then a short
# coverage-guided libFuzzer run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian packages, and the npm packages of tests/e2e/sdk and tests/e2e/storage.
bash scripts/setup.sh
jobs=$(nproc)

run_suite() {  # run_suite BUILD_DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 900)
}

echo "== build and test (RelWithDebInfo)"
run_suite build
echo "== build and test under ASan + UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan -DRTPARCHIVE_SANITIZE=ON
echo "== the recording node's e2e tests under ThreadSanitizer"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRTPARCHIVE_TSAN=ON -DRTPARCHIVE_TESTS=OFF >/dev/null
cmake --build build-tsan -j "$jobs" --target rtparchive_cli
# A race stops the node at once (halt_on_error), so the test fails on it.
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  python3 tests/e2e/node_test.py build-tsan/rtparchive testdata
# ... and its uploads (threads of their own, a kill and a restart).
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  python3 tests/e2e/node_storage_test.py build-tsan/rtparchive testdata
# ... and its WHIP publishers (feedback from the archive's threads, media and
# NACKs on the receiving thread; exit 77: no network namespace or no
# Chromium here, skipped).
for whip in whip_test whip_chromium_test; do
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    python3 tests/e2e/$whip.py build-tsan/rtparchive || [ $? = 77 ]
done
echo "== libFuzzer smoke run, ${RTPARCHIVE_FUZZ_SECONDS:-15} s per target, two at a time"
bash scripts/fuzz.sh -j 2 "${RTPARCHIVE_FUZZ_SECONDS:-15}"
