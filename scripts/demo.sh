#!/usr/bin/env bash
# The main job: sets up a fresh Debian 12 machine, builds, and runs the whole QA flow locally
# (moto for AWS, the real function executables, a review in the browser). Extra arguments go to
# `bulkqa serve` (see `build/bin/bulkqa serve --help`), e.g. --auto-review 3 or
# --corpus samples/sample.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build --target bulkqa -j "$(nproc)"
exec build/bin/bulkqa serve "$@"
