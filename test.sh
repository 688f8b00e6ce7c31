#!/usr/bin/env bash
# Installs what the tests need, builds, runs every test project, and ends with "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# 1. Test dependencies from Debian (real clients the end-to-end tests drive).
need=()
# command:package — each real client or server the tests drive.
for pair in swaks:swaks s-nail:s-nail python3:python3 openssl:openssl pflogsumm:pflogsumm \
            dnsmasq:dnsmasq mpop:mpop fetchmail:fetchmail ip:iproute2 smtp-source:postfix; do
  command -v "${pair%%:*}" >/dev/null || [ -x "/usr/sbin/${pair%%:*}" ] || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Debian's Postfix is a reference the tests compare with; it must not configure or start itself.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get install -y -qq "${need[@]}" >/dev/null || { echo "test.sh: apt-get install failed"; echo "0 passed, 1 failed"; exit 1; }
  else
    echo "test.sh: warning: not root, cannot install: ${need[*]} (tests that need them will fail)"
  fi
fi

# The default mail_owner: a master started as root drops to this account (Debian's postfix
# package creates the same one; a fresh machine has none).
if [ "$(id -u)" = 0 ] && ! id postfix >/dev/null 2>&1; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postfix \
    || echo "test.sh: warning: could not create the postfix account"
fi

# 2. Build (Release) into out/.
if ! ./build.sh; then
  echo "test.sh: build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# 3. Run every test project and sum the per-assembly summaries ("Passed!  - Failed: 0, Passed: 12, ...").
log=out/test-output.log
mkdir -p out
export POSTHORN_BIN="$PWD/out/bin"
status=0
dotnet test Posthorn.sln -c Release --nologo --logger "console;verbosity=minimal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

python3 - "$log" "$status" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
passed = failed = skipped = 0
for m in re.finditer(r"(Passed|Failed)!\s+-\s+Failed:\s+(\d+),\s+Passed:\s+(\d+),\s+Skipped:\s+(\d+)", text):
    failed += int(m.group(2)); passed += int(m.group(3)); skipped += int(m.group(4))
if int(sys.argv[2]) != 0 and failed == 0:
    failed = 1  # the runner failed without reporting a failed test (build break, crashed test host)
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
PY
