"""One resolver for the names the documents, the curated files and partners use: institutions (full
name, alias, or a short name that names exactly one), places (GB/T 2260 names or codes; a city
implies its province), and the vocabularies (categories, themes, topics, documents). The fixture
loader, the report importer and partner submissions all resolve through it, so a name means the
same thing wherever it comes in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from catalogue.models import Document
from institutions.models import Institution, InstitutionAlias, Region
from institutions.selectors import regions_named
from policies.models import Topic
from products.models import Category, Theme


class CatalogueDataError(ValueError):
    """Input contradicts itself or the vocabularies; the message says where."""


class Resolver:
    """Turns the names used in the curated files into rows, or says exactly what is unknown."""

    def __init__(self) -> None:
        self.by_code = {r.code: r for r in Region.objects.all()}
        self._places: dict[tuple[str, str, int | None], list[Region]] = {}
        self.institutions: dict[str, Institution] = {}
        self.ambiguous: dict[str, list[str]] = {}
        self._institutions_loaded = False
        self.categories = {c.slug: c for c in Category.objects.all()}
        self.themes = {t.slug: t for t in Theme.objects.all()}
        self.topics = {t.slug: t for t in Topic.objects.all()}
        self.documents = {d.file_name: d for d in Document.objects.all()}

    def refresh_institutions(self) -> None:
        """Full names, then aliases, then short names that name exactly one institution; an
        ambiguous short name resolves to nothing (and says so) rather than to whichever came first."""
        self.institutions = {i.name: i for i in Institution.objects.all()}
        for a in InstitutionAlias.objects.select_related("institution"):
            self.institutions.setdefault(a.name, a.institution)
        by_short: dict[str, list[Institution]] = {}
        for i in Institution.objects.exclude(short_name=""):
            by_short.setdefault(i.short_name, []).append(i)
        self.ambiguous = {s: sorted(x.name for x in v) for s, v in by_short.items() if len(v) > 1}
        for short, found in by_short.items():
            if len(found) == 1:
                self.institutions.setdefault(short, found[0])
        self._institutions_loaded = True

    def institution(self, name: str | None, where: str) -> Institution | None:
        if not name:
            return None
        if not self._institutions_loaded:
            self.refresh_institutions()
        try:
            return self.institutions[name]
        except KeyError:
            if name in self.ambiguous:
                raise CatalogueDataError(
                    f"{where}: {name!r} is the short name of several institutions "
                    f"({', '.join(self.ambiguous[name])}); give the full name"
                ) from None
            raise CatalogueDataError(f"{where}: unknown institution {name!r}") from None

    def institution_as_written(self, name: str | None) -> tuple[Institution | None, bool]:
        """A name as a document writes it → (institution, exact). Exact: the full name, an alias, a
        unique short name, or a branch the catalogue holds under its canonical name (建行某市分行 finds
        中国建设银行某市分行). Otherwise the longest known name the written one starts with
        (交行张家界分行 → 交行 → 交通银行), so a branch the catalogue lacks still finds its bank;
        `exact` is then False and the caller decides what to do with the branch (see
        `branch_as_written`). An ambiguous short name is never a prefix match (it names no one bank)."""
        if not name:
            return None, False
        if not self._institutions_loaded:
            self.refresh_institutions()
        found = self.institutions.get(name)
        if found is not None:
            return found, True
        key = self._known_prefix(name)
        if key is None:
            return None, False
        parent = self.institutions[key]
        canonical = self.institutions.get(parent.name + name[len(key) :])
        if canonical is not None:
            return canonical, True
        return parent, False

    def branch_as_written(self, name: str | None) -> tuple[Institution, str] | None:
        """A branch the catalogue lacks → (the institution it belongs under, its canonical name): the
        known short name or alias it starts with replaced by that institution's full name
        (建行某市分行 → 中国建设银行某市分行), so a later issue writing either form finds one branch.
        None when the name is known as written, or when not even its bank is."""
        found, exact = self.institution_as_written(name)
        if found is None or exact:
            return None
        key = self._known_prefix(name or "")
        return found, found.name + (name or "")[len(key or "") :]

    def head_offices_named_in(self, text: str | None) -> set[int]:
        """Ids of the head offices of the known names written in `text`, a name inside a longer known one
        not counted (中国银行 inside 中国银行某分行 names one bank). Two or more: two institutions
        run together in one cell."""
        if not text:
            return set()
        if not self._institutions_loaded:
            self.refresh_institutions()
        spans: list[tuple[int, int, Institution]] = []
        for known, inst in self.institutions.items():
            if len(known) < 2:
                continue
            start = text.find(known)
            while start >= 0:
                spans.append((start, start + len(known), inst))
                start = text.find(known, start + 1)
        outer = [
            (a, b, i)
            for a, b, i in spans
            if not any(c <= a and b <= d and (d - c) > (b - a) for c, d, _j in spans)
        ]
        return {i.head_office_id or i.pk for _a, _b, i in outer}

    def _known_prefix(self, name: str) -> str | None:
        known = [k for k in self.institutions if name.startswith(k)]
        return max(known, key=len) if known else None

    def head_office(self, name: str | None) -> Institution | None:
        """The head office of the institution a written name resolves to (itself for a head office)."""
        found, _exact = self.institution_as_written(name)
        if found is None:
            return None
        return found.head_office or found

    def places_lenient(
        self, province: str | None, city: str | None, where: str = "report"
    ) -> dict[str, Region | None]:
        """Province and city as a document writes them; a city that does not resolve (or lies
        outside the province) is dropped rather than failing, and a province that does not resolve
        leaves both empty: the parser's guess is never stretched into a wrong place."""
        for rec in ({"province": province, "city": city}, {"province": province}):
            try:
                return self.places(rec, where)
            except CatalogueDataError:
                continue
        return {"province": None, "city": None, "district": None}

    def places(self, rec: dict[str, Any], where: str) -> dict[str, Region | None]:
        """province / city / district names → regions; a city or district implies its province."""
        province = city = district = None
        if rec.get("province"):
            province = self._find(rec["province"], "province", None, where)
        if rec.get("city"):
            city = self._find(rec["city"], "city", province, where)
            province = province or city.parent
        if rec.get("district"):
            district = self._find(rec["district"], "district", city or province, where)
            if district.parent.level == "city":
                city = city or district.parent
            province = province or self.by_code[district.province_code]
        return {"province": province, "city": city, "district": district}

    def _find(self, name: str, level: str, within: Region | None, where: str) -> Region:
        """A place name through the catalogue's one place rule (institutions.selectors.regions_named),
        each name looked up once per resolver."""
        key = (name, level, within.pk if within else None)
        if key not in self._places:
            self._places[key] = regions_named(name, level, within)
        found = self._places[key]
        if len(found) != 1:
            raise CatalogueDataError(f"{where}: {level} {name!r} matches {len(found)} regions")
        return found[0]

    def slugs(self, table: dict[str, Any], slugs: Iterable[str], what: str, where: str) -> list[Any]:
        out = []
        for s in slugs:
            if s not in table:
                raise CatalogueDataError(f"{where}: unknown {what} {s!r}")
            out.append(table[s])
        return out


def parse_date(value: str | None) -> dt.date | None:
    """An ISO date, or None for an empty value."""
    return dt.date.fromisoformat(value) if value else None
