"""Background jobs of the alerts: the daily digest (Celery beat) and webhook deliveries, retried
with exponential backoff. Each is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from advisor import services
from advisor.models import Delivery

MAX_RETRIES = 5


@shared_task(name="advisor.send_digests")
def send_digests() -> int:
    return services.run_all_digests()


@shared_task(bind=True, name="advisor.deliver_webhook", max_retries=MAX_RETRIES)
def deliver_webhook(self, delivery_id: int) -> str:  # noqa: ANN001 (Celery's bound task)
    delivery = Delivery.objects.select_related("search").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == "sent":
        return "nothing to do"
    if services.attempt_webhook(delivery):
        return "sent"
    if self.request.is_eager:
        # Inline mode (no broker, as in tests and `make run`): the retries run now, without waits.
        for _ in range(MAX_RETRIES):
            if services.attempt_webhook(delivery):
                return "sent"
        return "gave up"
    if self.request.retries >= MAX_RETRIES:
        return "gave up"
    # 30 s, 60 s, 120 s, … between tries.
    raise self.retry(countdown=30 * 2**self.request.retries)
