# EMILE assistant — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
# The CPython uv installs in $(VENV)/python when the machine has no Python 3.10 (rasa 3.6
# refuses 3.11); PYTHON310=/path/to/python3.10 chooses one, see scripts/python310.sh.
MANAGED_PYTHON := 3.10.22
VENV := .venv
UV := $(VENV)/uv/bin/uv
PY310 := $(VENV)/python3.10
API_PY := $(VENV)/api/bin/python
BOT_PY := $(VENV)/assistant/bin/python

.PHONY: help setup run chat test lint format typecheck bench-api bench bench-servers bench-channels bench-language language-report sms-report lock postgres catalogs clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(UV):
	scripts/bootstrap-uv.sh $(UV_VERSION) $(VENV)/uv

# A link to the chosen interpreter; a dangling one (interpreter removed) is chosen again.
$(PY310): | $(UV)
	py=$$(scripts/python310.sh $(UV) $(MANAGED_PYTHON) $(CURDIR)/$(VENV)/python) && ln -sfn "$$py" $@

$(VENV)/api/.installed: requirements/api.txt pyproject.toml | $(UV) $(PY310)
	$(UV) venv -q --allow-existing --python "$$(readlink $(PY310))" $(VENV)/api
	VIRTUAL_ENV=$(VENV)/api $(UV) pip install -q -r requirements/api.txt
	VIRTUAL_ENV=$(VENV)/api $(UV) pip install -q --no-deps -e .
	touch $@

$(VENV)/assistant/.installed: requirements/assistant.txt pyproject.toml | $(UV) $(PY310)
	$(UV) venv -q --allow-existing --python "$$(readlink $(PY310))" $(VENV)/assistant
	VIRTUAL_ENV=$(VENV)/assistant $(UV) pip install -q -r requirements/assistant.txt
	VIRTUAL_ENV=$(VENV)/assistant $(UV) pip install -q --no-deps -e .
	touch $@

setup: $(VENV)/api/.installed $(VENV)/assistant/.installed ## Build both environments (fast when nothing changed)

run: setup ## Set up and run the assistant (API, action server, Rasa server) on this machine
	scripts/run.sh

chat: $(VENV)/assistant/.installed ## Talk to the running assistant (make run) in this terminal
	$(BOT_PY) scripts/chat.py

test: setup ## Set up and pass every test (starts a local PostgreSQL for the API tests)
	scripts/test.sh

lint: $(VENV)/api/.installed ## ruff lint and format check
	$(VENV)/api/bin/ruff check .
	$(VENV)/api/bin/ruff format --check .

format: $(VENV)/api/.installed ## Format and fix what ruff can
	$(VENV)/api/bin/ruff format .
	$(VENV)/api/bin/ruff check --fix .

typecheck: setup ## mypy on api/ (API environment), actions/, bot/ and common/ (assistant environment)
	$(VENV)/api/bin/mypy api
	$(VENV)/assistant/bin/mypy --config-file mypy-assistant.ini actions bot common

catalogs: $(VENV)/assistant/.installed $(VENV)/api/.installed ## Extract texts (domain.yml, the console) and update every catalogue
	$(BOT_PY) scripts/catalogs.py extract
	$(BOT_PY) scripts/catalogs.py update
	$(API_PY) scripts/console_catalogs.py extract
	$(API_PY) scripts/console_catalogs.py update

postgres: ## Start the throw-away PostgreSQL used by the tests and benchmarks
	scripts/postgres.sh

bench-api: $(VENV)/api/.installed ## Benchmark the API (10,000 applications; SQLite and PostgreSQL)
	scripts/bench_api.sh

bench: setup ## Benchmark whole conversations over REST: our stack, bare parse, the rasa-init peer; 1 vs 2 servers
	$(BOT_PY) scripts/bench_assistant.py
	$(BOT_PY) scripts/bench_servers.py

bench-servers: setup ## One Rasa server against two (PostgreSQL, Redis, nginx): REST and SMS at 20 and 60 at a time
	$(BOT_PY) scripts/bench_servers.py

bench-channels: setup ## Benchmark REST, Telegram and SMS side by side (fake provider servers)
	$(BOT_PY) scripts/bench_channels.py

bench-language: $(VENV)/assistant/.installed ## Language identification: time per message, memory added to Rasa
	$(BOT_PY) scripts/bench_language.py --with-rasa

language-report: $(VENV)/assistant/.installed ## Language identification accuracy on the held-out labelled set
	$(BOT_PY) scripts/language_report.py tests/language/labelled.yml --output var/reports/language-identification.txt

sms-report: setup ## SMS segments and encoding of a whole application, per language
	mkdir -p var
	EMILE_SMS_TRANSCRIPT=$(CURDIR)/var/sms-transcript.json $(BOT_PY) -m pytest -q -s \
	  "tests/e2e/test_sms.py::test_whole_application_in_french_by_sms" \
	  "tests/e2e/test_sms.py::test_whole_application_in_english_by_sms" \
	  "tests/e2e/test_sms.py::test_whole_application_in_a_rtl_language_by_sms"
	$(BOT_PY) scripts/sms_segments_report.py var/sms-transcript.json

lock: $(UV) ## Re-pin requirements/*.txt from requirements/*.in
	$(UV) pip compile -q --python-version 3.10 --python-platform x86_64-unknown-linux-gnu requirements/api.in -o requirements/api.txt
	$(UV) pip compile -q --python-version 3.10 --python-platform x86_64-unknown-linux-gnu requirements/assistant.in -o requirements/assistant.txt

clean: ## Remove environments, data and caches
	rm -rf $(VENV) var models .rasa *.egg-info .pytest_cache .mypy_cache .ruff_cache
