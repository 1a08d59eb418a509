#!/usr/bin/env bash
# Issue 3's acceptance run: one `cmdlink server` with its ledger takes OWN sessions of our
# client (`cmdlink bench --external-server`, one process) and, at the same time, PEERS
# sessions of a client written elsewhere (bench/python_fleet.py: event-driven paho-mqtt),
# then `cmdlink results --format json` must show every one of them as passed.
#   bench/mixed_fleet.sh [OWN [PEERS]]     (defaults 2000 and 200)
set -uo pipefail
cd "$(dirname "$0")/.."
own="${1:-2000}"
peers="${2:-200}"
source bench/broker.sh
ledger="$work/ledger.db"

./build/cmdlink server --port "$port" --ledger "$ledger" --client-id cmdlink-mixed --delay 3 \
  --session-timeout 120 -q &
server_pid=$!
sleep 1
start=$(date +%s.%N)
./build/cmdlink bench --port "$port" --external-server --sessions "$own" --ramp 2000 \
  --user-prefix own- --json -q >"$work/bench.json" &
bench_pid=$!
/usr/bin/python3 bench/python_fleet.py "$port" peer- "$peers" 180 &
peers_pid=$!
wait "$bench_pid"; bench_exit=$?
wait "$peers_pid"; peers_exit=$?
end=$(date +%s.%N)
kill -TERM "$server_pid"; wait "$server_pid"; server_exit=$?
./build/cmdlink results --ledger "$ledger" --format json >"$work/results.json"

python3 - "$work/results.json" "$own" "$peers" "$bench_exit" "$peers_exit" "$server_exit" "$start" "$end" <<'PY'
import json, sys
path, own, peers, bench_exit, peers_exit, server_exit, start, end = sys.argv[1:]
results = json.load(open(path))
users = results["users"] if isinstance(results, dict) else results
def passed(prefix):
    return sum(1 for u in users if u["user_id"].startswith(prefix) and u["best_outcome"] == "passed")
own_passed, peers_passed = passed("own-"), passed("peer-")
print(f"| {own} cmdlink + {peers} paho sessions | {own_passed}/{own} | {peers_passed}/{peers} | "
      f"{len(users)} | {float(end) - float(start):.1f} | exits: bench {bench_exit}, paho {peers_exit}, server {server_exit} |")
ok = own_passed == int(own) and peers_passed == int(peers)
sys.exit(0 if ok else 1)
PY
