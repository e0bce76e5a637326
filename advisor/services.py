"""Saved searches and their alerts: which published records match, which are new, the daily
digest email and the signed webhook (with its delivery log); the account writes that guard them
(confirmed email addresses, password-reset mail) and the links that can be taken back (shortlist
shares, feed and unsubscribe tokens)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from advisor import limits, webhooks
from advisor.forms import MatchForm
from advisor.matching import match
from advisor.models import AccountEmail, Delivery, SavedSearch, SeenRecord, Shortlist, new_token
from advisor.validators import one_line
from products.filters import CaseFilter, ProductFilter
from products.models import Case, Product

MAX_RECORDS = 200
log = logging.getLogger(__name__)


def current_records(search: SavedSearch) -> list[Product | Case]:
    """The published records the saved search matches now, newest first."""
    params = QueryDict(search.query)
    if search.kind == SavedSearch.Kind.MATCH:
        form = MatchForm(params)
        return [m.product for m in match(form.profile())[0]] if form.is_valid() else []
    model, filterset = (
        (Product, ProductFilter) if search.kind == SavedSearch.Kind.PRODUCTS else (Case, CaseFilter)
    )
    fs = filterset(params, queryset=model.objects.published().select_related("institution"))
    if not fs.is_valid():
        return []
    return list(fs.qs.order_by("-created", "-id")[:MAX_RECORDS])


def _kind(record: Product | Case) -> str:
    return "case" if isinstance(record, Case) else "product"


def mark_seen(search: SavedSearch, records: list[Product | Case]) -> None:
    SeenRecord.objects.bulk_create(
        [SeenRecord(search=search, record_kind=_kind(r), record_id=r.pk) for r in records],
        ignore_conflicts=True,
    )


def new_records(search: SavedSearch) -> list[Product | Case]:
    seen = set(search.seen.values_list("record_kind", "record_id"))
    return [r for r in current_records(search) if (_kind(r), r.pk) not in seen]


def check_webhook_url(url: str) -> None:
    """ValidationError unless `url` is a webhook target we may POST to (advisor.webhooks)."""
    webhooks.resolve_target(url)


def record_data(record: Product | Case) -> dict[str, Any]:
    base = settings.SITE_URL.rstrip("/")
    if isinstance(record, Case):
        return {
            "type": "case",
            "id": record.pk,
            "key": record.key,
            "title": f"{record.product.name} · {record.institution.name}",
            "date": record.date.isoformat() if record.date else None,
            "url": f"{base}/cases/{record.pk}/",
            "api": f"{base}/api/v1/cases/{record.pk}/",
        }
    return {
        "type": "product",
        "id": record.pk,
        "key": record.key,
        "title": record.name + (f" · {record.institution.name}" if record.institution else ""),
        "url": f"{base}/products/{record.pk}/",
        "api": f"{base}/api/v1/products/{record.pk}/",
    }


def sign(secret: str, body: bytes, timestamp: str | None = None) -> str:
    """`sha256=` + HMAC-SHA256 of `timestamp.body` (of the body alone without a timestamp: only
    to show that it differs). The timestamp inside the signed text is what makes a captured
    delivery useless later: receivers refuse one older than their tolerance (five minutes)."""
    message = body if timestamp is None else timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


# Tests replace this with a fake taking the checked target, the body and the headers.
transport: Callable[[webhooks.Target, bytes, dict[str, str]], int] = webhooks.post


def attempt_webhook(delivery: Delivery) -> bool:
    """One try of a webhook delivery, logged; True when the target accepted it (2xx).

    The target is checked again at each try (the address may have changed since it was saved) and
    the connection goes to the address that was checked. What went wrong is kept for staff (admin)
    and the log; the owner is shown only "delivered" or "failed" (no response codes or socket
    errors, which would map the ports of whatever the address reaches)."""
    search = delivery.search
    # The delivery id inside the signed content: a receiver can refuse one it has already seen.
    body = json.dumps(
        {**delivery.payload, "delivery": delivery.pk}, ensure_ascii=False, sort_keys=True
    ).encode()
    delivery.attempts += 1
    delivery.response_code = None
    try:
        target = webhooks.resolve_target(search.webhook_url)
        timestamp = str(int(time.time()))
        code = transport(
            target,
            body,
            {
                "Content-Type": "application/json",
                "User-Agent": "sme-finance-catalogue-alerts",
                "X-Catalogue-Delivery": str(delivery.pk),
                "X-Catalogue-Timestamp": timestamp,
                "X-Catalogue-Signature-256": sign(search.webhook_secret, body, timestamp),
            },
        )
        delivery.response_code = code
        ok = 200 <= code < 300
        delivery.error = "" if ok else f"HTTP {code}"
    except ValidationError:
        ok, delivery.error = False, "target refused by the address check"
    except (OSError, http.client.HTTPException) as e:
        ok, delivery.error = False, f"{type(e).__name__}: {e}"[:300]
    if not ok:
        log.info("webhook delivery %s failed: %s", delivery.pk, delivery.error)
    delivery.status = Delivery.Status.SENT if ok else Delivery.Status.FAILED
    delivery.delivered = timezone.now() if ok else None
    delivery.save()
    return ok


def send_digest_email(search: SavedSearch, records: list[Product | Case]) -> Delivery:
    base = settings.SITE_URL.rstrip("/")
    unsubscribe = f"{base}/saved/{search.unsubscribe_token}/unsubscribe/"
    lines = [
        _("New records for your saved search “%(name)s”:") % {"name": search.name},
        "",
        *[f"- {d['title']}\n  {d['url']}" for d in map(record_data, records)],
        "",
        _("Feed: %(url)s") % {"url": f"{base}/saved/{search.token}/feed/"},
        _("Stop these emails: %(url)s") % {"url": unsubscribe},
    ]
    msg = EmailMessage(
        subject=_("[SME finance catalogue] %(n)d new for “%(name)s”")
        # one_line: names are validated at input, but a row stored before that must not make
        # Django refuse the header (BadHeaderError) nor inject one.
        % {"n": len(records), "name": one_line(search.name)},
        body="\n".join(lines),
        to=[search.owner.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>"},
    )
    msg.send()
    return Delivery.objects.create(
        search=search,
        channel=Delivery.Channel.EMAIL,
        payload={"to": search.owner.email, "records": [r.pk for r in records]},
        status=Delivery.Status.SENT,
        attempts=1,
        delivered=timezone.now(),
    )


def run_digest(search: SavedSearch, *, deliver: Callable[[int], Any]) -> list[Delivery]:
    """Report the search's new records once: mark them seen, send the email, and hand the webhook
    delivery's id to `deliver` once committed (the tasks pass one that queues deliver_webhook:
    services know no task, tasks call services)."""
    with transaction.atomic():
        # Lock the row so two overlapping runs cannot both report the same records.
        search = SavedSearch.objects.select_for_update().select_related("owner").filter(pk=search.pk).first()
        if search is None:  # deleted since the run listed it
            return []
        # Only to an address its owner confirmed: a digest cannot be pointed at a stranger. With
        # nowhere to send, nothing is marked seen: the owner gets it all once confirmed.
        by_email = search.email_alerts and email_confirmed(search.owner)
        if not by_email and not search.webhook_url:
            return []
        records = new_records(search)
        if not records:
            return []
        mark_seen(search, records)
        out = []
        if by_email:
            out.append(send_digest_email(search, records))
        if search.webhook_url:
            hook = Delivery.objects.create(
                search=search,
                channel=Delivery.Channel.WEBHOOK,
                payload={
                    "saved_search": {"name": search.name, "kind": search.kind, "query": search.query},
                    "records": [record_data(r) for r in records],
                },
            )
            out.append(hook)
            transaction.on_commit(lambda: deliver(hook.pk))
    return out


def run_all_digests(*, deliver: Callable[[int], Any], on_failure: Callable[[int], None] | None = None) -> int:
    """The daily run over every saved search with an alert; returns the deliveries made.

    Each search runs alone: one that fails (a bad row, the mail server refusing one message) is
    logged and handed to `on_failure` (the task schedules a retry) while the others are
    delivered. Its records stay unseen (run_digest rolled back), so the retry reports them."""
    n = 0
    ids = SavedSearch.objects.exclude(email_alerts=False, webhook_url="").values_list("pk", flat=True)
    for pk in list(ids):
        try:
            n += len(run_digest(SavedSearch(pk=pk), deliver=deliver))
        except Exception:
            log.exception("digest of saved search %s failed; the others go on", pk)
            if on_failure is not None:
                on_failure(pk)
    return n


# --- accounts: confirmed email addresses and password resets ---------------------------------

CONFIRM_SALT = "advisor.confirm-email"


def email_confirmed(user: AbstractBaseUser) -> bool:
    """Whether the account's current address is the one its owner confirmed."""
    email = getattr(user, "email", "")
    return bool(email) and AccountEmail.objects.filter(user=user, email__iexact=email).exists()


