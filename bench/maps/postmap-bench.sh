#!/usr/bin/env bash
# Times Posthorn's postmap against Debian's /usr/sbin/postmap in the same run, on one core:
# building a 1,000,000-line table (hash: and cdb:), then querying 1,000,000 keys through
# "postmap -q - type:file" (keys read from stdin, one process). Figures go to bench/README.md.
# Usage: bench/maps/postmap-bench.sh [LINES]   (needs out/bin from ./build.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ours="$root/out/bin/postmap"
theirs=/usr/sbin/postmap
lines=${1:-1000000}
[ -x "$ours" ] || { echo "build first: ./build.sh" >&2; exit 1; }
pin=(); command -v taskset >/dev/null && pin=(taskset -c 0)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
: > "$dir/main.cf"
awk -v n="$lines" 'BEGIN { for (i = 0; i < n; i++) printf "user%d@example%d.com mailbox%d\n", i, i % 100, i }' > "$dir/src"
awk -v n="$lines" 'BEGIN { srand(42); for (i = 0; i < n; i++) { k = int(rand() * n); printf "user%d@example%d.com\n", k, k % 100 } }' > "$dir/keys"
for who in ours theirs; do mkdir -p "$dir/$who"; cp "$dir/src" "$dir/$who/t"; done

TIMEFORMAT=%R
t() { { time "${pin[@]}" "$@" >/dev/null 2>&1; } 2>&1; }
echo "lines: $lines  (cpu: $(nproc) cores, pinned to one: ${pin[*]:-no})"
printf '%-28s %10s %10s\n' "operation" "posthorn" "postfix"
for type in hash cdb; do
  a=$(t "$ours" -c "$dir" "$type:$dir/ours/t")
  b=$(t "$theirs" -c "$dir" "$type:$dir/theirs/t")
  printf '%-28s %9ss %9ss\n' "build $type" "$a" "$b"
done
for type in hash cdb; do
  a=$( { time "${pin[@]}" "$ours" -c "$dir" -q - "$type:$dir/ours/t" < "$dir/keys" > "$dir/ours.out"; } 2>&1 )
  b=$( { time "${pin[@]}" "$theirs" -c "$dir" -q - "$type:$dir/theirs/t" < "$dir/keys" > "$dir/theirs.out"; } 2>&1 )
  cmp -s "$dir/ours.out" "$dir/theirs.out" && same=same || same=DIFFERENT
  printf '%-28s %9ss %9ss  (%s output; %s lookups/s posthorn, %s postfix)\n' "query $lines keys ($type)" "$a" "$b" "$same" \
    "$(awk -v n="$lines" -v s="$a" 'BEGIN { printf "%.0f", n / s }')" "$(awk -v n="$lines" -v s="$b" 'BEGIN { printf "%.0f", n / s }')"
done
