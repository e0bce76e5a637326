"""GET /api/v1/match/: a firm profile in, ranked products with reasons, peer cases and support out."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisor.forms import MatchForm
from advisor.matching import Match, match, most_excluding
from catalogue.api.views import refuse_empty_params
from institutions.serializers import InstitutionRefSerializer
from products.serializers import CategoryRefSerializer
from products.terms import source


def match_data(m: Match) -> dict[str, Any]:
    p = m.product
    return {
        "product": {
            "id": p.pk,
            "name": p.name,
            "institution": InstitutionRefSerializer(p.institution).data if p.institution else None,
            "category": CategoryRefSerializer(p.category).data,
        },
        "score": m.score,
        "reasons": [
            {"criterion": r.criterion, "outcome": r.outcome, "source": source(r.source) if r.source else None}
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
            }
            for pol in m.policies
        ],
    }


PARAMS = [
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


class MatchView(APIView):
    """Products ranked for a firm's profile, each with a reason per criterion (`pass`, `fail` or
    `unknown`, with the source of the term that decided it), nearest peer cases (same province
    first) and the policy support that applies. The rules are those written on /match/."""

    # A profile naming an unknown region or vocabulary is a 400 problem; the schema documents it.
    validates_query = True

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        refuse_empty_params(request)  # as every API list does: `size=` is a mistake, not "any"

    @extend_schema(
        parameters=PARAMS,
        responses={
            200: inline_serializer(
                "MatchResponse",
                {
                    "results": serializers.ListField(child=serializers.DictField()),
                    "excluded": serializers.DictField(
                        child=serializers.IntegerField(), help_text="Products excluded, per criterion."
                    ),
                    "excluded_most": serializers.CharField(
                        allow_null=True, help_text="The criterion that excluded most products."
                    ),
                },
            ),
        },
    )
    def get(self, request: Request) -> Response:
        form = MatchForm(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        results, excluded = match(form.profile())
        return Response(
            {
                "results": [match_data(m) for m in results],
                "excluded": dict(excluded),
                "excluded_most": most_excluding(excluded),
            }
        )
