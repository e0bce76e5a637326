"""Writes of the partners app: issuing and revoking API keys, and the submission workflow
(a partner submits → a curator publishes or rejects). Every write that touches more than one row
is atomic; validation errors name the failing field as a dotted path (`case.province`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.models import Document, Status
from institutions.models import Institution, Region
from institutions.places import check_places
from loader.resolve import CatalogueDataError, Resolver
from partners.models import ApiKey, Partner, Submission
from products.models import Case, CaseSource, Category, Product, ProductSource, Theme

# Keys of records created from submissions; curated fixtures never use this prefix.
KEY_PREFIX = "sub-"
EARLIEST_CASE_DATE = dt.date(1990, 1, 1)


# --- API keys ---------------------------------------------------------------------------------


def hash_key(raw: str) -> str:
    """SHA-256 is enough here: keys are long random tokens, not guessable passwords."""
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_issue(key: ApiKey) -> str:
    """Give an unsaved key its secret, save it, and return the raw key (never stored)."""
    prefix = secrets.token_hex(4)
    raw = f"{prefix}.{secrets.token_urlsafe(32)}"
    key.prefix, key.hashed_key = prefix, hash_key(raw)
    key.full_clean()
    key.save()
    return raw


def api_key_create(*, partner: Partner, name: str, scope: str = ApiKey.Scope.READ) -> tuple[ApiKey, str]:
    """A new key for `partner`; returns the row and the raw key to show once."""
    key = ApiKey(partner=partner, name=name, scope=scope)
    return key, api_key_issue(key)


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    """Revoked keys stay listed (for the audit trail) but no longer authenticate."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


# --- submissions ------------------------------------------------------------------------------


@dataclass
class Resolved:
    product_institution: Institution
    case_institution: Institution
    category: Category
    themes: list[Theme]
    places: dict[str, Region | None]

    def as_json(self) -> dict[str, Any]:
        return {
            "product_institution": self.product_institution.name,
            "case_institution": self.case_institution.name,
            "category": self.category.slug,
            "themes": [t.slug for t in self.themes],
            **{level: (r.code if r else None) for level, r in self.places.items()},
        }


def institution_by_name(name: str, resolver: Resolver | None = None) -> Institution | None:
    """The one rule every input follows (loader.resolve): full name, alias, or a short name
    that names exactly one institution."""
    try:
        return (resolver or Resolver()).institution(name, "submission")
    except CatalogueDataError:
        return None


Errors = dict[str, list[str]]


