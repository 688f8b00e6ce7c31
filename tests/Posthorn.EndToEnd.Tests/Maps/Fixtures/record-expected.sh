#!/usr/bin/env bash
# Records the answers of Debian's Postfix 3.7 (postfix, postfix-pcre, postfix-cdb, postfix-lmdb,
# postfix-sqlite) for queries.txt into expected.txt, which DifferentialTests holds Posthorn to.
# Usage: record-expected.sh [BINDIR]   (default /usr/sbin; pass out/bin to compare Posthorn by hand)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-/usr/sbin}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$here"/virtual "$dir"/vbtree && cp "$here"/virtual "$here"/access.* "$here"/clients.cidr "$here"/aliases "$here"/mail.sqlite "$dir"/
for f in sqlite.cf sqlite-parts.cf; do sed "s|@DIR@|$dir|g" "$here/$f.in" > "$dir/$f"; done
: > "$dir/main.cf"
for t in hash cdb lmdb; do "$bin/postmap" -c "$dir" "$t:$dir/virtual" 2>/dev/null; done
"$bin/postmap" -c "$dir" "btree:$dir/vbtree" 2>/dev/null
for t in hash cdb lmdb; do "$bin/postalias" -c "$dir" "$t:$dir/aliases" 2>/dev/null; done
while IFS=$'\t' read -r cmd map key; do
  m=${map//@DIR@/$dir}
  set +e
  out=$("$bin/$cmd" -c "$dir" -q "$key" "$m" 2>/dev/null)
  rc=$?
  set -e
  printf '%s\t%s\t%s\t%s\t%s\n' "$cmd" "$map" "$key" "$rc" "${out//$'\n'/\\n}"
done < "$here/queries.txt"
