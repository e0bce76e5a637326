#!/usr/bin/env bash
# End-to-end check of saved-search alerts on real services, all on loopback and torn down at exit:
# Redis (broker), a Celery worker and Celery beat, a real SMTP server (aiosmtpd, Maildir handler)
# and a small webhook receiver. A saved search is made, a matching case is published, beat fires
# the digest (every 5 s here instead of daily), and the script reads the delivered email and the
# signed webhook. Usage: bash scripts/ci_alerts.sh  (from the repository root; ~1-2 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
REDIS_PORT=${ALERTS_REDIS_PORT:-56419}
SMTP_PORT=${ALERTS_SMTP_PORT:-8625}
HOOK_PORT=${ALERTS_HOOK_PORT:-8626}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

export DJANGO_SETTINGS_MODULE=config.settings.base
# Production settings (DEBUG off) with a throwaway key; plain HTTP on loopback.
export SECRET_KEY="ci-alerts-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" HTTPS=0 DEBUG=0
export DATABASE_URL="sqlite:///$WORK/alerts.sqlite3"
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
export CELERY_RESULT_BACKEND="$CELERY_BROKER_URL"
export EMAIL_HOST=127.0.0.1 EMAIL_PORT=$SMTP_PORT
# Loopback (ALERTS_ALLOW_PRIVATE_WEBHOOKS) and the receiver's port are allowed for this run only.
export ALERTS_DIGEST_EVERY=5 ALERTS_ALLOW_PRIVATE_WEBHOOKS=1 ALERTS_WEBHOOK_PORTS="80,443,$HOOK_PORT"
unset REDIS_URL

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
# Redis must be listening before the worker and beat start (a port taken by another socket makes it
# exit at once, which the worker would only show as refused connections).
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "Redis did not start on 127.0.0.1:$REDIS_PORT:"; cat "$WORK/redis.log"; exit 1
fi
# aiosmtpd makes the Maildir (tmp/new/cur) itself; it must not exist yet.
"$PY" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$WORK/mail" >"$WORK/smtp.log" 2>&1 &
PIDS+=($!)
# The webhook receiver: records each POST's signature, timestamp, delivery id and Host headers
# and its body.
"$PY" - "$HOOK_PORT" "$WORK/hooks.jsonl" >"$WORK/hook.log" 2>&1 <<'PYEOF' &
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
port, out = int(sys.argv[1]), sys.argv[2]
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(out, "a") as f:
            f.write(json.dumps({"sig": self.headers.get("X-Catalogue-Signature-256"),
                                "ts": self.headers.get("X-Catalogue-Timestamp"),
                                "delivery": self.headers.get("X-Catalogue-Delivery"),
                                "host": self.headers.get("Host"), "body": body.decode()}) + "\n")
        self.send_response(204)
        self.end_headers()
HTTPServer(("127.0.0.1", port), H).serve_forever()
PYEOF
PIDS+=($!)

echo "== migrate and load the catalogue"
"$PY" manage.py migrate --noinput -v0
"$PY" manage.py load_catalogue >/dev/null

echo "== a saved search, then a matching case published after it"
"$PY" manage.py shell -c "
from django.contrib.auth.models import User
from advisor import services
from advisor.models import SavedSearch
from products.models import Case, Product
from institutions.models import Region
user = User.objects.create_user('ci-rm', 'ci-rm@example.com', 'not-used-ci-password')
services.confirm_email(token=services.confirmation_token(user))  # as following the mailed link does
s = SavedSearch.objects.create(owner=user, name='CI 浙江案例', kind='cases', query='province=330000',
                               webhook_url='http://127.0.0.1:$HOOK_PORT/hook')
services.mark_seen(s, services.current_records(s))
p = Product.objects.published().filter(institution__isnull=False).first()
Case.objects.create(key='ci-alert-case', product=p, institution=p.institution, status='published',
                    province=Region.objects.get(code='330000'))
print('saved search', s.pk, 'secret', s.webhook_secret)
" | tee "$WORK/setup.txt"

echo "== worker and beat on Redis"
"$PY" -m celery -A config worker --pool=solo --loglevel=INFO >"$WORK/worker.log" 2>&1 &
PIDS+=($!)
"$PY" -m celery -A config beat --schedule "$WORK/beat-schedule" --loglevel=INFO >"$WORK/beat.log" 2>&1 &
PIDS+=($!)

for _ in $(seq 1 60); do
  if ls "$WORK"/mail/new/* >/dev/null 2>&1 && [ -s "$WORK/hooks.jsonl" ]; then break; fi
  sleep 1
done
sleep 6  # another beat tick: it must send nothing new

status=0
"$PY" - "$WORK" <<'PYEOF' || status=$?
import email, glob, hashlib, hmac, json, re, sys, time
work = sys.argv[1]
mails = sorted(glob.glob(f"{work}/mail/new/*"))
hooks = [json.loads(l) for l in open(f"{work}/hooks.jsonl")] if glob.glob(f"{work}/hooks.jsonl") else []
secret = re.search(r"secret (\S+)", open(f"{work}/setup.txt").read()).group(1)
assert len(mails) == 1, f"expected exactly one email, got {len(mails)}"
msg = email.message_from_binary_file(open(mails[0], "rb"))
body = msg.get_payload(decode=True).decode()
print("email:", email.header.make_header(email.header.decode_header(msg["Subject"])), "→", msg["To"])
assert "/unsubscribe/" in body and "/cases/" in body and msg["List-Unsubscribe"]
assert len(hooks) == 1, f"expected exactly one webhook, got {len(hooks)}"
# The receiver's check as documented: HMAC of "timestamp.body", a fresh timestamp, the delivery id
# signed inside the body.
hook = hooks[0]
want = "sha256=" + hmac.new(secret.encode(), f"{hook['ts']}.".encode() + hook["body"].encode(), hashlib.sha256).hexdigest()
assert hmac.compare_digest(hook["sig"], want), "webhook signature does not verify"
assert abs(time.time() - int(hook["ts"])) <= 300, "webhook timestamp outside the tolerance"
assert str(json.loads(hook["body"])["delivery"]) == hook["delivery"], "delivery id not in the signed body"
print("webhook: signature verified;", len(json.loads(hooks[0]["body"])["records"]), "record(s)")
PYEOF
if [ $status -ne 0 ]; then tail -n 30 "$WORK/worker.log" "$WORK/beat.log" "$WORK/smtp.log"; exit $status; fi
echo "== alerts end to end: OK"
