#!/usr/bin/env bash
# Inbound SMTP throughput: smtp-source (from Debian's postfix package) sends MESSAGES messages of
# SIZE bytes over SESSIONS parallel sessions into a Posthorn started on a temporary config
# directory (smtpd on a free loopback port, queue in the temp dir, no queue manager, so every
# message stays in incoming). Prints the elapsed time, messages/s and MB/s.
# Usage: bench/smtp-inbound.sh [SESSIONS=20] [MESSAGES=10000] [SIZE=4096]
# Needs out/bin (./build.sh) and smtp-source (apt-get install postfix).
set -euo pipefail
cd "$(dirname "$0")/.."
SESSIONS=${1:-20}
MESSAGES=${2:-10000}
SIZE=${3:-4096}
BIN=$PWD/out/bin
command -v smtp-source >/dev/null || { echo "smtp-source not found (apt-get install postfix)" >&2; exit 1; }
[ -x "$BIN/postfix" ] || { echo "run ./build.sh first" >&2; exit 1; }
DIR=$(mktemp -d /tmp/posthorn-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$DIR/main.cf" <<CF
queue_directory = $DIR/queue
maillog_file = $DIR/maillog
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = bench.example.test
mydestination = \$myhostname, localhost
mynetworks = 127.0.0.0/8
local_recipient_maps =
smtpd_client_connection_count_limit = 0
CF
echo "$PORT inet n - n - - smtpd" > "$DIR/master.cf"
[ "$(id -u)" = 0 ] && chown -R postfix "$DIR" 2>/dev/null || true
trap '"$BIN/postfix" -c "$DIR" stop >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
"$BIN/postfix" -c "$DIR" start
sleep 1
START=$(date +%s.%N)
smtp-source -s "$SESSIONS" -m "$MESSAGES" -l "$SIZE" -f bench@example.org -t bob@bench.example.test "127.0.0.1:$PORT"
END=$(date +%s.%N)
QUEUED=$(find "$DIR/queue/incoming" -type f | wc -l)
python3 - "$START" "$END" "$MESSAGES" "$SIZE" "$QUEUED" "$SESSIONS" <<'PY'
import sys
start, end, n, size, queued, sessions = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
t = end - start
print(f"sessions={sessions} messages={n} size={size} queued={queued} elapsed={t:.2f}s rate={n/t:.0f} msg/s {n*size/t/1e6:.2f} MB/s")
PY