def confirmation_token(user: AbstractBaseUser) -> str:
    """Signed (SECRET_KEY) and timestamped: names the account and the address it confirms, so a
    link stops working when the address changes or ACCOUNTS_CONFIRM_MAX_AGE passes."""
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=CONFIRM_SALT, compress=True)


def send_confirmation(user: AbstractBaseUser) -> bool:
    """Mail the confirmation link, unless the address had its share of them today (the only mail
    an unconfirmed address can receive, so it is counted per address)."""
    if not user.email or not limits.hit(
        "confirm-address", user.email, settings.ACCOUNTS_SIGNUP_LIMITS["address"]
    ):
        return False
    link = f"{settings.SITE_URL.rstrip('/')}/accounts/confirm/{confirmation_token(user)}/"
    days = max(1, settings.ACCOUNTS_CONFIRM_MAX_AGE // 86400)
    EmailMessage(
        subject=_("[SME finance catalogue] Confirm your email address"),
        body="\n".join(
            [
                _("Someone (we hope you) signed up as %(username)s with this address.")
                % {"username": user.get_username()},
                _("To receive alerts here, open this link within %(days)d days and confirm:")
                % {"days": days},
                "",
                link,
                "",
                _("If it was not you, ignore this email: nothing more will be sent."),
            ]
        ),
        to=[user.email],
    ).send()
    return True


@transaction.atomic
def confirm_email(*, token: str) -> AbstractBaseUser:
    """Confirm the address a link names; ValidationError when the link is forged, expired, for an
    address the account no longer has, or for an address another account has confirmed."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.ACCOUNTS_CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(
            _("This confirmation link has expired. Sign in to get a new one."), code="expired"
        ) from None
    except signing.BadSignature:
        raise ValidationError(_("This confirmation link is not valid."), code="invalid") from None
    user = get_user_model().objects.select_for_update().filter(pk=data.get("u")).first()
    if user is None or user.email.lower() != data.get("e"):
        raise ValidationError(_("This confirmation link is not valid."), code="invalid")
    if AccountEmail.objects.filter(email__iexact=user.email).exclude(user=user).exists():
        raise ValidationError(_("Another account has confirmed this address."), code="taken")
    AccountEmail.objects.update_or_create(
        user=user, defaults={"email": user.email, "confirmed": timezone.now()}
    )
    return user


def reset_users(email: str) -> list[AbstractBaseUser]:
    """Active accounts with a usable password whose confirmed address is `email`."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, email__iexact=email, confirmed_email__email__iexact=email)
        .order_by("pk")
    )
    return [u for u in users if u.has_usable_password()]


