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
export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=3
mkdir -p "$DATA_DIR" "$MODELS_DIR"

API=.venv/api/bin/emile-api
RASA=.venv/assistant/bin/rasa
# The Rasa training data (data/ also holds the eligibility rules and territories).
TRAINING_DATA=(data/nlu data/rules.yml data/rules_forms.yml data/stories.yml)

echo "==> model: trained only if its data changed (a few minutes when it does)"
if ! nice "$RASA" train --data "${TRAINING_DATA[@]}" --config config.yml --domain domain.yml \
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
# server reads it from there (EMILE_API_KEY_FILE, see actions/settings.py).
KEY_FILE="$DATA_DIR/assistant.key"
if [ ! -s "$KEY_FILE" ]; then
  (umask 077; "$API" create-key "assistant-$(date +%s)" --role assistant --token-only >"$KEY_FILE")
  echo "==> assistant API key written to $KEY_FILE"
fi
export EMILE_API_KEY_FILE="$KEY_FILE"

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
"$RASA" run actions --port "$ACTIONS_PORT" &
pids+=($!)
"$RASA" run --enable-api --interface "$RASA_HOST" --port "$RASA_PORT" --model "$MODEL" \
  --endpoints endpoints.yml --credentials credentials.yml &
pids+=($!)

wait_for "operator API" "http://$API_HOST:$API_PORT/api/v1/health" 60
wait_for "action server" "http://127.0.0.1:$ACTIONS_PORT/health" 120
echo "==> waiting for the Rasa server to load the model (about a minute)"
wait_for "Rasa server" "http://$RASA_HOST:$RASA_PORT/status" 300
cat <<MSG
==> operator API     http://$API_HOST:$API_PORT/docs
==> action server    http://127.0.0.1:$ACTIONS_PORT/health
==> Rasa server      http://$RASA_HOST:$RASA_PORT  (REST channel: POST /webhooks/rest/webhook)
==> talk to it:      .venv/assistant/bin/python scripts/chat.py   (Ctrl-C here stops everything)
MSG

wait -n "${pids[@]}"
