#!/usr/bin/env bash
# Outages under load against the production server (gunicorn, DEBUG off), on a real PostgreSQL and
# Redis that the caller can stop and start:
#   1. PostgreSQL stopped for PG_DOWN seconds mid-load: only 503s (never another 5xx or a dropped
#      connection), and 200s again after it is back, without restarting the app.
#   2. Redis stopped: zero errors.
#
#   DATABASE_URL=postgres://… REDIS_URL=redis://…/1 \
#   PG_STOP_CMD='pg_ctl -D … stop -m fast' PG_START_CMD='pg_ctl -D … start -w …' \
#   REDIS_STOP_CMD='redis-cli -p … shutdown nosave' REDIS_START_CMD='redis-server --port … --daemonize yes' \
#   scripts/ci_faults.sh
#
# FAULT_SECONDS (default 30) is the whole load; PORT the server's loopback port (default: a free one).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?}" "${REDIS_URL:?}" "${PG_STOP_CMD:?}" "${PG_START_CMD:?}" "${REDIS_STOP_CMD:?}" "${REDIS_START_CMD:?}"
PY=.venv/bin/python
total=${FAULT_SECONDS:-30}
pg_down=${PG_DOWN:-10}
export DEBUG=0 HTTPS=0 SECRET_KEY="${SECRET_KEY:-ci-faults-only-not-a-secret-0123456789abcdef}"
export ALLOWED_HOSTS=127.0.0.1,localhost WEB_CONCURRENCY=${WEB_CONCURRENCY:-2}
# One machine plays 16 clients: lift the per-client limits it would otherwise hit.
export PAGE_RATE=1000000/min API_RATE_ANON=1000000/min
log() { printf '\n==> %s\n' "$*"; }

port=${PORT:-$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
server_log=$(mktemp)
$PY manage.py migrate --noinput -v0
$PY manage.py load_catalogue >/dev/null
$PY manage.py collectstatic --noinput -v0
.venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$port" --workers "$WEB_CONCURRENCY" >"$server_log" 2>&1 &
server=$!
stop() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$server_log"; }
trap stop EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done

check() {  # check NAME JSON EXPR: fail unless the python expression over `r` holds
  $PY -c "import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if ($3) else 1)" "$2" \
    || { log "FAILED: $1: $2"; tail -n 40 "$server_log"; exit 1; }
}

pg_phase=$(( total * 2 / 3 )); redis_phase=$(( total - pg_phase ))
log "PostgreSQL stopped for ${pg_down}s within ${pg_phase}s of load"
$PY scripts/loadtest/run.py --url "http://127.0.0.1:$port" --clients 16 --seconds "$pg_phase" --json >"$server_log.pg" &
load=$!
sleep 2; bash -c "$PG_STOP_CMD" >/dev/null; sleep "$pg_down"; bash -c "$PG_START_CMD" >/dev/null
wait "$load"; pg=$(cat "$server_log.pg"); rm -f "$server_log.pg"; echo "$pg"
check "only 503s while PostgreSQL was down" "$pg" 'r["non_503_errors"] == 0 and r["statuses"].get("503", 0) > 0'
after=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/products/")
[ "$after" = 200 ] || { log "FAILED: not recovered after PostgreSQL came back ($after)"; exit 1; }

log "Redis stopped for ${redis_phase}s of load"
bash -c "$REDIS_STOP_CMD" >/dev/null
redis=$($PY scripts/loadtest/run.py --url "http://127.0.0.1:$port" --clients 16 --seconds "$redis_phase" --json)
bash -c "$REDIS_START_CMD" >/dev/null
echo "$redis"
check "zero errors while Redis was down" "$redis" 'r["errors"] == 0 and r["requests"] > 0'
log "outages handled"
