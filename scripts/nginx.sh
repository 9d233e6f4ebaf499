#!/usr/bin/env bash
# Print the path of Debian's nginx binary, installing the package when it is missing (as
# scripts/postgres.sh does for PostgreSQL). The tests run their own nginx with the sample
# configuration in deploy/nginx/; the package's own service is not started.
set -euo pipefail

if [ -x /usr/sbin/nginx ]; then echo /usr/sbin/nginx; exit 0; fi
echo "nginx.sh: installing nginx from Debian packages" >&2
export DEBIAN_FRONTEND=noninteractive
# Keep the package from starting its service on port 80 (Debian's policy-rc.d mechanism).
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
fi
trap '[ -z "$made_policy" ] || rm -f "$policy"' EXIT
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends nginx >&2
echo /usr/sbin/nginx
