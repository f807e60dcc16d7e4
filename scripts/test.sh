#!/usr/bin/env bash
# Sets up, builds and runs every test. `--sanitize` builds with AddressSanitizer and
# UndefinedBehaviorSanitizer into build-asan instead of build.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
cmake_flags=()
if [ "${1:-}" = "--sanitize" ]; then
  build_dir=build-asan
  cmake_flags+=(-DBULKQA_SANITIZE=ON -DBULKQA_BUILD_BENCH=OFF)
fi

scripts/setup.sh
cmake -S . -B "$build_dir" -G Ninja "${cmake_flags[@]}"
cmake --build "$build_dir" -j "$(nproc)"
mkdir -p "$build_dir/test-logs"
export BULKQA_TEST_LOG_DIR="$PWD/$build_dir/test-logs"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 900
