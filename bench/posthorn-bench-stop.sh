#!/usr/bin/env bash
# Stops the Posthorn bench instance started by bench/posthorn-bench-start.sh (`postfix stop`,
# which signals the master recorded in the pid file and waits for it to exit).
# POSTHORN_BENCH_PURGE=1 also deletes the base directory.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE=${POSTHORN_BENCH_BASE:-/tmp/posthorn-bench}
if [ -f "$BASE/queue/pid/master.pid" ]; then
  "$ROOT/out/bin/postfix" -c "$BASE/etc" stop || true
fi
[ "${POSTHORN_BENCH_PURGE:-0}" = 1 ] && rm -rf "$BASE"
exit 0
