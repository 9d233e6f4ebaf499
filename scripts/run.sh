#!/usr/bin/env bash
# Run the assistant on this machine: train the model if its data changed, prepare the
# database, then start the operator API, the action server and the Rasa server in the
# foreground; Ctrl-C stops them all. Talk to it with scripts/chat.py.
set -euo pipefail
cd "$(dirname "$0")/.."

API_HOST="${EMILE_API_HOST:-127.0.0.1}"
API_PORT="${EMILE_API_PORT:-8000}"
ACTIONS_PORT="${EMILE_ACTIONS_PORT:-5055}"
RASA_HOST="${EMILE_RASA_HOST:-127.0.0.1}"
RASA_PORT="${EMILE_RASA_PORT:-5005}"
DATA_DIR="${EMILE_DATA_DIR:-$PWD/var}"
MODELS_DIR="${EMILE_MODELS_DIR:-$PWD/models}"
export EMILE_DATA_DIR="$DATA_DIR"
export EMILE_API_URL="${EMILE_API_URL:-http://$API_HOST:$API_PORT}"
export EMILE_ACTIONS_URL="${EMILE_ACTIONS_URL:-http://127.0.0.1:$ACTIONS_PORT/webhook}"
export EMILE_TRACKER_DB="${EMILE_TRACKER_DB:-$DATA_DIR/trackers.db}"
export EMILE_OUTBOX_PATH="${EMILE_OUTBOX_PATH:-$DATA_DIR/outbox.db}"
export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=3
mkdir -p "$DATA_DIR" "$MODELS_DIR"

API=.venv/api/bin/emile-api
BOT_PY=.venv/assistant/bin/python
# Rasa through the start-up step: the pinned version checked, the patches applied (bot/serve.py).
RASA=("$BOT_PY" -m bot.serve)
# The Rasa training data (data/ also holds the eligibility rules and territories).
mapfile -t TRAINING_DATA < <(grep -v '^[[:space:]]*\(#\|$\)' data/training_files.txt)

echo "==> model: trained only if its data changed (a few minutes when it does)"
if ! nice "${RASA[@]}" train --data "${TRAINING_DATA[@]}" --config config.yml --domain domain.yml \
  --out "$MODELS_DIR" --fixed-model-name emile >"$DATA_DIR/train.log" 2>&1; then
  tail -30 "$DATA_DIR/train.log" >&2
  echo "training failed (log: $DATA_DIR/train.log)" >&2
  exit 1
fi
grep -hE "Nothing changed|Your Rasa model is trained" "$DATA_DIR/train.log" | tail -1 || true
MODEL="$MODELS_DIR/emile.tar.gz"

echo "==> database: migrations, territories, sample workshops"
"$API" migrate
"$API" seed-territories
"$API" seed-workshops

# The assistant's key is made once and kept in the data directory (mode 600); the action
# server reads it from there (EMILE_API_KEY_FILE, see common/settings.py).
KEY_FILE="$DATA_DIR/assistant.key"
if [ ! -s "$KEY_FILE" ]; then
  (umask 077; "$API" create-key "assistant-$(date +%s)" --role assistant --token-only >"$KEY_FILE")
  echo "==> assistant API key written to $KEY_FILE"
fi
export EMILE_API_KEY_FILE="$KEY_FILE"

