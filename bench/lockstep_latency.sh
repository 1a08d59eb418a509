#!/usr/bin/env bash
# Command-to-reply latency (as the server measures it) of one lockstep session per client
# and QoS, side by side on one private Mosquitto: cmdlink client, the libmosquitto floor
# (bench/floor_client.cpp) and the Python paho-mqtt peer (bench/python_peer.py).
# Rounds alternate the clients so that machine noise hits them alike; medians are quoted.
#   bench/lockstep_latency.sh [COMMANDS [ROUNDS]]     (defaults 10000 and 3)
# BASELINE=path/to/other/cmdlink adds that build as one more client, with its own server, so
# that two versions are compared in one run (e.g. a build of the previous commit).
set -uo pipefail
cd "$(dirname "$0")/.."
commands="${1:-10000}"
rounds="${2:-3}"
cmdlink=./build/cmdlink
floor=./build/bench/floor_client
source bench/broker.sh

baseline="${BASELINE:-}"
kinds=(floor cmdlink python)
[ -n "$baseline" ] && kinds=(floor cmdlink baseline python)

run_client() {  # kind user_id
  case "$1" in
    cmdlink) "$cmdlink" client --host 127.0.0.1 --port "$port" --user-id "$2" --idle-timeout 60 -q ;;
    baseline) "$baseline" client --host 127.0.0.1 --port "$port" --user-id "$2" --idle-timeout 60 -q ;;
    floor) "$floor" "$port" "$2" ;;
    python) /usr/bin/python3 bench/python_peer.py "$port" "$2" ;;
  esac
}

results="${RESULTS:-$work/results.txt}"
for round in $(seq "$rounds"); do
  for qos in 0 1 2; do
    for kind in "${kinds[@]}"; do
      user="${kind}${qos}r${round}"
      server_binary=$cmdlink
      [ "$kind" = baseline ] && server_binary=$baseline
      "$server_binary" server --port "$port" --ledger "$work/ledger-$kind.db" --pacing lockstep --commands "$commands" --qos "$qos" \
        --delay 0.2 --session-timeout 600 --stop-after 1 --json -q >"$work/server.json" 2>/dev/null &
      server_pid=$!
      sleep 0.2
      /usr/bin/time -v -o "$work/time.txt" bash -c "$(declare -f run_client); port=$port; cmdlink=$cmdlink; baseline=$baseline; floor=$floor; run_client $kind $user" >/dev/null 2>&1 || true
      wait "$server_pid" || true
      python3 - "$work/server.json" "$work/time.txt" "$kind" "$qos" >>"$results" <<'PY'
import json, sys
server, timing, kind, qos = sys.argv[1:]
events = [json.loads(l) for l in open(server) if l.startswith("{")]
summary = [e for e in events if e["event"] == "summary"][-1]
passed = summary["passed"] == 1
lat = {k: v * 1000 for k, v in summary["latency_ms"].items()}  # the table is in microseconds
t = dict(l.strip().split(": ", 1) for l in open(timing) if ": " in l)
rss = int(t["Maximum resident set size (kbytes)"])
cpu = float(t["User time (seconds)"]) + float(t["System time (seconds)"])
print(kind, qos, int(passed), lat["p50"], lat["p99"], lat["max"], rss, f"{cpu:.2f}")
PY
    done
  done
done

python3 - "$results" "$commands" "$rounds" <<'PY'
import statistics, sys
path, commands, rounds = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [l.split() for l in open(path)]
print(f"One lockstep session of {commands} commands per client and QoS, {rounds} rounds; medians over rounds.\n")
print("| QoS | client | passed | p50 us | p99 us | max us | p50 / floor | p99 / floor | peak RSS KB | CPU s | client command |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
command = {"floor": "`build/bench/floor_client PORT ID`",
           "cmdlink": "`cmdlink client --port PORT --user-id ID --idle-timeout 60 -q`",
           "python": "`python3 bench/python_peer.py PORT ID`",
           "baseline": "the BASELINE build's `cmdlink client ...` (and server)"}
def med(kind, qos, col):
    return statistics.median(float(r[col]) for r in rows if r[0] == kind and r[1] == qos)
for qos in "012":
    floor50, floor99 = med("floor", qos, 3), med("floor", qos, 4)
    for kind in [k for k in ("floor", "cmdlink", "baseline", "python") if any(r[0] == k for r in rows)]:
        passed = sum(int(r[2]) for r in rows if r[0] == kind and r[1] == qos)
        p50, p99 = med(kind, qos, 3), med(kind, qos, 4)
        print(f"| {qos} | {kind} | {passed}/{rounds} | {p50:.0f} | {p99:.0f} | {med(kind, qos, 5):.0f} | "
              f"{p50 / floor50:.2f} | {p99 / floor99:.2f} | {med(kind, qos, 6):.0f} | {med(kind, qos, 7):.2f} | {command[kind]} |")
PY
