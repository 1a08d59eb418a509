#!/usr/bin/env bash
# Footprint of one course-like session (3-11 commands in a burst after the login): peak RSS
# and CPU time of the client process, for cmdlink, the libmosquitto floor and the Python
# paho-mqtt peer, side by side on one private Mosquitto; medians over ROUNDS.
# The lean client (build-client/cmdlink, -DCMDLINK_CLIENT_ONLY=ON) runs beside the full binary
# when it has been built (scripts/run client, or scripts/run package).
#   bench/footprint.sh [ROUNDS]     (default 5)
set -uo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
cmdlink=./build/cmdlink
floor=./build/bench/floor_client
lean=./build-client/cmdlink
kinds=(floor cmdlink python)
if [ -x "$lean" ]; then kinds=(floor lean cmdlink python); fi
source bench/broker.sh

client_command() {  # kind user_id
  case "$1" in
    cmdlink) echo "$cmdlink" client --host 127.0.0.1 --port "$port" --user-id "$2" -q ;;
    lean) echo "$lean" client --host 127.0.0.1 --port "$port" --user-id "$2" -q ;;
    floor) echo "$floor" "$port" "$2" ;;
    python) echo /usr/bin/python3 bench/python_peer.py "$port" "$2" ;;
  esac
}

rows="$work/rows.txt"
for round in $(seq "$rounds"); do
  for kind in "${kinds[@]}"; do
    "$cmdlink" server --port "$port" --commands 3-11 --delay 0.3 --stop-after 1 -q &
    server_pid=$!
    sleep 0.2
    read -r rss user sys wall code < <(/usr/bin/python3 bench/measure.py $(client_command "$kind" "$kind$round"))
    wait "$server_pid"
    echo "$kind $([ "$code" -eq 0 ] && echo 1 || echo 0) $rss $user $sys $wall" >>"$rows"
  done
done

strip -o "$work/cmdlink.stripped" "$cmdlink"
strip -o "$work/floor.stripped" "$floor"
lean_size=0
if [ -x "$lean" ]; then strip -o "$work/lean.stripped" "$lean"; lean_size=$(stat -c %s "$work/lean.stripped"); fi
python3 - "$rows" "$rounds" "$(stat -c %s "$work/cmdlink.stripped")" "$(stat -c %s "$work/floor.stripped")" \
  "$(stat -c %s bench/python_peer.py)" "$lean_size" <<'PY'
import statistics, sys
path, rounds, cmdlink_size, floor_size, python_size, lean_size = sys.argv[1:]
rows = [l.split() for l in open(path)]
size = {"cmdlink": f"{int(cmdlink_size)} (stripped, all subcommands)",
        "floor": f"{int(floor_size)} (stripped)",
        "python": f"{int(python_size)} (script; needs python3 + paho)",
        "lean": f"{int(lean_size)} (stripped, client only)"}
print(f"One course-like session (3-11 commands), {rounds} rounds, medians.\n")
print("| client | passed | peak RSS KB | RSS / floor | CPU ms (user+sys) | CPU / floor | wall s | binary bytes | client command |")
print("|---|---|---|---|---|---|---|---|---|")
command = {"floor": "`build/bench/floor_client PORT ID`",
           "cmdlink": "`cmdlink client --port PORT --user-id ID -q`",
           "python": "`python3 bench/python_peer.py PORT ID`",
           "lean": "`build-client/cmdlink client --port PORT --user-id ID -q`"}
floor_rows = [r for r in rows if r[0] == "floor"]
floor_rss = statistics.median(float(r[2]) for r in floor_rows)
floor_cpu = statistics.median((float(r[3]) + float(r[4])) * 1000 for r in floor_rows)
for kind in ("floor", "lean", "cmdlink", "python"):
    mine = [r for r in rows if r[0] == kind]
    if not mine:
        continue
    med = lambda i: statistics.median(float(r[i]) for r in mine)
    cpu = statistics.median((float(r[3]) + float(r[4])) * 1000 for r in mine)
    print(f"| {kind} | {sum(int(r[1]) for r in mine)}/{len(mine)} | {med(2):.0f} | {med(2) / floor_rss:.2f} "
          f"| {cpu:.0f} | {cpu / floor_cpu:.2f} | {med(5):.2f} | {size[kind]} | {command[kind]} |")
PY
