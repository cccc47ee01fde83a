#!/usr/bin/env bash
# test.sh — install what is needed, build, and run every test: unit tests,
# fuzz-target regression runs and the end-to-end tests, once in a normal
# build and once under AddressSanitizer + UndefinedBehaviorSanitizer; then
# a short coverage-guided libFuzzer run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The official server SDKs the node's e2e test drives, pinned in tests/e2e/sdk.
npm ci --prefix tests/e2e/sdk --no-audit --no-fund --loglevel=error
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
echo "== libFuzzer smoke run, ${RTPARCHIVE_FUZZ_SECONDS:-15} s per target"
bash scripts/fuzz.sh "${RTPARCHIVE_FUZZ_SECONDS:-15}"
