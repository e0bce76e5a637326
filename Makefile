# Two commands: `make run` serves the catalogue with its data; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run test lint format install migrate load worker clean

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

load: migrate ## load (or refresh) the curated catalogue from fixtures/; curators' edits are kept
	$(PY) manage.py load_catalogue

run: migrate ## set everything up and serve on 127.0.0.1:$(PORT)
	$(PY) manage.py load_catalogue --if-changed
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install ## run the test suite (SQLite unless DATABASE_URL is set)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install ## ruff lint and format check, and the import layers (import-linter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install ## apply ruff formatting and safe fixes
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install ## a Celery worker (needs CELERY_BROKER_URL)
	$(VENV)/bin/celery -A catalogue worker --loglevel=INFO

clean: ## remove the virtual environment and the SQLite database
	rm -rf $(VENV) db.sqlite3 staticfiles
