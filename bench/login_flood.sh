#!/usr/bin/env bash
# Issue 9, point 6: a login flood against one `cmdlink server` with its ledger, and how soon
# a normal client passes once it ends. For each cmdlink binary given (the build before a change
# and the one after, side by side in one run), on a fresh private Mosquitto:
#   - bench/login_flood publishes RATE logins/s for SECONDS s (USERS user IDs, cycled; QoS 0)
#     while the server's RSS is sampled every 0.5 s;
#   - from the flood's end, a normal `cmdlink client` starts every second until one passes
#     (at most 90); the figure is when the first passing one had passed, counted from the end;
#   - 35 s after the end (every flood session has timed out), the RSS again and the ledger's
#     size (file and WAL), then SIGINT (SIGKILL if it has not ended 60 s later) and its rows.
# Usage: bench/login_flood.sh [CMDLINK...]   (default: ./build/cmdlink)
# Environment: RATE (10000), FLOOD_SECONDS (20), USERS (RATE * SECONDS: a new user ID each time).
set -uo pipefail
cd "$(dirname "$0")/.."
binaries=("$@")
[ ${#binaries[@]} -eq 0 ] && binaries=(./build/cmdlink)
rate=${RATE:-10000}
seconds=${FLOOD_SECONDS:-20}
users=${USERS:-$((rate * seconds))}
flood=./build/bench/login_flood
[ -x "$flood" ] || { echo "build bench/login_flood first (cmake --build build --target login_flood)" >&2; exit 2; }

now_s() { date +%s.%N; }
since() { awk -v a="$(now_s)" -v b="$1" 'BEGIN {printf "%.1f", a - b}'; }
status_kb() { awk -v key="$2:" '$1 == key {print $2}' "/proc/$1/status" 2>/dev/null; }

echo "Flood: $rate logins/s for $seconds s, $users user IDs, QoS 0 (bench/login_flood)."
echo
echo "| build | flood sent | server RSS idle MB | server peak RSS MB | RSS 35 s after the end MB | first normal client passed, s after the end (its start) | ledger MB 35 s after | session rows | refused-login rows (logins) | server log lines | server after SIGINT |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for bin in "${binaries[@]}"; do
  (
    source bench/broker.sh
    ledger="$work/ledger.db"
    "$bin" server --port "$port" --client-id flood-server --ledger "$ledger" -q 2>"$work/server.log" &
    server_pid=$!
    sleep 1
    idle=$(status_kb "$server_pid" VmRSS)
    sent=$("$flood" "$port" "$rate" "$seconds" "$users" 0 2>&1 | awk '{gsub(/[(),]/, "", $6); print $1 " (" $6 ")"}')
    ended=$(now_s)
    # Normal clients, one a second from the flood's end, until one passes.
    : >"$work/probes"
    probes=()
    for k in $(seq 0 89); do
      (
        start=$(since "$ended")
        "$bin" client --host 127.0.0.1 --port "$port" --user-id "probe-$k" --login-timeout 10 \
          --idle-timeout 10 -q >/dev/null 2>&1
        rc=$?
        echo "$k $start $(since "$ended") $rc" >>"$work/probes"
      ) &
      probes+=($!)
      sleep 1
      grep -q ' 0$' "$work/probes" && break
    done
    wait_until=$(awk -v e="$ended" 'BEGIN {printf "%.3f", e + 35}')
    while awk -v t="$(now_s)" -v u="$wait_until" 'BEGIN {exit !(t < u)}'; do sleep 0.5; done
    after=$(status_kb "$server_pid" VmRSS)
    peak=$(status_kb "$server_pid" VmHWM)
    ledger_bytes=$(cat "$ledger" "$ledger-wal" 2>/dev/null | wc -c)
    # SIGINT, then at most 60 s for it to end its sessions and close the ledger.
    kill -INT "$server_pid"
    server_rc="killed after 60 s"
    for _ in $(seq 120); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$server_pid" 2>/dev/null; then
      kill -KILL "$server_pid"
      wait "$server_pid"
    else
      wait "$server_pid"
      server_rc="exit $?"
    fi
    # The probes still running end within their own timeouts.
    wait "${probes[@]}"
    first=$(awk '$4 == 0 {print $3, $2}' "$work/probes" | sort -n | head -1)
    python3 - "$bin" "$sent" "$idle" "$peak" "$after" "$first" "$ledger" "$work/server.log" "$server_rc" "$ledger_bytes" <<'PY'
import sqlite3, sys
bin_, sent, idle, peak, after, first, ledger, log, rc, size = sys.argv[1:]
size = int(size)
mb = lambda kb: f"{int(kb) / 1024:.1f}" if kb else "?"
db = sqlite3.connect(ledger)
sessions = db.execute("SELECT count(*) FROM sessions").fetchone()[0]
columns = [row[1] for row in db.execute("PRAGMA table_info(refused_logins)")]
refused_rows = db.execute("SELECT count(*) FROM refused_logins").fetchone()[0]
counted = "count" if "count" in columns else "1"
refused = db.execute(f"SELECT coalesce(sum({counted}), 0) FROM refused_logins").fetchone()[0]
lines = sum(1 for _ in open(log, errors="replace"))
passed = f"{first.split()[0]} ({first.split()[1]})" if first else "none within 90 s"
print(f"| `{bin_}` | {sent} | {mb(idle)} | {mb(peak)} | {mb(after)} | {passed} | "
      f"{size / 1e6:.1f} | {sessions} | {refused_rows} ({refused}) | {lines} | {rc} |")
PY
  )
done
