#!/bin/sh
# systemd-analyze verify on packaging/systemd/cmdlink-server.service, with ExecStart pointed
# at the cmdlink just built (verify refuses a command that does not exist). Any line it
# prints (an unknown key, a bad value: warnings that leave its exit code 0) fails the test.
# Usage: verify_systemd_unit.sh UNIT_FILE CMDLINK_BINARY
set -eu
unit="$1"
binary="$2"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
sed "s|/usr/bin/cmdlink|$binary|" "$unit" > "$scratch/cmdlink-server.service"
if ! output="$(systemd-analyze verify "$scratch/cmdlink-server.service" 2>&1)"; then
  printf '%s\n' "$output"
  exit 1
fi
if [ -n "$output" ]; then
  printf 'systemd-analyze verify said:\n%s\n' "$output"
  exit 1
fi
echo "systemd-analyze verify: no complaint"
