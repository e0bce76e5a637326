"""gunicorn's settings for `make serve`, the benchmark and CI (gunicorn reads this file from the
working directory; command-line flags and GUNICORN_CMD_ARGS override it)."""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads, not sync workers: a sync worker is killed by `timeout` while it streams a long export
# (every case as CSV is minutes at a million cases), and a thread's database wait lets another
# thread's Python run. `timeout` is then a liveness check of the worker, not a request limit.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
# Recycle workers now and then, jittered so both never restart at once.
max_requests = 5000
max_requests_jitter = 500
