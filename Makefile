# acuflow runbook. `make run` and `make test` are the quick start; see README.md.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Django 6 needs Python 3.12+: take the first one found (PATH, then pyenv's versions).
PYTHON ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3 python3; do \
	  c=$$(command -v $$p 2>/dev/null) || continue; \
	  $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$c; break; }; done)
PORT ?= 8000
export PORT

.PHONY: compiled-messages run test install install-dev messages check-messages lint typecheck migrations-check bench bench-inprocess bench-peer clean system-packages system-packages-test

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "acuflow needs Python 3.12 or newer" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed package.json package-lock.json
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Debian packages (gettext, fonts, Pango; chromium and poppler for the tests): installed
# when we are root with apt-get, otherwise a stop with the one command to run.
system-packages:
	@bash scripts/system-packages.sh run
system-packages-test:
	@bash scripts/system-packages.sh test

compiled-messages: system-packages $(VENV)/.installed
	@$(PY) -m acuflow.cli compilemessages -v 0 --ignore '.venv*' >/dev/null

# The worker (reminders) runs beside the server; Ctrl-C stops both.
run: install compiled-messages
	mkdir -p var
	$(VENV)/bin/acuflow migrate --noinput -v 0
	$(VENV)/bin/acuflow demo --if-empty
	$(VENV)/bin/acuflow collectstatic --noinput -v 0
	$(VENV)/bin/acuflow worker & worker=$$!; \
	  trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	  $(VENV)/bin/acuflow serve --port $(PORT)

test: system-packages-test install-dev compiled-messages
	$(PY) scripts/check_translations.py
	$(PY) scripts/check_glossary.py
	$(PY) scripts/check_inner_imports.py
	$(VENV)/bin/pytest $(PYTEST_ARGS)

messages: install-dev
	$(PY) scripts/make_messages.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: install-dev
	$(VENV)/bin/mypy acuflow

migrations-check: install-dev
	$(VENV)/bin/acuflow makemigrations --check --dry-run

# The locust run (p95 under load, growth) and then the in-process mode (work per request)
# on the same generated databases; bench-inprocess runs only the latter.
bench: install-dev
	$(PY) bench/run.py --with-in-process

bench-inprocess: install-dev
	$(PY) bench/run.py --in-process

# acuflow and GNU Health 5.0.6 side by side (installed from PyPI into its own venv under
# PEER_WORK, default /tmp/acuflow-peer); see bench/peer/run.sh and the README.
bench-peer: install-dev
	bench/peer/run.sh

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
