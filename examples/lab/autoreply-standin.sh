#!/bin/sh
# STAND-IN, to be deleted once examples/autoreply/autoreply.py (branch outbound) is on main:
# lab.sh uses that script when it exists and this one only while it does not. It takes the
# same arguments, so the lab's master.cf line is the same for both:
#
#   autoreply.sh [-S sendmail] [-C config_dir] [-t state_dir] SENDER RECIPIENT < message
#
# The lecture's autoreply.sh, as a pipe(8) command (argv=... ${sender} ${mailbox}). SENDER is
# the envelope sender (who gets the answer), RECIPIENT the original recipient (a bare mailbox
# name gets "@$myorigin" of the configuration's main.cf).
# No answer (the lecture's list, after dovecot-sieve's vacation): Auto-Submitted other than
# "no"; Precedence junk, bulk or list; a List-Id header; a sender that is empty or starts with
# MAILER-DAEMON, LISTSERV, majordomo (any case) or owner-, or contains -request; sender equal
# to recipient; the recipient not in To:, Cc: or Bcc:. Each sender is answered once (a file
# per sender in the state directory). The answer goes out with sendmail from the null sender
# (RFC 3834) and carries Auto-Submitted: auto-replied.
set -u
sendmail=/usr/sbin/sendmail
config=
state=/var/tmp/autoreply
while getopts S:C:t:m:s:p:d: opt; do
  case $opt in
    S) sendmail=$OPTARG ;;
    C) config=$OPTARG ;;
    t) state=$OPTARG ;;
    m|s|p|d) ;; # options of autoreply.py this stand-in does not have
    *) exit 64 ;;
  esac
done
shift $((OPTIND - 1))
sender=${1:-}
recipient=${2:-}
case "$recipient" in
  *@*) ;;
  *) recipient="$recipient@$("${sendmail%/*}/postconf" ${config:+-c "$config"} -xh myorigin)" ;;
esac
msg=$(mktemp) || exit 75
trap 'rm -f "$msg"' EXIT
cat > "$msg"
# The header: up to the first empty line, continuation lines unfolded.
header() { sed -e '/^\r\{0,1\}$/q' "$msg" | tr -d '\r' | sed -e ':a' -e '$!N;s/\n[ \t]\{1,\}/ /;ta' -e 'P;D'; }
field() { header | grep -i "^$1:" | head -n 1 | sed -e "s/^[^:]*:[ \t]*//"; }
quiet() { echo "autoreply: no answer to <$sender>: $1"; exit 0; }

lower_sender=$(printf '%s' "$sender" | tr 'A-Z' 'a-z')
[ -n "$sender" ] || quiet "null sender"
case "$lower_sender" in mailer-daemon*|listserv*|majordomo*) quiet "sender is a mailer or list" ;; esac
case "$sender" in owner-*|*-request*) quiet "sender is a list" ;; esac
[ "$lower_sender" != "$(printf '%s' "$recipient" | tr 'A-Z' 'a-z')" ] || quiet "sender is the recipient"
auto=$(field Auto-Submitted | tr 'A-Z' 'a-z')
[ -z "$auto" ] || [ "$auto" = no ] || quiet "Auto-Submitted: $auto"
case "$(field Precedence | tr 'A-Z' 'a-z')" in junk*|bulk*|list*) quiet "Precedence: bulk, junk or list" ;; esac
[ -z "$(field List-Id)" ] || quiet "mailing list (List-Id)"
header | grep -i '^\(to\|cc\|bcc\):' | grep -qiF "$recipient" || quiet "<$recipient> not in To, Cc or Bcc"

mkdir -p "$state" || exit 75
key=$(printf '%s' "$lower_sender" | tr -c 'a-z0-9@._+-' '_')
[ ! -e "$state/$key" ] || quiet "already answered"

subject=$(field Subject)
msgid=$(field Message-Id)
{
  printf 'From: %s\nTo: %s\nSubject: Auto: %s\nAuto-Submitted: auto-replied\nPrecedence: bulk\n' \
    "$recipient" "$sender" "${subject:-your message}"
  [ -z "$msgid" ] || printf 'In-Reply-To: %s\nReferences: %s\n' "$msgid" "$msgid"
  printf '\n%s does not read mail; this answer is automatic.\n' "$recipient"
} | "$sendmail" ${config:+-C "$config"} -f '<>' -i -- "$sender" || exit 75
: > "$state/$key"
echo "autoreply: answered <$sender>"
