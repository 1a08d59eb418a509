#!/usr/bin/env bash
# Command-to-reply latency of one lockstep session per QoS, as the server measures it,
# and the client's peak RSS, against a private Mosquitto on a free loopback port.
#   bench/lockstep_latency.sh [COMMANDS]        (default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
commands="${1:-1000}"
cmdlink=./build/cmdlink
work=$(mktemp -d)
trap 'kill "$broker_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
set_tcp_nodelay true
max_queued_messages 100000
max_inflight_messages 0
user $(id -un)
CONF
mosquitto -c "$work/mosquitto.conf" >"$work/broker.log" 2>&1 &
broker_pid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

echo "| QoS | commands | p50 us | p90 us | p99 us | max us | client peak RSS KB | client CPU s |"
echo "|---|---|---|---|---|---|---|---|"
for qos in 0 1 2; do
  "$cmdlink" server --port "$port" --pacing lockstep --commands "$commands" --qos "$qos" \
    --delay 0.2 --session-timeout 600 --stop-after 1 --json -q >"$work/server.json" 2>/dev/null &
  server_pid=$!
  sleep 0.2
  /usr/bin/time -v "$cmdlink" client --host 127.0.0.1 --port "$port" --user-id "bench$qos" \
    --idle-timeout 60 -q 2>"$work/time.txt"
  wait "$server_pid"
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u+s}' "$work/time.txt")
  python3 - "$work/server.json" "$qos" "$commands" "$rss" "$cpu" <<'PY'
import json, sys
path, qos, commands, rss, cpu = sys.argv[1:]
summary = [json.loads(l) for l in open(path) if l.startswith("{") and '"summary"' in l][-1]
lat = summary["latency_us"]
print(f"| {qos} | {commands} | {lat['p50']:.0f} | {lat['p90']:.0f} | {lat['p99']:.0f} | {lat['max']:.0f} | {rss} | {cpu} |")
PY
done
