#!/usr/bin/env bash
# Start a throw-away Redis on loopback (the lock store of several Rasa servers); prints its URL.
# Installs Debian's redis-server package when missing (its own service is not started), as
# scripts/postgres.sh does for PostgreSQL. EMILE_REDIS_PORT and EMILE_REDIS_DIR choose the
# instance; it keeps running for the next run. Nothing in it outlives a lock (no snapshot).
set -euo pipefail

PORT="${EMILE_REDIS_PORT:-63790}"
DIR="${EMILE_REDIS_DIR:-/tmp/emile-redis-$(id -u)}"
URL="redis://127.0.0.1:${PORT}/0"

if ! command -v redis-server >/dev/null; then
  echo "redis.sh: installing redis-server from Debian packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Keep the package from starting its own service (Debian's policy-rc.d mechanism).
  policy=/usr/sbin/policy-rc.d
  made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
  fi
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends redis-server >&2
  [ -z "$made_policy" ] || rm -f "$policy"
fi

if redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG; then
  echo "$URL"; exit 0
fi
mkdir -p "$DIR"
# Loopback only, no snapshot or append-only file: locks are worth nothing after a restart.
redis-server --bind 127.0.0.1 --port "$PORT" --dir "$DIR" --save "" --appendonly no \
  --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log"
for _ in $(seq 50); do
  redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG && { echo "$URL"; exit 0; }
  sleep 0.1
done
echo "redis.sh: Redis did not start (log: $DIR/redis.log)" >&2
exit 1
