#!/usr/bin/env bash
# Crash-exactness measured: N sessions, K SIGKILLs of `cmdlink server --ledger` at random
# moments (each followed by a restart), then every device compared with the ledger; prints
# the count of each kind of disagreement (all must be 0). It runs the integration test
# ServerKill.* at the size asked for (docs/crash-safety.md).
#   bench/server_kills.sh [SESSIONS] [KILLS] [SEED]     defaults: 400 10 random
# Needs a built tree (scripts/run build); BUILD=dir picks another build directory, and
# BASELINE=path/to/cmdlink runs the same test against another cmdlink (the build before a
# change, to show what it fixed).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD:-build}"
export CMDLINK_KILL_SESSIONS="${1:-400}"
export CMDLINK_KILLS="${2:-10}"
if [ -n "${3:-}" ]; then export CMDLINK_KILL_SEED="$3"; fi
if [ -n "${BASELINE:-}" ]; then export CMDLINK_BINARY_UNDER_TEST="$BASELINE"; fi
exec "$build/tests/integration/integration_tests" --gtest_filter='ServerKill.*' \
  --gtest_color=no
