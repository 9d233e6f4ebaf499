#!/usr/bin/env bash
# Run the assistant on this machine: prepare the database, then start the services
# in the foreground; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."

API_HOST="${EMILE_API_HOST:-127.0.0.1}"
API_PORT="${EMILE_API_PORT:-8000}"
DATA_DIR="${EMILE_DATA_DIR:-$PWD/var}"
export EMILE_DATA_DIR="$DATA_DIR"
mkdir -p "$DATA_DIR"

API=.venv/api/bin/emile-api

echo "==> database: migrations and territories"
"$API" migrate
"$API" seed-territories

# The assistant's key is made once and kept in the data directory (mode 600).
KEY_FILE="$DATA_DIR/assistant.key"
if [ ! -s "$KEY_FILE" ]; then
  (umask 077; "$API" create-key "assistant-$(date +%s)" --role assistant --token-only >"$KEY_FILE")
  echo "==> assistant API key written to $KEY_FILE"
fi

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "==> stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

.venv/api/bin/uvicorn --factory api.main:create_app --host "$API_HOST" --port "$API_PORT" \
  --log-level warning &
pids+=($!)
echo "==> operator API on http://$API_HOST:$API_PORT/docs"

wait -n "${pids[@]}"
