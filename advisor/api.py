"""GET /api/v1/match/: a firm profile in (fields, or a sentence in `q`), ranked products with
reasons, peer cases and the policy notices that apply out."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.functional import lazy
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisor.forms import MatchForm
from advisor.matching import MAX_READ_LENGTH, Match, Reading, match, most_excluding, rules_text
from catalogue.api import conditional as cond
from catalogue.api.views import refuse_empty_params
from catalogue.versioning import catalogue_stamps, digest
from institutions.refs import institution_refs
from institutions.serializers import InstitutionRefSerializer
from products.serializers import CategoryRefSerializer, category_refs


class MatchSourceSerializer(serializers.Serializer):
    document = serializers.CharField(help_text="File name of the source document.")
    document_title = serializers.CharField(help_text="Title of the source document.")
    part = serializers.CharField()
    locator = serializers.CharField(help_text="Where in the document, e.g. 表1 row 2.")
    excerpt = serializers.CharField(help_text="Verbatim excerpt, 12–80 characters.")


class MatchProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    institution = InstitutionRefSerializer(allow_null=True)
    category = CategoryRefSerializer()


class MatchReasonSerializer(serializers.Serializer):
    criterion = serializers.CharField(
        help_text="region, collateral, labels, size, industry, amount, term, theme, category, need or programme."
    )
    outcome = serializers.ChoiceField(["pass", "fail", "unknown"])
    note = serializers.CharField(
        help_text="Where an unknown came from: case, institution, elsewhere, national, text, other-themes; or empty."
    )
    quote = serializers.CharField(
        help_text="The product's own words that suggested an unknown (note text); or empty."
    )
    source = MatchSourceSerializer(allow_null=True, help_text="The stated term that decided it, if any.")


class MatchCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product = serializers.IntegerField()
    institution = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    amount = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True, coerce_to_string=True)
    currency = serializers.CharField(allow_null=True)
    province = serializers.CharField(allow_null=True)
    city = serializers.CharField(allow_null=True)


class MatchPolicySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    heading = serializers.CharField()
    level = serializers.ChoiceField(["central", "provincial", "municipal", "district"])
    issued_date = serializers.DateField(allow_null=True)
    source = MatchSourceSerializer(allow_null=True)


class MatchResultSerializer(serializers.Serializer):
    product = MatchProductSerializer()
    score = serializers.FloatField()
    reasons = MatchReasonSerializer(many=True)
    cases = MatchCaseSerializer(many=True, help_text="Nearest peer cases, the client's province first.")
    policies = MatchPolicySerializer(
        many=True,
        help_text="Published notices whose region covers the client's place (national, its province or "
        "city) and whose topics, themes or categories meet the product's; newest first.",
    )


class MatchReadingSerializer(serializers.Serializer):
    province = serializers.CharField(allow_null=True, help_text="GB/T 2260 code read.")
    city = serializers.CharField(allow_null=True, help_text="GB/T 2260 code read.")
    industry = serializers.CharField(allow_null=True)
    size = serializers.CharField(allow_null=True)
    labels = serializers.ListField(child=serializers.CharField())
    collateral = serializers.ListField(child=serializers.CharField())
    amount = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True, coerce_to_string=True)
    term_months = serializers.IntegerField(allow_null=True)
    themes = serializers.ListField(child=serializers.CharField())
    need = serializers.ListField(
        child=serializers.CharField(), help_text="Phrases matched against product texts."
    )
    unread = serializers.ListField(child=serializers.CharField(), help_text="Words no vocabulary read.")


class MatchResponseSerializer(serializers.Serializer):
    results = MatchResultSerializer(many=True, help_text="Empty when the profile names nothing to rank by.")
    excluded = serializers.DictField(
        child=serializers.IntegerField(), help_text="Products excluded, per criterion."
    )
    excluded_most = serializers.CharField(
        allow_null=True, help_text="The criterion that excluded most products."
    )
    read = MatchReadingSerializer(allow_null=True, help_text="What `q` was read as; null without `q`.")


def _source(s: Any) -> dict[str, str] | None:
    if s is None:
        return None
    return {
        "document": s.document.file_name,
        "document_title": s.document.title,
        "part": s.part,
        "locator": s.locator,
        "excerpt": s.excerpt,
    }


def match_data(m: Match, version: str) -> dict[str, Any]:
    """One result as the schema states it. The institution and category are the references the
    API's lists write, held per catalogue version (institutions.refs), not a serializer per result."""
    p = m.product
    institution = None
    if p.institution_id is not None:
        institution = institution_refs.get(version, [p.institution_id])[p.institution_id]
    return {
        "product": {
            "id": p.pk,
            "name": p.name,
            "institution": institution,
            "category": category_refs.get(version, [p.category_id])[p.category_id],
        },
        "score": m.score,
        "reasons": [
            {
                "criterion": r.criterion,
                "outcome": r.outcome,
                "note": r.note,
                "quote": r.quote,
                "source": _source(r.source),
            }
            for r in m.reasons
        ],
        "cases": [
            {
                "id": c.pk,
                "product": c.product_id,
                "institution": c.institution.name,
                "date": c.date.isoformat() if c.date else None,
                "amount": str(c.amount) if c.amount is not None else None,
                "currency": c.currency or None,
                "province": c.province.name if c.province else None,
                "city": c.city.name if c.city else None,
            }
            for c in m.cases
        ],
        "policies": [
            {
                "id": pol.pk,
                "key": pol.key,
                "heading": pol.heading,
                "level": pol.level,
                "issued_date": pol.issued_date.isoformat() if pol.issued_date else None,
                "source": _source(next(iter(pol.sources.all()), None)),
            }
            for pol in m.policies
        ],
    }


