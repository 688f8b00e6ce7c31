#!/usr/bin/env bash
# The throughput figures of issues 4, 5 and 6, Posthorn against Debian's Postfix 3.7 in the same
# run, through the shared yardstick (/work/shared/bench; see its README). Thin wrapper: it only
# fixes the issues' parameters and takes the bench lock.
#
#   inbound      smtp-source, 20 sessions, 10,000 messages of 4 KB to the 100 virtual Maildir
#                users u1..u100@bench.test; durable queues and fsync'd Maildirs on both:
#                accept msg/s (issue 4) and end-to-end msg/s, counted in the Maildirs (issue 5)
#   relay        the same load to sink.test, relayed to smtp-sink on 127.0.0.1:2599 (issue 6)
#   connections  1,000 idle SMTP sessions held by Posthorn: memory per session (issue 4)
#   all          the three (default)
#
# usage: bench/throughput.sh [inbound|relay|connections|all] [--msgs N] [--reps N] [--sessions N]
#        [--ref TARGET.conf] [--target TARGET.conf] [--out DIR]
# Run from the project root after ./build.sh. Every run holds /work/wt/bench.lock (BENCH_LOCK;
# set it empty to skip) as the yardstick's fixed ports and directories require.
set -euo pipefail
cd "$(dirname "$0")/.."
H=${BENCH_HARNESS:-/work/shared/bench}
REF=$H/targets/postfix-ref.conf
OURS=bench/targets/posthorn.conf
WHAT=all MSGS=10000 REPS=1 SESSIONS=20 OUT=${BENCH_OUT:-/tmp/bench-results}
while [ $# -gt 0 ]; do
  case $1 in
    inbound|relay|connections|all) WHAT=$1 ;;
    --msgs) MSGS=$2; shift ;;
    --reps) REPS=$2; shift ;;
    --sessions) SESSIONS=$2; shift ;;
    --ref) REF=$2; shift ;;
    --target) OURS=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "throughput.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -d "$H" ] || { echo "throughput.sh: no yardstick at $H (BENCH_HARNESS)" >&2; exit 2; }

LOCK=${BENCH_LOCK-/work/wt/bench.lock}
if [ -n "$LOCK" ] && [ -z "${THROUGHPUT_LOCKED:-}" ] && [ -e "$LOCK" ]; then
  # -o: the lock's descriptor is not passed on, so a daemon started by the run cannot keep it.
  THROUGHPUT_LOCKED=1 exec flock -o "$LOCK" "$0" "$WHAT" --msgs "$MSGS" --reps "$REPS" --sessions "$SESSIONS" \
    --ref "$REF" --target "$OURS" --out "$OUT"
fi

rc=0
echo "# $(date -u '+%F %T') UTC, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$WHAT" = inbound ] || [ "$WHAT" = all ]; then
  bash "$H/smtp-inbound.sh" --sessions "$SESSIONS" --msgs "$MSGS" --size 4096 --reps "$REPS" --restart \
    --out "$OUT" --target "$REF" --target "$OURS" || rc=1
fi
if [ "$WHAT" = relay ] || [ "$WHAT" = all ]; then
  bash "$H/smtp-relay.sh" --sessions "$SESSIONS" --msgs "$MSGS" --size 4096 --reps "$REPS" --restart \
    --out "$OUT" --target "$REF" --target "$OURS" || rc=1
fi
if [ "$WHAT" = connections ] || [ "$WHAT" = all ]; then
  # Posthorn alone: the reference is set up for 600 concurrent sessions, not 1,000.
  ulimit -n 8192 2>/dev/null || true
  bash "$H/connections.sh" --conns 1000 --reps "$REPS" --out "$OUT" --target "$OURS" || rc=1
fi
echo "# done $(date -u '+%F %T') UTC, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $rc
