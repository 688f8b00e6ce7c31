#!/usr/bin/env bash
# Builds Posthorn into out/ (Release): out/bin/posthorn and its command links. Nothing else.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet publish src/Posthorn/Posthorn.csproj -c Release -o out/bin --nologo -v quiet -p:UseAppHost=true "$@"
for cmd in postfix postconf postmap postalias newaliases postqueue mailq postsuper postcat sendmail; do
  ln -sfn posthorn "out/bin/$cmd"
done
echo "build.sh: out/bin/posthorn and its commands are ready"
