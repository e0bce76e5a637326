"""The `--dry-run --format json` preview of an import (issue 9 item 8): plain JSON, no database.

Resolution (institution → head office, place names → full region names) is injected, because the
one resolver lives with the loader; the parser itself only reports what is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

from .parser import Report


class Resolved(TypedDict):
    head_office: str | None
    province: str | None
    city: str | None


# resolve(institution as written or None, province as written or None, city as written or None)
Resolve = Callable[[str | None, str | None, str | None], Resolved]


def _no_resolver(institution: str | None, province: str | None, city: str | None) -> Resolved:
    return {"head_office": None, "province": province, "city": city}


def report_preview(report: Report, resolve: Resolve = _no_resolver) -> dict[str, Any]:
    cases = []
    for c in report.cases:
        r = resolve(c.institution or None, c.province, c.city)
        cases.append(
            {
                "locator": c.locator,
                "institution": c.institution,
                "head_office": r["head_office"],
                "province": r["province"],
                "city": r["city"],
                "product": c.product,
                "date": c.date.isoformat() if c.date else None,
                "amount": str(c.amount) if c.amount is not None else None,
                "currency": c.currency or None,
                "excerpt": c.excerpt,
            }
        )
    policies = []
    for p in report.policies:
        r = resolve(None, p.province, p.city)
        policies.append(
            {
                "locator": p.locator,
                "heading": p.heading,
                "document_title": p.document_title,
                "issuer": p.issuer,
                "level": p.level,
                "province": r["province"],
                "city": r["city"],
                "issued_date": p.issued_date.isoformat() if p.issued_date else None,
                "excerpt": p.excerpt,
            }
        )
    return {
        "document": {
            "title": report.title,
            "year": report.year,
            "month": report.month,
            "publisher": report.publisher,
        },
        "cases": cases,
        "policies": policies,
        "metrics": [
            {
                "locator": m.locator,
                "institution": m.institution,
                "indicator": m.indicator,
                "value": str(m.value),
                "unit": m.unit,
                "period": m.period,
                "excerpt": m.excerpt,
            }
            for m in report.metrics
        ],
        "unparsed": [{"line": no, "text": text} for no, text in report.unparsed],
    }
