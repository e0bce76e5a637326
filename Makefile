# Two commands: `make run` serves the catalogue with its data; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run test lint format install migrate load worker clean bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed ## create the virtual environment and install dependencies

migrate: install ## apply database migrations
	$(PY) manage.py migrate --noinput

load: migrate ## load (or refresh) the curated catalogue from fixtures/
	$(PY) manage.py load_catalogue

run: load ## set everything up and serve on 127.0.0.1:$(PORT)
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install ## run the test suite (SQLite unless DATABASE_URL is set)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install ## apply ruff formatting and safe fixes
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install ## a Celery worker (needs CELERY_BROKER_URL)
	$(VENV)/bin/celery -A catalogue worker --loglevel=INFO

BENCH_CASES ?= 1000000
bench: install ## our API vs Datasette on BENCH_CASES synthetic cases (needs DATABASE_URL: PostgreSQL)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	BENCH_CASES=$(BENCH_CASES) $(PY) scripts/bench/run.py

clean: ## remove the virtual environment and the SQLite database
	rm -rf $(VENV) db.sqlite3 staticfiles
