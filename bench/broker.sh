# Sourced by the bench scripts: one private Mosquitto on a free loopback port, sized for
# bursts (Mosquitto 2.0.11 drops what exceeds max_queued_messages), stopped on exit.
# Sets: port, broker_pid, work (a temporary directory removed on exit).
work=$(mktemp -d)
broker_pid=""
trap '[ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
set_tcp_nodelay true
max_queued_messages 100000
max_inflight_messages 0
max_connections -1
user $(id -un)
CONF
mosquitto -c "$work/mosquitto.conf" >"$work/broker.log" 2>&1 &
broker_pid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
