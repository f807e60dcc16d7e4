#!/usr/bin/env bash
# Sets up, builds and runs every test. `--sanitize` builds everything (libraries, tests, the
# function executables and bulkqa that the tests start as processes) with AddressSanitizer and
# UndefinedBehaviorSanitizer into build-asan instead of build, and fails on any sanitizer report.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
cmake_flags=()
sanitize=false
if [ "${1:-}" = "--sanitize" ]; then
  sanitize=true
  build_dir=build-asan
  cmake_flags+=(-DBULKQA_SANITIZE=ON -DBULKQA_BUILD_BENCH=OFF)
fi

scripts/setup.sh
cmake -S . -B "$build_dir" -G Ninja "${cmake_flags[@]}"
cmake --build "$build_dir" -j "$(nproc)"
mkdir -p "$build_dir/test-logs"
export BULKQA_TEST_LOG_DIR="$PWD/$build_dir/test-logs"

reports="$PWD/$build_dir/sanitizer-reports"
if $sanitize; then
  # Every process the tests start inherits these. A report stops the process that made it and is
  # written to a file here instead of stderr, so a function process's report is found even when
  # its stderr went to a log or the test that started it did not notice it stop; all are printed
  # below.
  rm -rf "$reports" && mkdir -p "$reports"
  export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:log_path=$reports/asan"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
fi

status=0
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 900 || status=$?

if $sanitize && compgen -G "$reports/*" >/dev/null; then
  for report in "$reports"/*; do
    echo "== $report"
    head -n 60 "$report"
  done
  echo "test: $(ls "$reports" | wc -l) sanitizer reports (in $reports)" >&2
  status=1
fi
exit "$status"
