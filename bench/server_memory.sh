#!/usr/bin/env bash
# Memory per session and sessions per second of one `cmdlink server` process holding N
# concurrent sessions (driven by `cmdlink bench --external-server` on the same private
# Mosquitto). Sessions open at 5,000/s and wait a course-like 3 s before their commands,
# so all N are in flight together. Memory per session = (peak RSS - RSS when idle) / N.
#   bench/server_memory.sh [N...]     (default: 1000 10000)
set -uo pipefail
cd "$(dirname "$0")/.."
levels=("$@")
[ ${#levels[@]} -eq 0 ] && levels=(1000 10000)
source bench/broker.sh

status_kb() { awk -v key="$2:" '$1 == key {print $2}' "/proc/$1/status"; }
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); print ($12 + $13) / hz}' "/proc/$1/stat"; }

echo "| concurrent sessions | passed | sessions/s | server RSS idle KB | server peak RSS KB | bytes per session | server CPU s | broker CPU s | commands |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in "${levels[@]}"; do
  server=(./build/cmdlink server --port "$port" --client-id "cmdlink-memory-$n" --delay 3
          --session-timeout 120 --ledger "$work/ledger-$n.db" -q)
  "${server[@]}" &
  server_pid=$!
  sleep 1
  idle=$(status_kb "$server_pid" VmRSS)
  broker_before=$(cpu_s "$broker_pid")
  bench=(./build/cmdlink bench --port "$port" --external-server --sessions "$n" --ramp 5000
         --json -q)
  report=$("${bench[@]}")
  peak=$(status_kb "$server_pid" VmHWM)
  server_cpu=$(cpu_s "$server_pid")
  broker_cpu=$(awk -v a="$(cpu_s "$broker_pid")" -v b="$broker_before" 'BEGIN {print a - b}')
  kill -INT "$server_pid"; wait "$server_pid"
  python3 - "$report" "$n" "$idle" "$peak" "$server_cpu" "$broker_cpu" "${server[*]}" "${bench[*]}" <<'PY'
import json, re, sys
report, n, idle, peak, server_cpu, broker_cpu, server_command, bench_command = sys.argv[1:]
r = json.loads(report)
# Which port and temporary directory a run used does not matter to a reader.
clean = lambda command: re.sub(r"/tmp/tmp\.\w+", "$work", re.sub(r" --port \d+", "", command))
server_command, bench_command = clean(server_command), clean(bench_command)
n, idle, peak = int(n), int(idle), int(peak)
print(f'| {r["peak_active"]} | {r["passed"]}/{r["sessions"]} | {r["sessions_per_s"]:.0f} | {idle} | {peak} | '
      f'{(peak - idle) * 1024 / n:.0f} | {float(server_cpu):.2f} | {float(broker_cpu):.2f} | '
      f'`{server_command}` + `{bench_command}` |')
PY
done
