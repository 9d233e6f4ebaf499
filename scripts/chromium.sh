#!/usr/bin/env bash
# Make sure Debian's headless-capable chromium is installed for the browser tests; prints its path.
# Installs the `chromium` package (as root, or through sudo) when it is missing; never downloads
# a browser any other way (no `playwright install`).
set -euo pipefail

BROWSER="${EMILE_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$BROWSER" ]; then
  echo "chromium.sh: installing chromium from Debian packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" = 0 ]; then as_root=(); else as_root=(sudo -n); fi
  "${as_root[@]}" apt-get update -qq >&2
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
fi
echo "$BROWSER"
