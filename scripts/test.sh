#!/usr/bin/env bash
# Every check and test of the project: lint, types, API tests on SQLite and PostgreSQL, the
# console in a real browser, assistant tests. Exits non-zero when anything fails.
#
# Two parts run side by side, one per core: the assistant tests keep about one core busy
# (a conversation waits on one server at a time), so the other part costs little wall time.
#   checks     browser tests, API tests, set-up scripts, lint, types, catalogues; its output
#              goes to var/test-logs/checks.log and is printed once the assistant part is over;
#   assistant  the assistant tests (the model trained meanwhile when its data changed), live.
# Each part's exit status is reported; the command fails when either part fails.
# EMILE_TEST_SERIAL=1 runs the parts one after the other, both live, stopping at the first
# failure (as this script did before).
set -euo pipefail
cd "$(dirname "$0")/.."

export EMILE_TEST_POSTGRES_URL="${EMILE_TEST_POSTGRES_URL:-$(scripts/postgres.sh)}"
# Redis (the lock store of several Rasa servers; installed when missing, like PostgreSQL).
export EMILE_TEST_REDIS_URL="${EMILE_TEST_REDIS_URL:-$(scripts/redis.sh)}"
LOGS=var/test-logs

step() { printf '\n==> %s\n' "$*"; }

checks() {
  # Debian's chromium for the console's browser tests (installed when missing; no other
  # download). Here, not before the parts: only this part uses apt-get from now on.
  export EMILE_CHROMIUM="${EMILE_CHROMIUM:-$(scripts/chromium.sh)}"

  # The browser tests first: their pages have 10 s timeouts, and the assistant part later
  # keeps both cores busy (two Rasa servers at once, tests/e2e/test_multi_server.py).
  step "console in a real browser (headless chromium; screenshots in var/screenshots/)"
  .venv/api/bin/python -m pytest tests/browser "$@"

  step "API tests (SQLite and PostgreSQL)"
  .venv/api/bin/python -m pytest tests/api "$@"

  step "set-up scripts (which Python 3.10, uv bootstrap; stubs, no download)"
  .venv/api/bin/python -m pytest tests/scripts "$@"

  step "ruff"
  .venv/api/bin/ruff check .
  .venv/api/bin/ruff format --check .

  step "mypy api/"
  .venv/api/bin/mypy api

  step "mypy actions/, bot/ and common/"
  .venv/assistant/bin/mypy --config-file mypy-assistant.ini actions bot common

  if [ -f domain.yml ]; then
    step "catalogues (template up to date, complete languages complete)"
    .venv/assistant/bin/python scripts/catalogs.py check
  fi

  step "console catalogues (template up to date, French and English complete)"
  .venv/api/bin/python scripts/console_catalogs.py check
}

assistant() {
  local dirs=() dir
  for dir in tests/common tests/actions tests/bot tests/e2e; do
    compgen -G "$dir/test_*.py" >/dev/null && dirs+=("$dir")
  done
  [ ${#dirs[@]} -gt 0 ] || return 0
  # tests/e2e/conftest.py trains the model in the background while the first tests run.
  step "assistant tests: ${dirs[*]}"
  .venv/assistant/bin/python -m pytest "${dirs[@]}" "$@"
}

if [ -n "${EMILE_TEST_SERIAL:-}" ]; then
  checks "$@"
  assistant "$@"
  exit 0
fi

mkdir -p "$LOGS"
echo "checks (browser, API, set-up scripts, lint, types, catalogues) run beside the assistant" \
  "tests; their output: $LOGS/checks.log, printed at the end"
# Both in the background: a subshell on the left of `||` would run with errexit off. The
# checks are niced as the model's training is (by 10): they have time to spare, the
# assistant tests are the longer path.
export -f checks step
nice -n 10 bash -euo pipefail -c 'checks "$@"' checks "$@" >"$LOGS/checks.log" 2>&1 &
checks_pid=$!
(assistant "$@") &
assistant_pid=$!
trap 'kill "$checks_pid" "$assistant_pid" 2>/dev/null || true' INT TERM
assistant_status=0
wait "$assistant_pid" || assistant_status=$?
checks_status=0
wait "$checks_pid" || checks_status=$?

step "checks (browser, API, set-up scripts, lint, types, catalogues), from $LOGS/checks.log"
cat "$LOGS/checks.log"
verdict() { if [ "$1" = 0 ]; then echo "passed"; else echo "FAILED (exit status $1)"; fi; }
step "summary"
echo "checks:    $(verdict "$checks_status")"
echo "assistant: $(verdict "$assistant_status")"
[ "$checks_status" = 0 ] && [ "$assistant_status" = 0 ]
