# Two commands for a newcomer: `make run` and `make test`. Both set up .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi

.PHONY: run test bench bench-quick worker translations extract-messages clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (set PYTHON=...)")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile -d marketplace/translations > /dev/null

# Serve the site on http://127.0.0.1:5000 with the demo data, and the outbox worker beside it.
run: export APP_ENV ?= development
run: $(STAMP) translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed demo
	$(BIN)/flask places load marketplace/data/demo_places.csv --source "Kera demo sites (demo.toml)"
	$(BIN)/flask search reindex
	@echo "Serving on http://127.0.0.1:5000 (worker running beside it; Ctrl-C stops both)"
	@$(BIN)/flask worker & WORKER=$$!; trap "kill $$WORKER 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/flask run --host 127.0.0.1 --port 5000

worker: export APP_ENV ?= development
worker: $(STAMP)
	$(BIN)/flask worker

# ruff first (pyproject.toml): a lint or format error fails `make test`, and so CI, before pytest runs.
test: $(STAMP) translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m benchmarks.search $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.matching $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.pages $(BENCH_ARGS)  # seeds with flask seed bulk once, then reuses it
	$(BIN)/python -m benchmarks.reserve $(BENCH_ARGS)  # PostgreSQL: set BENCH_DATABASE_URL
	$(BIN)/python -m benchmarks.outbox $(BENCH_ARGS)  # PostgreSQL too: BENCH_DATABASE_URL
	$(BIN)/python -m benchmarks.survey_import

# The same benchmarks at their smaller --quick sizes (a few minutes instead of about half an hour).
bench-quick:
	$(MAKE) bench BENCH_ARGS=--quick

# For translators: refresh the catalogues from the source after adding texts.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o marketplace/translations/messages.pot .
	$(BIN)/pybabel update -i marketplace/translations/messages.pot -d marketplace/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance .pytest_cache
