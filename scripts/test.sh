#!/usr/bin/env bash
# Every check and test of the project: lint, types, API tests on SQLite and PostgreSQL, the
# console in a real browser, assistant tests. Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

export EMILE_TEST_POSTGRES_URL="${EMILE_TEST_POSTGRES_URL:-$(scripts/postgres.sh)}"
# Redis (the lock store of several Rasa servers; installed when missing, like PostgreSQL).
export EMILE_TEST_REDIS_URL="${EMILE_TEST_REDIS_URL:-$(scripts/redis.sh)}"
# Debian's chromium for the console's browser tests (installed when missing; no other download).
export EMILE_CHROMIUM="${EMILE_CHROMIUM:-$(scripts/chromium.sh)}"

step() { printf '\n==> %s\n' "$*"; }

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

step "set-up scripts (which Python 3.10, uv bootstrap; stubs, no download)"
.venv/api/bin/python -m pytest tests/scripts "$@"

step "API tests (SQLite and PostgreSQL)"
.venv/api/bin/python -m pytest tests/api "$@"

step "console in a real browser (headless chromium; screenshots in var/screenshots/)"
.venv/api/bin/python -m pytest tests/browser "$@"

assistant_dirs=()
for dir in tests/common tests/actions tests/bot tests/e2e; do
  compgen -G "$dir/test_*.py" >/dev/null && assistant_dirs+=("$dir")
done
if [ ${#assistant_dirs[@]} -gt 0 ]; then
  step "assistant tests: ${assistant_dirs[*]}"
  .venv/assistant/bin/python -m pytest "${assistant_dirs[@]}" "$@"
fi
