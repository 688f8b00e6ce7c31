#!/usr/bin/env bash
# Builds Posthorn and runs a demo mail system in the foreground on loopback, unprivileged ports:
# domain demo.test with users alice and bob (password "demo"), SMTP in on 2525, submission on
# 2587 (STARTTLS + AUTH) and 2465 (implicit TLS + AUTH), POP3 on 2110, IMAP on 2143, LMTP on 2424. Everything lives under ./demo-run/.
# Ctrl-C stops it. Run it again to start afresh (DEMO_KEEP=1 keeps the mail).
set -euo pipefail
cd "$(dirname "$0")"
./build.sh

DEMO="$PWD/demo-run"
BIN="$PWD/out/bin"
if [ "${DEMO_KEEP:-0}" != 1 ]; then
  [ -f "$DEMO/queue/pid/master.pid" ] && "$BIN/postfix" -c "$DEMO/etc" stop >/dev/null 2>&1 || true
  rm -rf "$DEMO"
fi
mkdir -p "$DEMO/etc" "$DEMO/mail" "$DEMO/data" "$DEMO/tls"

# Mail is owned by whoever runs the mail system: this user, or mail_owner when started as root.
if [ "$(id -u)" = 0 ]; then
  id postfix >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postfix
  OWNER=postfix
else
  OWNER=$(id -un)
fi
UID_N=$(id -u "$OWNER")
GID_N=$(id -g "$OWNER")

if [ ! -f "$DEMO/tls/cert.pem" ]; then
  if command -v openssl >/dev/null; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=mail.demo.test" \
      -keyout "$DEMO/tls/key.pem" -out "$DEMO/tls/cert.pem" >/dev/null 2>&1
  else
    echo "quickstart.sh: openssl not found: TLS is off in the demo" >&2
  fi
fi

HASH=$("$BIN/posthorn" pw -s SHA512-CRYPT -p demo)
cat > "$DEMO/users" <<EOF
alice@demo.test:$HASH:$UID_N:$GID_N::$DEMO/mail/demo.test/alice::
bob@demo.test:$HASH:$UID_N:$GID_N::$DEMO/mail/demo.test/bob::
EOF
cat > "$DEMO/vmailbox" <<EOF
alice@demo.test  demo.test/alice/
bob@demo.test    demo.test/bob/
EOF
printf 'postmaster@demo.test  alice@demo.test\n' > "$DEMO/virtual"

cat > "$DEMO/etc/main.cf" <<EOF
# Posthorn demo: see quickstart.sh
compatibility_level = 3.6
myhostname = mail.demo.test
mydomain = demo.test
myorigin = \$mydomain
mydestination = localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
queue_directory = $DEMO/queue
data_directory = $DEMO/data
maillog_file = $DEMO/maillog
virtual_mailbox_domains = demo.test
virtual_mailbox_base = $DEMO/mail
virtual_mailbox_maps = texthash:$DEMO/vmailbox
virtual_alias_maps = texthash:$DEMO/virtual
virtual_uid_maps = static:$UID_N
virtual_gid_maps = static:$GID_N
virtual_minimum_uid = $UID_N
posthorn_user_database = $DEMO/users
smtpd_tls_cert_file = $DEMO/tls/cert.pem
smtpd_tls_key_file = $DEMO/tls/key.pem
smtpd_tls_security_level = may
EOF

cat > "$DEMO/etc/master.cf" <<'EOF'
# service type  private unpriv  chroot  wakeup  maxproc command + args
2525      inet  n       -       n       -       -       smtpd
2587      inet  n       -       n       -       -       smtpd
  -o syslog_name=posthorn/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
2465      inet  n       -       n       -       -       smtpd
  -o syslog_name=posthorn/submissions
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
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
2110      inet  n       -       n       -       -       pop3d
2143      inet  n       -       n       -       -       imapd
2424      inet  n       -       n       -       -       lmtpd
EOF
chown -R "$OWNER" "$DEMO"

cat <<EOF

Posthorn demo mail system (configuration in $DEMO/etc, log in $DEMO/maillog)
  domain demo.test, users alice@demo.test and bob@demo.test, password "demo"

Send a message:
  swaks --server 127.0.0.1:2525 --from bob@demo.test --to alice@demo.test --header "Subject: hello"
  echo hello | $BIN/sendmail -C $DEMO/etc -f bob@demo.test alice@demo.test
  swaks --server 127.0.0.1:2587 --tls --auth PLAIN --auth-user bob@demo.test --auth-password demo \
        --from bob@demo.test --to alice@demo.test        (submission: STARTTLS, then AUTH)

Read it back:
  POP3: python3 -c "import poplib; p=poplib.POP3('127.0.0.1',2110); p.user('alice@demo.test'); p.pass_('demo'); print(p.stat()); print(b'\n'.join(p.retr(1)[1]).decode())"
  IMAP: python3 -c "import imaplib; m=imaplib.IMAP4('127.0.0.1',2143); m.login('alice@demo.test','demo'); m.select(); print(m.fetch('1','(BODY[])')[1][0][1].decode())"
  Queue: $BIN/mailq -C $DEMO/etc

Stopping: Ctrl-C (or $BIN/postfix -c $DEMO/etc stop from another terminal).

EOF
exec "$BIN/postfix" -c "$DEMO/etc" start-fg
