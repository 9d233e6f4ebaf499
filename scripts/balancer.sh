#!/usr/bin/env bash
# Run Debian's nginx in the foreground as the load balancer of several Rasa servers:
#   scripts/balancer.sh <listen host:port> <work dir> <rasa host:port>...
# It passes only the channels' webhooks (deploy/nginx/emile-webhooks.conf: POST to the
# exact Telegram and SMS paths; everything else a 404), to each server in turn; a server
# that refuses connections (stopped, restarting) is skipped for 10 s and the request goes
# to the next. nginx is installed when missing (scripts/nginx.sh); the package's own
# service is not started. Used by scripts/run.sh (EMILE_RASA_SERVERS) and the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 3 ] || { echo "usage: $0 <listen host:port> <work dir> <rasa host:port>..." >&2; exit 2; }
LISTEN="$1"; DIR="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2
NGINX="$(scripts/nginx.sh | tail -1)"
SNIPPET="$PWD/deploy/nginx/emile-webhooks.conf"

servers=""
for server in "$@"; do
  # max_fails/fail_timeout: a dead server is left alone for 10 s after one failed connection.
  servers+="        server $server max_fails=1 fail_timeout=10s;"$'\n'
done

cat >"$DIR/nginx.conf" <<CONF
worker_processes 1;
pid $DIR/nginx.pid;
daemon off;
events { worker_connections 1024; }
http {
    # Which server took each request (tests/e2e/test_multi_server.py counts them).
    log_format upstream '\$request \$status \$upstream_addr';
    access_log $DIR/access.log upstream;
    client_body_temp_path $DIR/body;
    proxy_temp_path $DIR/proxy;
    fastcgi_temp_path $DIR/fastcgi;
    uwsgi_temp_path $DIR/uwsgi;
    scgi_temp_path $DIR/scgi;
    upstream emile_rasa {
$servers        keepalive 32;
    }
    server {
        listen $LISTEN;
        server_tokens off;
        # A webhook is answered at once (the channels queue the work): a slow server is a
        # dead one. A connection refused or timed out goes to the next server; a request
        # already sent is never sent twice by nginx (POST), the provider retries it.
        proxy_connect_timeout 2s;
        include $SNIPPET;
    }
}
CONF
"$NGINX" -p "$DIR" -e "$DIR/error.log" -c "$DIR/nginx.conf" -t -q
exec "$NGINX" -p "$DIR" -e "$DIR/error.log" -c "$DIR/nginx.conf"
