#!/usr/bin/env bash
# Passes a session at each QoS with a client started by CLIENT... (a cross-built binary under
# qemu-user, or an installed package run in a fresh root through chroot), against SERVER (a
# native cmdlink) on a native Mosquitto on a free loopback port (bench/broker.sh). Fails
# unless the client exits 0 having printed "Well done my IoT!" each time.
#   scripts/client_session.sh SERVER CLIENT...
#   e.g. scripts/client_session.sh build/cmdlink qemu-aarch64 build-arm64/cmdlink
set -euo pipefail
cd "$(dirname "$0")/.."
server="$1"
shift
client=("$@")
"${client[@]}" --version
source bench/broker.sh

# wait_bounded PID SECONDS: waits for a background process, killing it after SECONDS.
wait_bounded() {
  local tenths=$(($2 * 10))
  while ((tenths-- > 0)) && kill -0 "$1" 2>/dev/null; do sleep 0.1; done
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

failed=0
for qos in 0 1 2; do
  "$server" server --port "$port" --qos "$qos" --commands 3-11 --stop-after 1 -q \
    >"$work/server-$qos.log" 2>&1 &
  server_pid=$!
  code=0
  timeout 120 "${client[@]}" client -h 127.0.0.1 -p "$port" --user-id "device-qos$qos" \
    --login-timeout 60 >"$work/client-$qos.log" 2>&1 || code=$?
  wait_bounded "$server_pid" 30
  if [ "$code" -eq 0 ] && grep -q "Well done my IoT!" "$work/client-$qos.log"; then
    echo "QoS $qos: passed" >&2
  else
    echo "QoS $qos: FAILED (client exit $code); its output, then the server's:" >&2
    cat "$work/client-$qos.log" "$work/server-$qos.log" >&2
    failed=1
  fi
done
exit "$failed"