def reading_data(r: Reading | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "province": r.province.code if r.province else None,
        "city": r.city.code if r.city else None,
        "industry": r.industry or None,
        "size": r.size or None,
        "labels": r.labels,
        "collateral": r.collateral,
        "amount": str(r.amount) if r.amount is not None else None,
        "term_months": r.term_months,
        "themes": r.themes,
        "need": r.need,
        "unread": r.unread,
    }


PARAMS = [
    OpenApiParameter(
        "q",
        str,
        description="The client in one sentence, e.g. 杭州一家做工业软件的专精特新小企业，想用知识产权质押贷500万，一年期. "
        "Read into place, industry, size, labels, collateral, amount, term and themes (see `read` in the "
        "response); the words no vocabulary reads are the need, matched against products' names, "
        f"descriptions and cases. Parameters below override what is read. At most {MAX_READ_LENGTH} characters.",
    ),
    OpenApiParameter("province", str, description="Province: name (浙江省) or GB/T 2260 code"),
    OpenApiParameter("city", str, description="City: name or GB/T 2260 code (implies its province)"),
    OpenApiParameter("industry", str, description="GB/T 4754-2017 section letter A–T"),
    OpenApiParameter("size", str, description="micro, small or medium"),
    OpenApiParameter("labels", str, many=True, description="Eligible-firm label slugs the firm has"),
    OpenApiParameter("collateral", str, many=True, description="Collateral type slugs the firm can offer"),
    OpenApiParameter("amount", OpenApiTypes.DECIMAL, description="CNY wanted"),
    OpenApiParameter("term_months", int, description="Months wanted"),
    OpenApiParameter("themes", str, many=True, description="Theme slugs (purpose)"),
    OpenApiParameter("category", str, description="Category slug (includes sub-categories)"),
]

DESCRIPTION = lazy(
    lambda: (
        "Products ranked for a firm's profile, each with a reason per criterion (`pass`, `fail` or "
        "`unknown`, with the source of the term that decided it), nearest peer cases and the policy "
        "notices that apply. A profile naming nothing gives no ranking (`results` empty). Responses carry "
        "ETag and Last-Modified; If-None-Match / If-Modified-Since give 304.\n\n" + rules_text()
    ),
    str,
)()


class MatchView(APIView):
    """Products ranked for a firm's profile (see the schema's description, which states the rules)."""

    # A profile naming an unknown region or vocabulary is a 400 problem; the schema documents it.
    validates_query = True
    form_class = MatchForm  # its field labels name the failed inputs in a problem's `detail`

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        refuse_empty_params(request)  # as every API list does: `size=` is a mistake, not "any"

    @extend_schema(
        description=DESCRIPTION,
        parameters=PARAMS,
        responses={200: MatchResponseSerializer, 304: OpenApiResponse(description="Not modified.")},
    )
    def get(self, request: Request) -> Response:
        # The answer changes only when the catalogue does: one query of indexed MAX(modified) gives
        # the version, so a repeated request costs that query and a 304.
        stamps = catalogue_stamps()
        last = max((v for v in stamps.values() if v), default=None)
        key = "|".join(
            [
                settings.SPECTACULAR_SETTINGS["VERSION"],
                "match",
                digest(stamps),
                request.accepted_renderer.media_type,
                get_language() or "",
                request.get_full_path(),
            ]
        )
        etag = f'W/"{hashlib.sha256(key.encode()).hexdigest()[:40]}"'
        # The answer per request and catalogue version, as the API's lists keep theirs: a manager
        # pages back, switches language or shares the link (API_RESPONSE_CACHE_SECONDS=0: off).
        # Only a valid request's answer is kept, so a hit needs no validation.
        seconds = settings.API_RESPONSE_CACHE_SECONDS
        data = cache.get(f"match:{etag}") if seconds else None
        if data is None:
            form = MatchForm(request.query_params)
            if not form.is_valid():
                raise exceptions.ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        early = cond.not_modified(request, etag=etag, last_modified=last)
        if early is not None:
            return early
        if data is None:
            version = digest(stamps)
            results, excluded = match(form.profile(), version=version)
            data = {
                "results": [match_data(m, version) for m in results],
                "excluded": dict(excluded),
                "excluded_most": most_excluding(excluded),
                "read": reading_data(form.reading),
            }
            if seconds:
                cache.set(f"match:{etag}", data, seconds)
        response = Response(data)
        cond.set_validators(response, etag=etag, last_modified=last)
        return response
