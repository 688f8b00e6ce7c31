#!/usr/bin/env bash
# Writes a Posthorn configuration for the shared yardstick (/work/shared/bench) under
# /tmp/posthorn-bench (POSTHORN_BENCH_BASE) and starts it with out/bin/postfix; returns once
# the SMTP port 2526 listens. Same setup as the reference (ref-postfix-setup.sh): virtual
# domain bench.test with u1..u100 (password benchpw) in Maildir below $BASE/mail, relay of
# sink.test to smtp:[127.0.0.1]:2599, sender.test discarded, nothing else leaves (error:),
# no anvil limits, smtpd maxproc 1100 (1000 idle sessions plus probes), plaintext POP3/IMAP login.
#
# Run as root, Posthorn is started by root as Postfix is (the default): the master drops to
# mail_owner (postfix) and its root `posthorn privsep` child writes each virtual Maildir
# delivery on a worker thread switched to the mailbox's uid/gid (docs/design.md, docs/local.md).
# POSTHORN_BENCH_AS_ROOT=0 starts it instead as the unprivileged user POSTHORN_BENCH_USER
# (default postfix) through runuser; then it writes the Maildirs in-process. Started by an
# ordinary user, it runs as that user.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/out/bin"
BASE=${POSTHORN_BENCH_BASE:-/tmp/posthorn-bench}
[ -x "$BIN/postfix" ] || { echo "posthorn-bench-start: $BIN/postfix missing; run ./build.sh" >&2; exit 2; }

RUNAS=()
if [ "$(id -u)" = 0 ] && [ "${POSTHORN_BENCH_AS_ROOT:-1}" = 0 ]; then
  RUNUSER=${POSTHORN_BENCH_USER:-postfix}
  id "$RUNUSER" >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RUNUSER"
  RUNAS=(runuser -u "$RUNUSER" --)
  OWNER=$RUNUSER
elif [ "$(id -u)" = 0 ]; then
  id postfix >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postfix
  OWNER=postfix
else
  OWNER=$(id -un)
fi
UID_N=$(id -u "$OWNER")
GID_N=$(id -g "$OWNER")

# stop a running instance first (idempotent restart)
if [ -f "$BASE/queue/pid/master.pid" ]; then
  "$BIN/postfix" -c "$BASE/etc" stop >/dev/null 2>&1 || true
fi
mkdir -p "$BASE/etc" "$BASE/mail" "$BASE/data" "$BASE/queue"

: > "$BASE/users"
: > "$BASE/vmailbox"
for n in $(seq 1 100); do
  printf 'u%d@bench.test:{PLAIN}benchpw:%s:%s::%s/mail/bench.test/u%d::\n' "$n" "$UID_N" "$GID_N" "$BASE" "$n" >> "$BASE/users"
  printf 'u%d@bench.test bench.test/u%d/\n' "$n" "$n" >> "$BASE/vmailbox"
done
cat > "$BASE/transport" <<EOF2
sink.test    smtp:[127.0.0.1]:2599
sender.test  discard:
EOF2

cat > "$BASE/etc/main.cf" <<EOF2
# Posthorn bench instance: written by bench/posthorn-bench-start.sh
compatibility_level = 3.6
myhostname = posthorn-bench.localdomain
mydomain = localdomain
myorigin = \$myhostname
mydestination = localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
queue_directory = $BASE/queue
data_directory = $BASE/data
maillog_file = $BASE/maillog
virtual_mailbox_domains = bench.test
virtual_mailbox_base = $BASE/mail
virtual_mailbox_maps = texthash:$BASE/vmailbox
virtual_uid_maps = static:$UID_N
virtual_gid_maps = static:$GID_N
virtual_minimum_uid = 100
relay_domains = sink.test
transport_maps = texthash:$BASE/transport
default_transport = error:outside the bench
relay_transport = error:outside the bench
posthorn_user_database = passwd-file:$BASE/users
pop3d_disable_plaintext_auth = no
imapd_disable_plaintext_auth = no
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_client_recipient_rate_limit = 0
smtpd_client_new_tls_session_rate_limit = 0
smtpd_client_auth_rate_limit = 0
default_process_limit = 1100
smtp_destination_concurrency_limit = 20
EOF2

cat > "$BASE/etc/master.cf" <<'EOF2'
# service type  private unpriv  chroot  wakeup  maxproc command + args
2526      inet  n       -       n       -       1100    smtpd
2588      inet  n       -       n       -       1000    smtpd
  -o syslog_name=posthorn/submission
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
1025      inet  n       -       n       -       1100    lmtpd
1111      inet  n       -       n       -       1100    pop3d
1144      inet  n       -       n       -       1100    imapd
EOF2
chown -R "$OWNER" "$BASE"

# The master must not inherit the caller's descriptors: under `flock /work/wt/bench.lock ...`
# a master left running (--keep) would otherwise hold the shared bench lock until it stops.
(
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
  exec "${RUNAS[@]}" "$BIN/postfix" -c "$BASE/etc" start
)
for _ in $(seq 1 300); do
  if python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",2526),1); s.close()' 2>/dev/null; then
    exit 0
  fi
  sleep 0.2
done
echo "posthorn-bench-start: port 2526 does not listen after 60 s; see $BASE/maillog" >&2
exit 1
