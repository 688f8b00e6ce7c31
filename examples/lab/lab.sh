#!/usr/bin/env bash
# The lecture's mail lab on one machine: one network namespace per host of hosts/*/ (its
# lab.env names the host and its 198.18.0.0/24 address), each joined by a veth pair to a
# bridge inside one more namespace ($LAB_PREFIX-net), so nothing is added to the machine's own
# network. Each host runs its own Posthorn (`ip netns exec NS postfix -c HOSTDIR start`, bound to
# its address by inet_interfaces) and resolves names through /etc/netns/NS/resolv.conf, which
# points at the lab's dnsmasq (dns/dnsmasq.conf) on the host whose lab.env says DNSMASQ=yes.
#
#   lab.sh up                 build and start the lab (again: starts what is stopped)
#   lab.sh down               stop and remove every namespace, link, /etc/netns entry, process and file
#   lab.sh status             what runs
#   lab.sh exec HOST CMD...   run CMD on HOST, with its Posthorn commands first in PATH and MAIL_CONFIG set
#   lab.sh stop|start HOST    stop or start one host's Posthorn (a mail server going down)
#   lab.sh log HOST           the host's Posthorn log
#
# Needs root, iproute2 and dnsmasq. Environment: LAB_DIR (work directory, default
# /tmp/posthorn-lab), LAB_PREFIX (namespace prefix, default phlab), POSTHORN_BIN (default
# out/bin of this repository).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
BIN=${POSTHORN_BIN:-$repo/out/bin}
WORK=${LAB_DIR:-/tmp/posthorn-lab}
PREFIX=${LAB_PREFIX:-phlab}
NET=$PREFIX-net
MARK=$WORK/.posthorn-lab

die() { echo "lab.sh: $*" >&2; exit 1; }
say() { echo "lab.sh: $*"; }