def _fail(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _fail_places(errors: Errors, exc: ValidationError) -> None:
    for field, messages in exc.message_dict.items():
        for message in messages:
            _fail(errors, f"case.{field}", message)


def _institutions(
    product: dict[str, Any], case: dict[str, Any], errors: Errors
) -> tuple[Institution | None, Institution | None]:
    """The product's institution and the case's (the product's unless the case names its own)."""
    product_institution = institution_by_name(product["institution"])
    if product_institution is None:
        _fail(
            errors,
            "product.institution",
            _("Unknown institution “%(name)s”: give its full name or alias.")
            % {"name": product["institution"]},
        )
    if not case.get("institution"):
        return product_institution, product_institution
    case_institution = institution_by_name(case["institution"])
    if case_institution is None:
        _fail(
            errors,
            "case.institution",
            _("Unknown institution “%(name)s”: give its full name or alias.") % {"name": case["institution"]},
        )
    return product_institution, case_institution


def _vocabularies(product: dict[str, Any], errors: Errors) -> tuple[Category | None, list[Theme]]:
    category = Category.objects.filter(slug=product["category"]).first()
    if category is None:
        _fail(
            errors, "product.category", _("Unknown category slug “%(slug)s”.") % {"slug": product["category"]}
        )
    wanted_themes = list(dict.fromkeys(product.get("themes") or []))
    themes = list(Theme.objects.filter(slug__in=wanted_themes))
    unknown = sorted(set(wanted_themes) - {t.slug for t in themes})
    if unknown:
        _fail(
            errors, "product.themes", _("Unknown theme slug(s): %(slugs)s.") % {"slugs": ", ".join(unknown)}
        )
    return category, themes


def _why_not_here(resolver: Resolver, places: dict, level: str, written: str, errors: Errors) -> None:
    """A place that does not resolve with the others: if it is known on its own, the shared place
    rule says where it is not; otherwise it is no GB/T 2260 code or name."""
    try:
        alone = resolver.places({level: written}, "case")[level]
        check_places(**(places | {level: alone}))
    except CatalogueDataError:
        pass
    except ValidationError as exc:
        _fail_places(errors, exc)
        return
    _fail(
        errors,
        f"case.{level}",
        _("“%(value)s” is not a GB/T 2260 code or name of a %(level)s here.")
        % {"value": written, "level": Region.Level(level).label},
    )


def _places(case: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """Regions by GB/T 2260 code or name, with the loader's own rules (a city implies its province)."""
    resolver, places, rec = Resolver(), {"province": None, "city": None, "district": None}, {}
    for level in ("province", "city", "district"):
        if not case.get(level):
            continue
        rec[level] = case[level]
        try:
            places = resolver.places(rec, "case")
        except CatalogueDataError:
            _why_not_here(resolver, places, level, case[level], errors)
            return places
    try:
        check_places(places["province"], places["city"], places["district"])
    except ValidationError as exc:
        _fail_places(errors, exc)
    return places


def _case_facts(case: dict[str, Any], errors: Errors) -> None:
    date = dt.date.fromisoformat(case["date"]) if case.get("date") else None
    if date and not EARLIEST_CASE_DATE <= date <= timezone.localdate():
        _fail(
            errors,
            "case.date",
            _("Must be between %(earliest)s and today.") % {"earliest": EARLIEST_CASE_DATE},
        )
    if case.get("amount") not in (None, "") and not case.get("currency"):
        _fail(errors, "case.currency", _("An amount needs its ISO 4217 currency."))


def _resolve(payload: dict[str, Any]) -> Resolved:
    """Names and codes in a submission → catalogue rows; every failure is reported, by field."""
    product, case = payload["product"], payload["case"]
    errors: Errors = {}
    product_institution, case_institution = _institutions(product, case, errors)
    category, themes = _vocabularies(product, errors)
    places = _places(case, errors)
    _case_facts(case, errors)
    if errors:
        raise ValidationError(errors)
    return Resolved(product_institution, case_institution, category, themes, places)


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


@transaction.atomic
def submission_create(*, key: ApiKey, data: dict[str, Any]) -> Submission:
    """Store a partner's product (with its first case and sources) as a draft for review.

    `data` is the shape-checked input ({product, case, sources}); references are resolved here.
    """
    if not key.allows(ApiKey.Scope.SUBMIT):
        raise PermissionDenied(_("This API key has no submit scope."))
    payload = _jsonable(data)
    resolved = _resolve(payload)
    return Submission.objects.create(
        partner=key.partner, api_key=key, payload=payload, resolved=resolved.as_json()
    )


def _document(source: dict[str, Any], partner: Partner) -> Document:
    name = source.get("url") or f"partner-{partner.pk}: {source['title']}"
    document, _ = Document.objects.get_or_create(
        file_name=name[:200],
        defaults={
            "title": source["title"][:300],
            "publisher": (source.get("publisher") or partner.name)[:200],
            "kind": "partner",
        },
    )
    return document


@transaction.atomic
def submission_publish(*, submission: Submission, reviewer: AbstractBaseUser | None) -> Submission:
    """Create the published product, its case and their sources from a draft submission.

    Names are resolved again now, so a submission reviewed later uses the catalogue as it is.
    """
    sub = Submission.objects.select_for_update().select_related("partner").get(pk=submission.pk)
    if sub.status != Submission.Status.DRAFT:
        raise ValidationError(f"submission #{sub.pk} is {sub.status}; only drafts can be published")
    payload, r = sub.payload, _resolve(sub.payload)
    p, c = payload["product"], payload["case"]

    product = Product(
        key=f"{KEY_PREFIX}{sub.pk}",
        status=Status.PUBLISHED,
        name=p["name"],
        name_is_descriptive=bool(p.get("name_is_descriptive")),
        institution=r.product_institution,
        category=r.category,
        target_clients=p.get("target_clients") or "",
        collateral=p.get("collateral") or "",
        description=p.get("description") or "",
    )
    product.full_clean()
    product.save()
    product.themes.set(r.themes)
    case = Case(
        key=f"{KEY_PREFIX}{sub.pk}-1",
        status=Status.PUBLISHED,
        product=product,
        institution=r.case_institution,
        date=dt.date.fromisoformat(c["date"]) if c.get("date") else None,
        amount=Decimal(c["amount"]) if c.get("amount") not in (None, "") else None,
        currency=c.get("currency") or "",
        term_months=c.get("term_months"),
        client=c.get("client") or "",
        milestone=c.get("milestone") or "",
        summary=c.get("summary") or "",
        **r.places,
    )
    case.full_clean()
    case.save()
    # The partner's sources back both records: the product exists because this case happened.
    for source in payload["sources"]:
        fields = {
            "document": _document(source, sub.partner),
            "part": (source.get("part") or "submission")[:40],
            "locator": source["locator"],
            "excerpt": source["excerpt"],
        }
        ProductSource.objects.create(product=product, **fields)
        CaseSource.objects.create(case=case, **fields)

    sub.status, sub.product, sub.case = Submission.Status.PUBLISHED, product, case
    sub.resolved, sub.reviewed_by, sub.reviewed_at = r.as_json(), reviewer, timezone.now()
    sub.save()
    return sub


@transaction.atomic
def submission_reject(
    *, submission: Submission, reviewer: AbstractBaseUser | None, reason: str
) -> Submission:
    """Close a draft without publishing; the partner reads the reason through the API."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["say why the submission is rejected"]})
    sub = Submission.objects.select_for_update().get(pk=submission.pk)
    if sub.status != Submission.Status.DRAFT:
        raise ValidationError(f"submission #{sub.pk} is {sub.status}; only drafts can be rejected")
    sub.status, sub.reason = Submission.Status.REJECTED, reason
    sub.reviewed_by, sub.reviewed_at = reviewer, timezone.now()
    sub.save()
    return sub
