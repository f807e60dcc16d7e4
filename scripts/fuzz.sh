#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang into build-fuzz and runs each for SECONDS
# (default 60), as many at once as the machine has cores, from the seeds the repository holds
# (fuzz/assemble_seeds.py). Fails on any crash, leak, timeout or sanitizer report, naming the
# target and the reproducer libFuzzer saved. The corpus each run grows stays in
# build-fuzz/corpus/<target> for the next run. Reproduce one: build-fuzz/bin/<target> <file>.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
build_dir=build-fuzz

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DBULKQA_FUZZ=ON \
  -DBULKQA_BUILD_TESTS=OFF -DBULKQA_BUILD_BENCH=OFF >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target fuzz
python3 fuzz/assemble_seeds.py "$build_dir/seeds" >/dev/null

export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
results="$build_dir/results"
rm -rf "$results" "$build_dir/crashes"
mkdir -p "$results" "$build_dir/logs"

# One target for `seconds`; its outcome (a summary line, or the failure) goes to results/.
run_target() {
  local target="$1"
  local corpus="$build_dir/corpus/$target" seeds="$build_dir/seeds/$target"
  local artifacts="$build_dir/crashes/$target/" log="$build_dir/logs/$target.log"
  mkdir -p "$corpus" "$artifacts"
  local options=(-max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$artifacts")
  [ -f "$seeds.dict" ] && options+=(-dict="$seeds.dict")
  # A fixed seed (FUZZ_SEED, as CI sets it) makes a run repeat the same mutations; by default
  # libFuzzer picks a new seed each run, to explore further.
  [ -n "${FUZZ_SEED:-}" ] && options+=(-seed="$FUZZ_SEED")
  if "$build_dir/bin/$target" "${options[@]}" "$corpus" "$seeds" >"$log" 2>&1; then
    local last execs
    last="$(grep -E '^#[0-9]+' "$log" | tail -n 1)"
    execs="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")"
    echo "$target: $(grep -o 'cov: [0-9]*' <<<"$last") $(grep -o 'corp: [0-9]*' <<<"$last")" \
      "exec/s: $execs" >"$results/$target.ok"
  else
    local reproducer
    reproducer="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)"
    echo "$target: FAILED; reproducer: ${reproducer:-none saved}; log: $log" >"$results/$target.failed"
  fi
}

mapfile -t targets <"$build_dir/fuzz-targets.txt"
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, $(nproc) at a time"
running=0
for target in "${targets[@]}"; do
  if [ "$running" -ge "$(nproc)" ]; then
    wait -n
    running=$((running - 1))
  fi
  run_target "$target" &
  running=$((running + 1))
done
wait

cat "$results"/*.ok 2>/dev/null || true
if compgen -G "$results/*.failed" >/dev/null; then
  for failure in "$results"/*.failed; do
    cat "$failure"
    log="$build_dir/logs/$(basename "$failure" .failed).log"
    grep -E -m 12 'ERROR|SUMMARY|invariant|#[0-9]+ 0x' "$log" | sed 's/^/    /' || true
  done
  echo "fuzz: $(ls "$results"/*.failed | wc -l) of ${#targets[@]} targets failed" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} passed, 0 failed"
