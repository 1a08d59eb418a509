#!/usr/bin/env bash
# The long run of fuzz/README.md: each target named (e.g. `issuer roster`) to RUNS executions
# (10^7) or CAP seconds (0: no cap), one process at a time at nice 19, from the committed
# seeds; corpus, crashes and logs under build-fuzz/long/. Build the targets first
# (scripts/run fuzz, or cmake --build build-fuzz). One line of figures per target.
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-10000000}"
cap="${CAP:-0}"
max_len="${MAX_LEN:-512}"
mkdir -p build-fuzz/long
for target in "$@"; do
  mkdir -p "build-fuzz/long/$target"
  dictionary=()
  if [ -f "fuzz/dict/$target.dict" ]; then dictionary=("-dict=fuzz/dict/$target.dict"); fi
  start=$(date +%s)
  nice -n 19 "./build-fuzz/fuzz/${target}_fuzzer" -runs="$runs" -max_total_time="$cap" \
    -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/long/$target-" "${dictionary[@]}" \
    "build-fuzz/long/$target" "fuzz/corpus/$target" > "build-fuzz/long/$target.log" 2>&1
  status=$?
  seconds=$(($(date +%s) - start))
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/long/$target.log")
  crashes=$(find build-fuzz/long -maxdepth 1 -name "$target-*" | wc -l)
  echo "$target: exit $status, ${executions:-?} executions in $seconds s, $crashes crash files" \
    | tee -a build-fuzz/long/figures.txt
done
