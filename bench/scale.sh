#!/usr/bin/env bash
# Sessions per second, latency and CPU of `cmdlink bench` (clients and an in-process server
# in one process) at several numbers of concurrent sessions, all on one private Mosquitto,
# with the broker's CPU beside ours so that it is clear who saturates a core first.
# Sessions open at --ramp per second and wait a course-like --delay of 3 s before their
# commands, so all of them are in flight at once (the table shows the peak).
#   bench/scale.sh [LEVEL...]     (default: 100 1000 5000 10000)
# BASELINE=path/to/other/cmdlink runs that build too at each level, right after ours.
set -uo pipefail
cd "$(dirname "$0")/.."
levels=("$@")
[ ${#levels[@]} -eq 0 ] && levels=(100 1000 5000 10000)
source bench/broker.sh
echo "open-file limit: soft $(ulimit -Sn), hard $(ulimit -Hn)" >&2

rows="$work/rows.jsonl"
binaries=(./build/cmdlink)
[ -n "${BASELINE:-}" ] && binaries+=("$BASELINE")
for n in "${levels[@]}"; do
 for binary in "${binaries[@]}"; do
  command=("$binary" bench --port "$port" --broker-pid "$broker_pid" --sessions "$n"
           --ramp 5000 --delay 3 --qos 1 --json -q)
  echo "${command[*]}" >&2
  "${command[@]}" | python3 -c 'import json,sys; r=json.loads(sys.stdin.readline()); r["command"]=sys.argv[1]; print(json.dumps(r))' \
    "$(echo "${command[*]}" | sed -E 's/ --(port|broker-pid) [0-9]+//g')" >>"$rows"
 done
done

python3 - "$rows" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| concurrent sessions | passed | sessions/s | connects/s | commands/s | reply p50 / p99 ms | login-to-session p50 / p99 ms | CPU s: broker / server thread / each client thread | peak RSS MB | command |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    lat, login = r["latency_ms"] or {}, r["login_to_session_ms"] or {}
    ms = lambda h, k: f'{h.get(k, 0):.1f}'
    print(f'| {r["peak_active"]} | {r["passed"]}/{r["sessions"]} | {r["sessions_per_s"]:.0f} | {r["connects_per_s"]:.0f} | '
          f'{r["commands_per_s"]:.0f} | {ms(lat, "p50")} / {ms(lat, "p99")} | {ms(login, "p50")} / {ms(login, "p99")} | '
          f'{r["broker_cpu_ms"] / 1000:.2f} / {r["server_cpu_ms"] / 1000:.2f} / {r["client_cpu_ms"] / 1000 / r["threads"]:.2f} | '
          f'{r["peak_rss_kb"] / 1024:.1f} | `{r["command"]}` |')
PY
