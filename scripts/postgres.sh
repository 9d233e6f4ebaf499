#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on loopback for the tests; prints its URL.
# Installs Debian's postgresql package when no server binaries are found.
# EMILE_PG_PORT, EMILE_PG_DATA and EMILE_PG_FSYNC (off for tests) choose the instance.
set -euo pipefail

PORT="${EMILE_PG_PORT:-54329}"
PGDATA="${EMILE_PG_DATA:-/tmp/emile-pg-$(id -u)}"
URL="postgresql://emile@127.0.0.1:${PORT}/postgres"

find_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/postgres" ] && { echo "$dir"; return 0; }
  done
  return 1
}

BINDIR="$(find_bindir || true)"
if [ -z "$BINDIR" ]; then
  echo "postgres.sh: installing PostgreSQL from Debian packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  BINDIR="$(find_bindir)"
fi

# postgres refuses to run as root: run it as the `postgres` system user then.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  echo "$URL"; exit 0
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  [ "$(id -u)" = 0 ] && chown postgres: "$PGDATA"
  as_owner "$BINDIR/initdb" -D "$PGDATA" -U emile --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
as_owner "$BINDIR/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$PGDATA -c fsync=${EMILE_PG_FSYNC:-off} -c max_connections=200" \
  start >/dev/null
echo "$URL"