# Secrets of the assistant's own services, made once into the data directory (mode 600)
# unless given in the environment (README, "What is exposed"):
#   EMILE_REST_SECRET      the REST channel (scripts/chat.py reads var/rest.secret)
#   EMILE_ACTIONS_SECRET   the action server (the Rasa server sends it, endpoints.yml)
#   EMILE_RASA_API_TOKEN   the Rasa HTTP API (`?token=`); EMILE_RASA_API=off turns it off
secret() {  # secret <file>: the file's secret, made first if missing
  [ -s "$1" ] || (umask 077; head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$1")
  cat "$1"
}
export EMILE_REST_SECRET="${EMILE_REST_SECRET:-$(secret "$DATA_DIR/rest.secret")}"
export EMILE_ACTIONS_SECRET="${EMILE_ACTIONS_SECRET:-$(secret "$DATA_DIR/actions.secret")}"
RASA_API="${EMILE_RASA_API:-on}"
RASA_API_ARGS=()
RASA_READY_URL="http://$RASA_HOST:$RASA_PORT/"
if [ "$RASA_API" != off ]; then
  RASA_API_TOKEN="${EMILE_RASA_API_TOKEN:-$(secret "$DATA_DIR/rasa-api.token")}"
  RASA_API_ARGS=(--enable-api --auth-token "$RASA_API_TOKEN")
  RASA_READY_URL="http://$RASA_HOST:$RASA_PORT/status?token=$RASA_API_TOKEN"
fi

# Channels: REST (with its secret) always; Telegram when TELEGRAM_BOT_TOKEN is set, SMS when
# TWILIO_ACCOUNT_SID is set (Rasa refuses a section whose ${VARIABLES} are unset).
CREDENTIALS="$DATA_DIR/credentials.yml"
cp credentials.yml "$CREDENTIALS"
channels="REST"
if [ -n "${TELEGRAM_BOT_TOKEN:-}" ]; then
  # A laptop without a public address polls Telegram; with TELEGRAM_PUBLIC_URL, a webhook.
  if [ -z "${TELEGRAM_MODE:-}" ]; then
    if [ -n "${TELEGRAM_PUBLIC_URL:-}" ]; then TELEGRAM_MODE=webhook; else TELEGRAM_MODE=polling; fi
  fi
  export TELEGRAM_MODE
  if [ "$TELEGRAM_MODE" = webhook ] && [ -z "${TELEGRAM_SECRET_TOKEN:-}" ]; then
    SECRET_FILE="$DATA_DIR/telegram.secret"
    [ -s "$SECRET_FILE" ] || (umask 077; head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$SECRET_FILE")
    TELEGRAM_SECRET_TOKEN="$(cat "$SECRET_FILE")"
    export TELEGRAM_SECRET_TOKEN
  fi
  if [ "$TELEGRAM_MODE" = polling ]; then
    # Telegram refuses getUpdates while a webhook is set (say, from an earlier run).
    "$BOT_PY" -m bot.channels.telegram_admin --credentials "$CREDENTIALS" delete-webhook >/dev/null ||
      echo "warning: could not remove the Telegram webhook; polling may be refused" >&2
  fi
  cat credentials.telegram.yml >>"$CREDENTIALS"
  channels="$channels, Telegram ($TELEGRAM_MODE)"
fi
if [ -n "${TWILIO_ACCOUNT_SID:-}" ]; then
  cat credentials.sms.yml >>"$CREDENTIALS"
  channels="$channels, SMS"
fi
echo "==> channels: $channels"

# Several Rasa servers (EMILE_RASA_SERVERS=2…; docs/scaling.md): the conversations and the
# channels' and outbox's state in PostgreSQL, conversation locks in Redis (both started here
# unless EMILE_STATE_URL / EMILE_REDIS_URL name yours), nginx in front passing only the
# webhooks (EMILE_BALANCER, default 127.0.0.1:8080). Server i listens on RASA_PORT+i, its
# action server on ACTIONS_PORT+i.
SERVERS="${EMILE_RASA_SERVERS:-1}"
if [ "$SERVERS" -gt 1 ]; then
  if [ -n "${TELEGRAM_BOT_TOKEN:-}" ] && [ "$TELEGRAM_MODE" = polling ]; then
    echo "Telegram long polling serves one process: set TELEGRAM_PUBLIC_URL (a webhook)" \
      "to run $SERVERS Rasa servers" >&2
    exit 1
  fi
  if [ -z "${EMILE_STATE_URL:-}" ]; then
    EMILE_STATE_URL="$(EMILE_PG_PORT="${EMILE_STATE_PG_PORT:-54330}" EMILE_PG_DATA="$DATA_DIR/postgres" \
      EMILE_PG_FSYNC=on scripts/postgres.sh)"
    export EMILE_STATE_URL
  fi
  export EMILE_REDIS_URL="${EMILE_REDIS_URL:-$(EMILE_REDIS_DIR="$DATA_DIR/redis" scripts/redis.sh)}"
  echo "==> $SERVERS Rasa servers: state in $EMILE_STATE_URL, locks in $EMILE_REDIS_URL"
fi

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "==> stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

wait_for() {  # wait_for <what> <url> <seconds>
  local deadline=$((SECONDS + $3))
  until curl -fsS -o /dev/null "$2" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then echo "$1 did not start (see above)" >&2; exit 1; fi
    sleep 1
  done
}

.venv/api/bin/uvicorn --factory api.main:create_app --host "$API_HOST" --port "$API_PORT" \
  --log-level warning &
pids+=($!)
# The action server on loopback, answering only the Rasa server (actions/server.py).
"$BOT_PY" -m actions.server --interface 127.0.0.1 --port "$ACTIONS_PORT" &
pids+=($!)
# Each Rasa server's name stays across its restarts: it takes back its unfinished messages
# at once (bot/channels/inbox.py). Unique per server.
EMILE_SERVER_NAME=rasa-0 "${RASA[@]}" run "${RASA_API_ARGS[@]}" --interface "$RASA_HOST" \
  --port "$RASA_PORT" --model "$MODEL" --endpoints endpoints.yml --credentials "$CREDENTIALS" &
pids+=($!)

for ((i = 1; i < SERVERS; i++)); do
  "$BOT_PY" -m actions.server --interface 127.0.0.1 --port "$((ACTIONS_PORT + i))" &
  pids+=($!)
  EMILE_ACTIONS_URL="http://127.0.0.1:$((ACTIONS_PORT + i))/webhook" EMILE_SERVER_NAME="rasa-$i" \
    "${RASA[@]}" run \
    "${RASA_API_ARGS[@]}" --interface "$RASA_HOST" --port "$((RASA_PORT + i))" \
    --model "$MODEL" --endpoints endpoints.yml --credentials "$CREDENTIALS" &
  pids+=($!)
done
if [ "$SERVERS" -gt 1 ]; then
  upstreams=()
  for ((i = 0; i < SERVERS; i++)); do upstreams+=("127.0.0.1:$((RASA_PORT + i))"); done
  scripts/balancer.sh "${EMILE_BALANCER:-127.0.0.1:8080}" "$DATA_DIR/balancer" "${upstreams[@]}" &
  pids+=($!)
fi

wait_for "operator API" "http://$API_HOST:$API_PORT/api/v1/health" 60
wait_for "action server" "http://127.0.0.1:$ACTIONS_PORT/health" 120
echo "==> waiting for the Rasa server to load the model (about a minute)"
wait_for "Rasa server" "$RASA_READY_URL" 300
for ((i = 1; i < SERVERS; i++)); do
  wait_for "Rasa server $((i + 1))" "${RASA_READY_URL/:$RASA_PORT\//:$((RASA_PORT + i))/}" 300
done
if [ -n "${TELEGRAM_BOT_TOKEN:-}" ] && [ "$TELEGRAM_MODE" = webhook ]; then
  "$BOT_PY" -m bot.channels.telegram_admin --credentials "$CREDENTIALS" set-webhook
fi
cat <<MSG
==> operator API     http://$API_HOST:$API_PORT/docs
==> operator console http://$API_HOST:$API_PORT/console  (first admin, once, in another terminal:
                     .venv/api/bin/emile-api create-account you@example.org --role admin --name "Your Name")
==> action server    http://127.0.0.1:$ACTIONS_PORT/health
==> Rasa server      http://$RASA_HOST:$RASA_PORT  (REST channel: POST /webhooks/rest/webhook)
==> secrets          $DATA_DIR/rest.secret (REST channel), actions.secret (action server),
                     rasa-api.token (Rasa HTTP API, ?token=; $( [ "$RASA_API" = off ] && echo off || echo on ))
==> talk to it:      .venv/assistant/bin/python scripts/chat.py   (Ctrl-C here stops everything)
MSG
if [ "$SERVERS" -gt 1 ]; then
  echo "==> $SERVERS Rasa servers on ports $RASA_PORT-$((RASA_PORT + SERVERS - 1)), behind the" \
    "balancer http://${EMILE_BALANCER:-127.0.0.1:8080} (webhooks only; docs/scaling.md)"
fi

wait -n "${pids[@]}"
