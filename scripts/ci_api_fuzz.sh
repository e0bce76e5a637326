#!/usr/bin/env bash
# Fuzz the partner API with schemathesis against a live server: every operation in the OpenAPI
# schema (all GETs, and POST /api/v1/submissions/ with a submit-scoped key), then the stateful
# phase (links between operations). `--checks all`: fails on any 5xx, on any response that breaks
# the schema, on schema-invalid input the server accepts and on valid input it rejects.
#
#   DATABASE_URL=postgres://…/empty_db scripts/ci_api_fuzz.sh
#
# Needs DATABASE_URL (a migrated-empty database). FUZZ_MAX_EXAMPLES bounds examples per operation.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to an empty PostgreSQL database}"

PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=config.settings.base DEBUG=false HTTPS=0
export SECRET_KEY="${SECRET_KEY:-ci-fuzz-only-not-a-secret}"
# The fuzzer is one client sending thousands of requests: lift the limits it would otherwise hit.
export API_RATE_ANON=1000000/min API_RATE_KEY=1000000/min API_RATE_SUBMISSION=1000000/hour

log() { printf '\n==> %s\n' "$*"; }

log "migrate and load the catalogue"
$PY manage.py migrate --noinput -v0
$PY manage.py load_catalogue
# DEBUG off: pages need the hashed static files (without them every HTML page, the 404 too, fails).
$PY manage.py collectstatic --noinput -v0
key=$($PY manage.py create_api_key --partner "CI fuzz" --name schemathesis --scope submit 2>/dev/null)

port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server_log=$(mktemp)
log "live server on 127.0.0.1:$port"
$PY manage.py runserver "127.0.0.1:$port" --noreload >"$server_log" 2>&1 &
server=$!
stop() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -f "$server_log"
}
trap stop EXIT

log "schemathesis"
# One worker: with several threads, Python 3.11's ast.parse (which hypothesis calls to describe
# its strategies) can fail with "AST constructor recursion depth mismatch", an error of the
# fuzzer's process, not of the API under test.
started=$(date +%s)
status=0
.venv/bin/schemathesis --config-file scripts/schemathesis.toml run "http://127.0.0.1:$port/api/schema/?format=json" \
  --wait-for-schema 60 \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --max-examples "${FUZZ_MAX_EXAMPLES:-25}" \
  --seed "${FUZZ_SEED:-20250601}" \
  --workers "${FUZZ_WORKERS:-1}" \
  --request-timeout 60 \
  --header "X-API-Key: $key" \
  --suppress-health-check all \
  || status=$?
log "schemathesis finished in $(($(date +%s) - started))s with exit code $status"
log "responses by status, as the server logged them"
grep -oE '" [1-5][0-9]{2} [0-9]+$' "$server_log" | awk '{print $2}' | sort | uniq -c || true
# Belt and braces: a 5xx the fuzzer did not attribute still fails the run.
if grep -qE '" 5[0-9]{2} [0-9]+$' "$server_log"; then
  status=1
fi
if [ "$status" -ne 0 ]; then
  log "server errors logged during the run"
  grep -E "Internal Server Error|Traceback|Error" -A 20 "$server_log" | tail -n 120 || true
fi
exit "$status"
