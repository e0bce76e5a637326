"""Background jobs of the alerts: the daily digest (Celery beat) and webhook deliveries, retried
with exponential backoff. Each is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from advisor import services
from advisor.models import Delivery, SavedSearch

MAX_RETRIES = 5


DIGEST_RETRIES = 3


def _retry_later(search_id: int) -> None:
    """A search whose digest failed gets its own task, retried with backoff; inline (no broker)
    the next run is the retry, as a failure now would most likely fail again at once."""
    if not send_digest.app.conf.task_always_eager:
        send_digest.apply_async((search_id,), countdown=300)


def _deliver_later(delivery_id: int) -> None:
    """A digest's webhook goes out as its own task, retried with backoff (deliver_webhook)."""
    deliver_webhook.delay(delivery_id)


@shared_task(name="advisor.send_digests")
def send_digests() -> int:
    return services.run_all_digests(deliver=_deliver_later, on_failure=_retry_later)


@shared_task(bind=True, name="advisor.send_digest", max_retries=DIGEST_RETRIES)
def send_digest(self, search_id: int) -> int:  # noqa: ANN001 (Celery's bound task)
    """One search's digest (a retry after the daily run failed it); safe to run twice: what it
    reports is marked seen in the same transaction."""
    try:
        return len(services.run_digest(SavedSearch(pk=search_id), deliver=_deliver_later))
    except Exception as exc:
        if self.request.is_eager or self.request.retries >= DIGEST_RETRIES:
            raise
        # 10, 20, 40 minutes.
        raise self.retry(exc=exc, countdown=600 * 2**self.request.retries) from exc


@shared_task(bind=True, name="advisor.deliver_webhook", max_retries=MAX_RETRIES)
def deliver_webhook(self, delivery_id: int) -> str:  # noqa: ANN001 (Celery's bound task)
    delivery = Delivery.objects.select_related("search").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == Delivery.Status.SENT:
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
