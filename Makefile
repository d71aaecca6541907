# Kring: `make run` serves the app with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app webapp
STAMP := $(VENV)/.installed
CATALOGS := $(wildcard webapp/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: setup run worker test test-sqlite test-postgresql bench bench-load translations-extract translations-update clean

setup: $(STAMP) $(COMPILED)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

webapp/translations/%/LC_MESSAGES/messages.mo: webapp/translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

# Development server on http://127.0.0.1:5000 with demo data; e-mail goes to the
# development mailbox (log in as the demo admin and open "Mailbox").
run: setup
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	@echo "Kring: http://127.0.0.1:5000  (demo accounts in README.md, password kring-demo-2026)"
	$(FLASK) send-mail --interval 2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --debug --host 127.0.0.1 --port 5000

worker: setup
	$(FLASK) send-mail

# The suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set.
# Two workers (one per core); each has its own database. The second pass leaves out what does
# not touch the database: the matching algorithms, the accessibility checks and the phone
# viewport of the browser journeys (all of them run in the first pass).
PYTEST := $(BIN)/pytest -q -n 2 --dist loadfile

test: setup
	env -u TEST_DATABASE_URL -u KRING_TEST_VIEWPORTS $(PYTEST)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL ($$TEST_DATABASE_URL), without the database-free tests =="; \
	  KRING_TEST_VIEWPORTS=desktop $(PYTEST) --ignore=tests/matching --ignore=tests/browser/test_accessibility.py; \
	fi

bench: setup
	$(BIN)/python benchmarks/run_all.py

# Load test: the 'large' demo in PostgreSQL (database kring_load on postgresql://postgres@127.0.0.1:5432,
# or KRING_LOAD_PG), served by gunicorn, 20 users driven by locust; writes the figures into benchmarks/README.md.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e ".[test,bench]"
	touch $@

bench-load: setup $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench_load.py

translations-extract: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o webapp/translations/messages.pot .

translations-update: translations-extract
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
