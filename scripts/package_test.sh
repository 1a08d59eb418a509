#!/usr/bin/env bash
# Installs cmdlink's .deb packages into a fresh Debian 12 root (debootstrap, minbase) with apt,
# which must find every dependency, and runs them there (scripts/run package):
#   cmdlink-client: --version, man page and completion, a session at each QoS against a
#     native server (a chroot shares the network), and no SQLite among its libraries;
#   cmdlink (after removing cmdlink-client, which it conflicts with): --version, a demo on the
#     Mosquitto it recommends, and broker-config finding its login plugin.
#   scripts/package_test.sh FULL.deb CLIENT.deb SERVER
# SERVER is a native cmdlink for the client's sessions. Needs root (debootstrap, chroot).
set -euo pipefail
cd "$(dirname "$0")/.."
full_deb=$(realpath "$1")
client_deb=$(realpath "$2")
server=$(realpath "$3")
root=$(mktemp -d /var/tmp/cmdlink-fresh-root.XXXXXX)
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT

echo "== package test: a fresh Debian 12 root in $root (debootstrap, a few minutes)" >&2
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$root.log" 2>&1 \
  || { tail -20 "$root.log" >&2; exit 1; }
rm -f "$root.log"
mount -t proc proc "$root/proc"
in_root() {
  chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}
in_root apt-get update -qq
cp "$full_deb" "$client_deb" "$root/tmp/"

echo "== cmdlink-client ($(basename "$client_deb"))" >&2
in_root apt-get install -y -qq "/tmp/$(basename "$client_deb")" >/dev/null
in_root cmdlink --version
test -f "$root/usr/share/man/man1/cmdlink-client.1" || test -f "$root/usr/share/man/man1/cmdlink-client.1.gz"
test -f "$root/usr/share/bash-completion/completions/cmdlink"
if in_root ldd /usr/bin/cmdlink | grep -E "sqlite|systemd"; then
  echo "the lean client links a server library" >&2
  exit 1
fi
bash scripts/client_session.sh "$server" chroot "$root" /usr/bin/cmdlink

echo "== cmdlink ($(basename "$full_deb"))" >&2
in_root apt-get remove -y -qq cmdlink-client >/dev/null
in_root apt-get install -y -qq "/tmp/$(basename "$full_deb")" >/dev/null
in_root cmdlink --version
in_root sh -c 'command -v mosquitto' >/dev/null || { echo "mosquitto (recommended) missing" >&2; exit 1; }
in_root timeout 120 cmdlink demo --clients 3 -q
printf 'username,password,user_id\nada,secret-one,ada1\n' >"$root/tmp/roster.csv"
in_root cmdlink broker-config --roster /tmp/roster.csv --out /tmp/broker >/dev/null
grep -q "/usr/lib/cmdlink/cmdlink_auth.so" "$root"/tmp/broker/*.conf \
  || { echo "broker-config did not find /usr/lib/cmdlink/cmdlink_auth.so" >&2; exit 1; }
echo "== packages: both installed and ran in a fresh root" >&2
