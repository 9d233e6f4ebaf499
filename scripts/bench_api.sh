#!/usr/bin/env bash
# `make bench-api`: see scripts/bench_api.py (arguments are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/api/bin/python scripts/bench_api.py "$@"