# The hosts: NAME ADDRESS FQDN DNSMASQ, one line each, sorted by name.
hosts() {
  local d
  for d in "$here"/hosts/*/; do
    [ -f "$d/lab.env" ] || continue
    (FQDN= ADDRESS= DNSMASQ=no; . "$d/lab.env"; echo "$(basename "$d") $ADDRESS $FQDN $DNSMASQ")
  done
}
ns_of() { echo "$PREFIX-$1"; }
dns_address() { hosts | awk '$4 == "yes" { print $2; exit }'; }
host_line() { hosts | awk -v h="$1" '$1 == h' ; }

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
postfix_on() { local h=$1; shift; in_ns "$(ns_of "$h")" env MAIL_CONFIG="$WORK/$h" "$BIN/postfix" -c "$WORK/$h" "$@"; }

autoreply_path() {
  if [ -f "$repo/examples/autoreply/autoreply.py" ]; then
    echo "$repo/examples/autoreply/autoreply.py"
  else
    echo "$here/autoreply-standin.sh"
  fi
}

# Copies a host's configuration into WORK/HOST with the lab's paths filled in, builds its tables.
install_host() {
  local h=$1 dir=$WORK/$1 f owner
  mkdir -p "$dir"
  for f in "$here/hosts/$h"/*; do
    [ "$(basename "$f")" = lab.env ] && continue
    sed -e "s|@HOSTDIR@|$dir|g" -e "s|@BIN@|$BIN|g" -e "s|@AUTOREPLY@|$(autoreply_path)|g" "$f" > "$dir/$(basename "$f")"
  done
  for f in vmailbox virtual transport relay_recipients mailbox_users; do
    [ -f "$dir/$f" ] && "$BIN/postmap" -c "$dir" "hash:$dir/$f"
  done
  "$BIN/postalias" -c "$dir" "hash:$dir/aliases"
  owner=$("$BIN/postconf" -c "$dir" -h mail_owner)
  id "$owner" >/dev/null 2>&1 || die "mail_owner $owner has no account (useradd --system $owner)"
  mkdir -p "$dir/spool" "$dir/vmail" "$dir/autoreply" "$dir/home"
  chown 65534:65534 "$dir/vmail" "$dir/autoreply"
  # Homes of posthorn_user_database users: the LMTP server writes them as mail_owner.
  if [ -f "$dir/users" ]; then
    awk -F: '!/^#/ && NF >= 6 && $6 != "" { print $6 }' "$dir/users" | while read -r f; do
      mkdir -p "$f"; chown "$owner" "$f"
    done
  fi
}

net_up() {
  ip netns add "$NET"
  ip -n "$NET" link set lo up
  ip -n "$NET" link add br0 type bridge
  ip -n "$NET" link set br0 up
  local i=0 h addr fqdn dns ns
  local resolver; resolver=$(dns_address)
  [ -n "$resolver" ] || die "no host has DNSMASQ=yes in its lab.env"
  while read -r h addr fqdn dns; do
    ns=$(ns_of "$h")
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$NET" link add "v$i" type veth peer name eth0 netns "$ns"
    ip -n "$NET" link set "v$i" master br0 up
    ip -n "$ns" addr add "$addr/24" dev eth0
    ip -n "$ns" link set eth0 up
    mkdir -p "/etc/netns/$ns"
    printf '# lab.sh: the lab'"'"'s DNS server\nnameserver %s\n' "$resolver" > "/etc/netns/$ns/resolv.conf"
    printf '127.0.0.1\tlocalhost\n%s\t%s\n' "$addr" "$fqdn" > "/etc/netns/$ns/hosts"
    i=$((i + 1))
  done < <(hosts)
}

dns_up() {
  local h addr fqdn dns
  read -r h addr fqdn dns < <(hosts | awk '$4 == "yes"')
  mkdir -p "$WORK/dns"
  chmod 755 "$WORK/dns"
  : > "$WORK/dns/dnsmasq.log"
  in_ns "$(ns_of "$h")" dnsmasq --conf-file="$here/dns/dnsmasq.conf" --listen-address="$addr" \
    --pid-file="$WORK/dns/dnsmasq.pid" --user=root --group=root \
    --log-queries --log-facility="$WORK/dns/dnsmasq.log"
  say "dnsmasq serves the lab's zone on $h ($addr)"
}

wait_port() { # NS ADDRESS PORT
  local n
  for n in $(seq 1 100); do
    # A listening socket, looked at without connecting (a probe would show up in the log).
    [ -n "$(in_ns "$1" ss -Hltn "src $2:$3" 2>/dev/null)" ] && return 0
    sleep 0.2
  done
  return 1
}

start_host() {
  local h=$1 line addr
  line=$(host_line "$h"); [ -n "$line" ] || die "no host $h"
  addr=$(echo "$line" | awk '{print $2}')
  if postfix_on "$h" status >/dev/null 2>&1; then
    say "$h: already running"
  else
    postfix_on "$h" start
    wait_port "$(ns_of "$h")" "$addr" 25 || die "$h: nothing listens on $addr:25 (see $WORK/$h/maillog)"
    say "$h: Posthorn listens on $addr"
  fi
}

stop_host() {
  local h=$1
  if [ -d "$WORK/$h" ] && ip netns list | awk '{print $1}' | grep -qx "$(ns_of "$h")"; then
    postfix_on "$h" stop >/dev/null 2>&1 || true
  fi
}

down() {
  set +e
  local ns pids h
  if [ -f "$MARK" ]; then
    for h in $(hosts | awk '{print $1}'); do stop_host "$h"; done
  fi
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX-"); do
    # Whatever still runs in a lab namespace was started by this script (masters, dnsmasq, helpers).
    pids=$(ip netns pids "$ns" 2>/dev/null)
    if [ -n "$pids" ]; then
      kill $pids 2>/dev/null; sleep 1
      pids=$(ip netns pids "$ns" 2>/dev/null)
      [ -z "$pids" ] || kill -9 $pids 2>/dev/null
    fi
    ip netns del "$ns"
  done
  rm -rf /etc/netns/"$PREFIX"-*
  rmdir /etc/netns 2>/dev/null
  if [ -f "$MARK" ]; then
    rm -rf "$WORK"
  elif [ -d "$WORK" ]; then
    echo "lab.sh: warning: $WORK was not made by lab.sh; left alone" >&2
  fi
  set -e
  say "down"
}

up() {
  [ "$(id -u)" = 0 ] || die "must run as root (network namespaces)"
  command -v ip >/dev/null || die "iproute2 (ip) is not installed"
  command -v dnsmasq >/dev/null || [ -x /usr/sbin/dnsmasq ] || die "dnsmasq is not installed"
  [ -x "$BIN/postfix" ] || die "$BIN/postfix not found: run ./build.sh first"
  if [ -f "$MARK" ] && ip netns list | awk '{print $1}' | grep -qx "$NET"; then
    if ! { [ -f "$WORK/dns/dnsmasq.pid" ] && kill -0 "$(cat "$WORK/dns/dnsmasq.pid")" 2>/dev/null; }; then
      dns_up
    fi
    for h in $(hosts | awk '{print $1}'); do start_host "$h"; done
    return 0
  fi
  down >/dev/null
  # Any failure from here on (set -e, die, a signal) removes what was built.
  trap 'rc=$?; trap - EXIT; if [ $rc -ne 0 ]; then echo "lab.sh: up failed; removing what was built" >&2; down >/dev/null; fi; exit $rc' EXIT
  trap 'exit 130' INT TERM HUP
  mkdir -p "$WORK"
  chmod 755 "$WORK"
  : > "$MARK"
  net_up
  dns_up
  for h in $(hosts | awk '{print $1}'); do install_host "$h"; done
  for h in $(hosts | awk '{print $1}'); do start_host "$h"; done
  trap - EXIT INT TERM HUP
  say "up: $(hosts | awk '{printf "%s=%s ", $1, $2}')(work directory $WORK)"
}

status() {
  local h addr fqdn dns ns state rc=0
  [ -f "$MARK" ] || { echo "lab is down"; return 3; }
  while read -r h addr fqdn dns; do
    ns=$(ns_of "$h")
    if ! ip netns list | awk '{print $1}' | grep -qx "$ns"; then state="no namespace"; rc=1
    elif postfix_on "$h" status >/dev/null 2>&1; then state="running"
    else state="stopped"; rc=1; fi
    printf '%-10s %-14s %-24s %s\n' "$h" "$addr" "$fqdn" "$state"
  done < <(hosts)
  if [ -f "$WORK/dns/dnsmasq.pid" ] && kill -0 "$(cat "$WORK/dns/dnsmasq.pid")" 2>/dev/null; then
    echo "dnsmasq    running (pid $(cat "$WORK/dns/dnsmasq.pid"))"
  else
    echo "dnsmasq    stopped"; rc=1
  fi
  return $rc
}

cmd=${1:-}
case "$cmd" in
  up) up ;;
  down) down ;;
  status) status ;;
  exec)
    [ $# -ge 3 ] || die "usage: lab.sh exec HOST CMD..."
    h=$2; shift 2
    [ -n "$(host_line "$h")" ] || die "no host $h"
    exec ip netns exec "$(ns_of "$h")" env MAIL_CONFIG="$WORK/$h" PATH="$BIN:$PATH" "$@" ;;
  start) [ $# -eq 2 ] || die "usage: lab.sh start HOST"; start_host "$2" ;;
  stop) [ $# -eq 2 ] || die "usage: lab.sh stop HOST"; stop_host "$2"; say "$2: stopped" ;;
  log) [ $# -eq 2 ] || die "usage: lab.sh log HOST"; cat "$WORK/$2/maillog" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 2 ;;
esac
