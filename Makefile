# Two commands: `make run` serves the catalogue with its data; `make test` runs the tests.
# `make serve` is production mode (gunicorn; needs SECRET_KEY, see the README).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Development defaults: settings fail closed (DEBUG off, a SECRET_KEY required) unless told.
# Targets that only set up the database run in development mode when no SECRET_KEY is given.
DEV := $(if $(SECRET_KEY),,DEBUG=1)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run serve test lint format install lock migrate load import worker clean bench cluster

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

# Installs exactly the versions (and hashes) of requirements.lock, which `make lock` writes.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

lock: ## re-resolve requirements.lock from pyproject.toml (PyPI, with hashes)
	test -x $(VENV)/bin/uv || $(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
	  $(LOCK_ARGS) -o requirements.lock

install: $(VENV)/.installed ## create the virtual environment and install dependencies

migrate: install ## apply database migrations
	$(DEV) $(PY) manage.py migrate --noinput

load: migrate ## load (or refresh) the curated catalogue from fixtures/; curators' edits are kept
	$(DEV) $(PY) manage.py load_catalogue

# An issue of the monthly report (its PDF or UTF-8 text) → drafts to review in the admin; runs here,
# in this process (IMPORT_ARGS=--background hands it to a worker, IMPORT_ARGS=--dry-run writes nothing).
import: migrate ## import a monthly report as drafts to review: make import FILE=path/to/issue.pdf
	@test -n "$(FILE)" || { echo "usage: make import FILE=path/to/issue.pdf (or its UTF-8 .txt)" >&2; exit 2; }
	$(DEV) $(PY) manage.py import_report "$(FILE)" $(IMPORT_ARGS)

run: migrate ## set everything up and serve on 127.0.0.1:$(PORT) (development: DEBUG on)
	$(DEV) $(PY) manage.py load_catalogue --if-changed
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production: gunicorn (gunicorn.conf.py: WEB_CONCURRENCY workers of GUNICORN_THREADS threads),
# persistent database connections (CONN_MAX_AGE), static files collected with hashed names and
# compressed copies (WhiteNoise).
# Access logs come from the app (JSON, with the request id), not from gunicorn.
BIND ?= 127.0.0.1:$(PORT)
serve: migrate ## production mode: collectstatic, then gunicorn on $(BIND) (needs SECRET_KEY)
	$(PY) manage.py load_catalogue --if-changed
	$(PY) manage.py collectstatic --noinput -v0
	$(VENV)/bin/gunicorn config.wsgi --bind $(BIND)  # workers, threads, timeouts: gunicorn.conf.py


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
	$(DEV) $(VENV)/bin/celery -A config worker --loglevel=INFO

BENCH_CASES ?= 1000000
bench: install ## our API vs Datasette on BENCH_CASES synthetic cases (needs DATABASE_URL: PostgreSQL)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	BENCH_CASES=$(BENCH_CASES) $(PY) scripts/bench/run.py

# The cluster rehearsal (docs/cluster.md): a PostgreSQL primary and streaming replica, Redis, two
# app servers, a worker and beat behind HAProxy, all on loopback in a temporary directory; a load
# through the balancer while one app server is killed and the replica stopped. The WSGI module and
# Celery app are named here once.
CLUSTER_SECONDS ?= 60
CLUSTER_WSGI ?= config.wsgi
CLUSTER_CELERY_APP ?= config
cluster: install ## rehearse two app hosts on a primary and a replica behind HAProxy (CLUSTER_SECONDS)
	CLUSTER_SECONDS=$(CLUSTER_SECONDS) CLUSTER_WSGI=$(CLUSTER_WSGI) CLUSTER_CELERY_APP=$(CLUSTER_CELERY_APP) \
	  $(PY) scripts/cluster/run.py $(CLUSTER_ARGS)

clean: ## remove the virtual environment and the SQLite database
	rm -rf $(VENV) db.sqlite3 staticfiles
