#!/usr/bin/env bash
# The main job: sets up a fresh Debian 12 machine, builds, and runs the whole QA flow locally
# (moto for AWS, the real function executables, simulated reviewers). Extra arguments go to
# `bulkqa demo` (see `build/bin/bulkqa demo --help`), e.g. --corpus samples/sample.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build --target bulkqa -j "$(nproc)"
exec build/bin/bulkqa demo "$@"
