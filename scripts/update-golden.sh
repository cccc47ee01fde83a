#!/usr/bin/env bash
# update-golden.sh — rewrite the golden expectations of every case in
# testdata/cases/ from a fresh build, on purpose. Review `git diff
# testdata/cases` before committing: each change is a change in output.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target rtparchive_cli
python3 tests/golden/golden_test.py build/rtparchive testdata --update
git status --short testdata/cases
