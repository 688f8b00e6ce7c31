#!/usr/bin/env bash
# Builds Posthorn and runs a demo mail system in the foreground on loopback, unprivileged ports.
set -euo pipefail
cd "$(dirname "$0")"
./build.sh
echo "quickstart.sh: the demo mail system needs the master and the services, which are not built yet."
echo "quickstart.sh: try: out/bin/postconf -d mail_name"
exit 1
