#!/usr/bin/env bash
# Issue 9: a server and a stream of devices while Mosquitto is killed and restarted again and
# again (SIGKILL and SIGTERM alternating), then the figures (bench/soak_report.py): sessions
# started, passed and failed (by cause), QoS 2 duplicates, and disagreements between the
# server's ledger and the devices, session by session.
#
#   bench/broker_kill_soak.sh [--restarts N] [--qos "1 2"] [--cmdlink PATH] [--keep DIR]
#
# The restarts are split evenly between the QoS levels given; each level has its own broker
# (persistence on, `log_type all`), server (--ledger) and devices. Every wait is bounded.
# Takes about (restarts x 4.5 s) + 2 min. Run it niced on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."

restarts=100
qos_levels="1 2"
cmdlink=build/cmdlink
keep=""
up_min_ms=2000          # the broker runs 2-5 s between kills
up_max_ms=5000
device_interval=0.25    # a new device every 0.25 s
max_devices_running=150
# autosave_on_changes: the broker saves its database after every change, so that a SIGKILL
# loses as little as Mosquitto allows; `--autosave 1s` saves once a second instead.
autosave=changes

while (($#)); do
  case "$1" in
    --restarts) restarts="$2"; shift 2 ;;
    --qos) qos_levels="$2"; shift 2 ;;
    --cmdlink) cmdlink="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    --autosave) autosave="$2"; shift 2 ;;
    *) echo "usage: $0 [--restarts N] [--qos \"1 2\"] [--cmdlink PATH] [--keep DIR] [--autosave changes|1s]" >&2
       exit 2 ;;
  esac
done
[ -x "$cmdlink" ] || { echo "no cmdlink at $cmdlink (build it, or pass --cmdlink)" >&2; exit 2; }
cmdlink=$(realpath "$cmdlink")
command -v mosquitto >/dev/null || { echo "mosquitto is not installed" >&2; exit 2; }

work=$(mktemp -d /tmp/cmdlink-soak.XXXXXX)
broker_pid=""
server_pid=""
launcher_pid=""
cleanup() {
  for pid in $launcher_pid $server_pid $broker_pid $(cat "$work"/qos*/device.pids 2>/dev/null); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ -n "$keep" ]; then mkdir -p "$keep" && cp -r "$work"/. "$keep"/; fi
  rm -rf "$work"
}
trap cleanup EXIT

phases=$(wc -w <<<"$qos_levels")
restarts_per_phase=$((restarts / phases))

random_ms() { echo $((RANDOM * 32768 + RANDOM)) | awk -v lo="$1" -v hi="$2" '{ print lo + $1 % (hi - lo + 1) }'; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_broker DIR PORT: returns once it accepts connections (at most 10 s).
start_broker() {
  local dir="$1" port="$2"
  mosquitto -c "$dir/mosquitto.conf" >>"$dir/broker.out" 2>&1 &
  broker_pid=$!
  for _ in $(seq 100); do
    port_open "$port" && return 0
    kill -0 "$broker_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "the broker did not start on port $port:" >&2
  tail -5 "$dir/broker.out" "$dir/mosquitto.log" >&2
  return 1
}

# stop_broker SIGNAL: sends it and waits for the exit (SIGKILL after 10 s).
stop_broker() {
  kill "-$1" "$broker_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
}

# launch_devices DIR PORT FIRST_ID: a device every $device_interval until DIR/stop exists.
launch_devices() {
  local dir="$1" port="$2" id="$3"
  while [ ! -e "$dir/stop" ]; do
    if [ "$(jobs -rp | wc -l)" -lt "$max_devices_running" ]; then
      (
        "$cmdlink" client --host 127.0.0.1 --port "$port" --user-id "$id" --json -q \
          --connect-timeout 30 --login-timeout 30 --idle-timeout 30 \
          >"$dir/devices/$id.jsonl" 2>"$dir/devices/$id.err" &
        echo $! >>"$dir/device.pids"
        code=0
        wait $! || code=$?
        echo "$code" >"$dir/devices/$id.exit"
      ) &
      id=$((id + 1))
    fi
    sleep "$device_interval"
  done
  # Bounded by the devices' own timeouts (connect + login + idle, plus reconnects).
  for _ in $(seq 300); do [ -z "$(jobs -rp)" ] && break; sleep 1; done
  xargs -r kill -INT <"$dir/device.pids" 2>/dev/null || true
  wait
}

run_phase() {
  local qos="$1" dir="$work/qos$qos"
  mkdir -p "$dir/devices"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local autosave_lines="autosave_interval 1"
  [ "$autosave" = changes ] && autosave_lines=$'autosave_interval 1\nautosave_on_changes true'
  cat >"$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
user $(id -un)
set_tcp_nodelay true
max_queued_messages 100000
max_queued_bytes 0
max_inflight_messages 0
max_inflight_bytes 0
persistence true
persistence_location $dir/
persistence_file mosquitto.db
$autosave_lines
log_dest file $dir/mosquitto.log
log_type all
log_timestamp true
log_timestamp_format %Y-%m-%dT%H:%M:%S
CONF
  start_broker "$dir" "$port"

  "$cmdlink" server --host 127.0.0.1 --port "$port" --json -q --ledger "$dir/ledger.db" \
    --qos "$qos" --commands 3-8 --delay 3 --session-timeout 30 \
    >"$dir/server.jsonl" 2>"$dir/server.err" &
  server_pid=$!
  for _ in $(seq 100); do grep -q "cmdlink-server 2 +/+" "$dir/mosquitto.log" 2>/dev/null && break; sleep 0.1; done

  launch_devices "$dir" "$port" $((qos * 100000)) &
  launcher_pid=$!

  local kills=0 terms=0 started=$SECONDS
  for restart in $(seq "$restarts_per_phase"); do
    sleep "$(awk -v ms="$(random_ms "$up_min_ms" "$up_max_ms")" 'BEGIN { print ms / 1000 }')"
    if ((restart % 2)); then stop_broker KILL; kills=$((kills + 1)); else stop_broker TERM; terms=$((terms + 1)); fi
    # The port may be taken meanwhile; then the phase ends early and says so.
    start_broker "$dir" "$port" || { echo "restart $restart failed" >&2; break; }
    printf '\rQoS %s: %d/%d restarts, %d devices started' "$qos" "$restart" "$restarts_per_phase" \
      "$(find "$dir/devices" -name '*.jsonl' | wc -l)" >&2
  done
  echo >&2
  touch "$dir/stop"
  wait "$launcher_pid" || true
  launcher_pid=""
  # Drain: the sessions in flight run to their end (at most the session timeout).
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 450); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -INT "$server_pid" 2>/dev/null || true
  local server_exit=0
  wait "$server_pid" || server_exit=$?
  server_pid=""
  stop_broker TERM

  echo "== QoS $qos: $kills SIGKILL + $terms SIGTERM restarts in $((SECONDS - started)) s;" \
    "server exit $server_exit" \
    "($(grep -c '"event":"reconnect"' "$dir/server.jsonl" || true) reconnects)"
  python3 bench/soak_report.py --devices "$dir/devices" --ledger "$dir/ledger.db" \
    --broker-log "$dir/mosquitto.log" --qos "$qos"
}

echo "broker-kill soak: $restarts restarts over QoS $qos_levels, $cmdlink ($(git rev-parse --short HEAD 2>/dev/null || echo '?')), autosave $autosave"
for qos in $qos_levels; do run_phase "$qos"; done