def send_password_reset(*, email: str) -> bool:
    """One mail per address per window (ACCOUNTS_RESET_LIMITS["address"]), with a reset link for
    each account on it: never one mail per account, never to an unconfirmed address."""
    users = reset_users(email)
    if not users or not limits.hit("reset-address", email, settings.ACCOUNTS_RESET_LIMITS["address"]):
        return False
    base = settings.SITE_URL.rstrip("/")
    lines = [_("A password reset was asked for the accounts of this address."), ""]
    for user in users:
        path = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        lines += [f"{user.get_username()}: {base}{path}"]
    lines += ["", _("If you did not ask for it, ignore this email: your password stays as it is.")]
    EmailMessage(
        subject=_("[SME finance catalogue] Password reset"), body="\n".join(lines), to=[users[0].email]
    ).send()
    return True


# --- links that can be taken back: shortlist shares, feed and unsubscribe tokens ---------------


def shortlist_share(*, shortlist: Shortlist, share_notes: bool, expires: dt.datetime | None) -> Shortlist:
    """Share read-only by link (the current one), notes only when asked, until `expires` if given."""
    if expires is not None and expires <= timezone.now():
        raise ValidationError(_("Choose a date in the future."), code="past")
    shortlist.shared, shortlist.share_notes, shortlist.share_expires = True, share_notes, expires
    shortlist.save(update_fields=["shared", "share_notes", "share_expires", "modified"])
    return shortlist


def shortlist_revoke(*, shortlist: Shortlist) -> Shortlist:
    shortlist.shared = False
    shortlist.save(update_fields=["shared", "modified"])
    return shortlist


def shortlist_rotate(*, shortlist: Shortlist) -> Shortlist:
    """A new link; the old one stops working at once (whoever had it loses access)."""
    shortlist.token = new_token()
    shortlist.save(update_fields=["token", "modified"])
    return shortlist


ROTATABLE = {"feed": "token", "unsubscribe": "unsubscribe_token"}


def saved_search_rotate(*, search: SavedSearch, which: str) -> SavedSearch:
    """A new feed (`which="feed"`) or unsubscribe link; the old one answers 404 from now on."""
    field = ROTATABLE[which]
    setattr(search, field, new_token())
    search.save(update_fields=[field])
    return search
