"""Product categories, themes, products and their cases (落地案例)."""

from __future__ import annotations

from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from catalogue.models import (
    Bilingual,
    Named,
    Publishable,
    PublishableQuerySet,
    SourceBase,
    Status,
    Vocabulary,
    modified_stamp,
    optional_foreign_key,
)
from catalogue.pinyin import PinyinSorted
from institutions.models import Institution, Placed, Region


class CategoryQuerySet(models.QuerySet):
    def subtree(self, category: Category | str) -> CategoryQuerySet:
        """The category (an object or a slug) and every category below it. The tree is small and
        shallow, so it is read once and walked here: one query, whatever the depth."""
        rows = list(Category.objects.values_list("id", "slug", "parent_id"))
        root = getattr(category, "pk", None) or next((i for i, s, _ in rows if s == category), None)
        ids, frontier = set(), {root} if root else set()
        while frontier:
            ids |= frontier
            frontier = {i for i, _, p in rows if p in frontier} - ids
        return self.filter(pk__in=ids)


class Category(Vocabulary):
    """A node of the small product-category tree; slugs are stable and used in URLs and the API."""

    parent = optional_foreign_key("self", related_name="children")

    objects = CategoryQuerySet.as_manager()

    class Meta(Vocabulary.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class Theme(Vocabulary):
    """One of the "five articles" (科技, 绿色, 普惠, 养老, 数字金融) that cut across categories."""

    class Meta(Vocabulary.Meta):
        verbose_name = _("theme")
        verbose_name_plural = _("themes")


def attach_case_counts(products: list[Product]) -> list[Product]:
    """Set `case_count` (published cases) on a page of products with one grouped query.

    Done after pagination, not as an annotation: PostgreSQL would evaluate a per-row count for
    every product before sorting, which on a million cases dominates the list."""
    counts = dict(
        Case.objects.filter(product__in=[p.pk for p in products], status=Status.PUBLISHED)
        .order_by()
        .values_list("product")
        .annotate(n=Count("id"))
        .values_list("product", "n")
    )
    for p in products:
        p.case_count = counts.get(p.pk, 0)
    return products


class ProductQuerySet(PublishableQuerySet):
    def for_listing(self) -> ProductQuerySet:
        """Joins a product list row needs, owned here so views and the API stay N+1-free."""
        return self.select_related("institution", "institution__head_office", "category").prefetch_related(
            "themes", "sources__document"
        )

    def with_terms(self) -> ProductQuerySet:
        """Prefetch the structured terms (the API and the comparison show them; lists do not)."""
        return self.prefetch_related(
            models.Prefetch(
                "terms", queryset=ProductTerm.objects.select_related("document", "province", "city")
            )
        )


class Product(PinyinSorted, Named, Publishable):
    """What an institution offers, named as the document writes it."""

    name = models.CharField(_("name"), max_length=120, db_index=True)
    # Pinyin sort key of name, derived on save (catalogue.pinyin): "Name" sorts use it.
    name_sort = models.CharField(_("sort key"), max_length=255, blank=True, editable=False, db_index=True)
    name_is_descriptive = models.BooleanField(
        _("descriptive name"),
        default=False,
        help_text=_("The document gives no name; this one describes it."),
    )
    institution = optional_foreign_key(Institution, related_name="products", verbose_name=_("institution"))
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="products", verbose_name=_("themes"))
    target_clients = models.CharField(_("target clients"), max_length=300, blank=True)
    collateral = models.CharField(_("collateral"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)

    objects = ProductQuerySet.as_manager()
    # Who changed which field when (admin, record pages, /api/v1/…/{id}/history/).
    history = HistoricalRecords(excluded_fields=["modified", "name_sort"])

    class Meta(Publishable.Meta):
        ordering = ["name_sort", "name", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")


class ProductSource(SourceBase):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="sources")


class CaseQuerySet(PublishableQuerySet):
    def for_listing(self) -> CaseQuerySet:
        """Joins a case list row needs; sources prefetched in one extra query per page."""
        return self.select_related(
            "institution",
            "institution__head_office",
            "product",
            "product__category",
            "province",
            "city",
        ).prefetch_related("sources__document")

    def for_list_page(self) -> CaseQuerySet:
        """The columns and joins a row of the /cases/ page shows (date, product and its category,
        institution, amount, places), and no others: no sources, no head office, no texts. At
        100,000 cases the full rows (`for_listing`) took a third of the page's time to fetch and
        build, mostly for columns the page never shows (a product's description, a case's
        summary). A field left out here and read by the template costs a query per row, which
        the list pages' query-count tests catch."""
        return self.select_related("product__category", "institution", "province", "city").only(
            "date",
            "amount",
            "currency",
            "milestone",
            "product__name",
            "product__category__name",
            "product__category__name_en",
            "institution__name",
            "institution__name_en",
            "province__name",
            "province__name_en",
            "city__name",
            "city__name_en",
        )


class Case(Publishable, Placed):
    """One dated use of a product at an institution (a 落地案例)."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="cases", verbose_name=_("product")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="cases", verbose_name=_("institution")
    )
    date = models.DateField(_("date"), null=True, blank=True, db_index=True)
    amount = models.DecimalField(_("amount"), max_digits=20, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True, help_text=_("ISO 4217"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True)
    client = models.CharField(_("client as described"), max_length=200, blank=True)
    milestone = models.CharField(
        _("first-of claim"), max_length=60, blank=True, help_text=_("e.g. 湖南省首笔")
    )
    summary = models.TextField(_("summary"), blank=True)

    objects = CaseQuerySet.as_manager()
    # Who changed which field when (admin, record pages, /api/v1/…/{id}/history/).
    history = HistoricalRecords(excluded_fields=["modified"])

    class Meta(Publishable.Meta):
        ordering = ["-date", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            *Publishable.Meta.indexes,
            models.Index(fields=["status", "-date"], name="case_status_date"),
            models.Index(fields=["province", "date"], name="case_province_date"),
            models.Index(fields=["amount"], name="case_amount"),
            # A product's latest case and its case count (product lists, sync) without a scan.
            models.Index(fields=["product", "status", "date"], name="case_product_status_date"),
            # Which products have published cases in a province or a city (the match ranking's case
            # evidence), read from the index alone, not from the cases.
            models.Index(
                fields=["province", "product"],
                condition=Q(status="published"),
                name="case_pub_province_product",
            ),
            models.Index(
                fields=["city", "product"], condition=Q(status="published"), name="case_pub_city_product"
            ),
            # (And on PostgreSQL four more for the match ranking and peer cases: migration 0010.)
        ]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="case_amount_non_negative",
                violation_error_message=_("The amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(currency__regex=r"^[A-Z]{3}$"),
                name="case_amount_has_currency",
                violation_error_message=_(
                    "An amount needs its currency as a three-letter ISO 4217 code (CNY)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} · {self.institution} · {self.date or '—'}"


class CaseSource(SourceBase):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sources")


class TermField(models.TextChoices):
    """The kinds of structured term (fixtures/SCHEMA.md, "Product terms"): a ProductTerm's `field`.
    Its `value` is a word of the vocabulary TERM_VOCABULARY names for the field, its numbers
    (amounts, months, rates) sit in `low`/`high`, a region in `province`/`city`."""

    PROGRAMME_KIND = "programme_kind", _("programme kind")
    RATE = "rate", _("rate")
    AMOUNT = "amount", _("amount limit")
    TERM = "term", _("term")
    PROGRAMME_SIZE = "programme_size", _("programme size")
    COLLATERAL = "collateral", _("collateral type")
    LABEL = "label", _("eligible firms")
    SIZE = "size", _("firm size")
    INDUSTRY = "industry", _("industry")
    REGION = "region", _("region served")
    CHANNEL = "channel", _("channel")
    SUPPORT = "support", _("policy support")


class ProductTerm(SourceBase):
    """One sourced value of a product's terms: a collateral type, a label, a rate, an amount limit…

    One table rather than one per field: every value carries the same provenance, the facets and
    the matcher read them by (field, value), and a product page shows them in one query. Numbers
    that belong to a value (a rate's range, a limit, months) sit in `low`/`high`; the few other
    details (a rate's kind and instrument, a subsidy's points, the policy key) in `detail`."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="terms")
    field = models.CharField(_("field"), max_length=20, choices=TermField.choices)
    value = models.CharField(
        _("value"), max_length=40, blank=True, help_text=_("A vocabulary slug, or empty for numbers")
    )
    low = models.DecimalField(_("from"), max_digits=20, decimal_places=4, null=True, blank=True)
    high = models.DecimalField(_("to"), max_digits=20, decimal_places=4, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    province = optional_foreign_key(Region, related_name="+", verbose_name=_("province"))
    city = optional_foreign_key(Region, related_name="+", verbose_name=_("city"))
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta(SourceBase.Meta):
        ordering = ["product", "field", "position"]
        indexes = [models.Index(fields=["field", "value"], name="productterm_field_value")]
        constraints = [
            *SourceBase.Meta.constraints,
            models.CheckConstraint(condition=Q(field__in=TermField.values), name="productterm_field_valid"),
        ]
        verbose_name = _("product term")
        verbose_name_plural = _("product terms")

    def __str__(self) -> str:
        return f"{self.product_id} · {self.field} · {self.value or self.low or ''}"


class TermWord(Bilingual):
    """A word of the terms vocabularies (collateral types, firm labels, programme kinds…), named in
    both languages by us (fixtures/terms/vocabularies.json), keyed by `ref` = "vocabulary:slug"."""

    ref = models.CharField(_("reference"), max_length=80, unique=True)
    vocabulary = models.CharField(_("vocabulary"), max_length=40)
    slug = models.CharField(_("slug"), max_length=40)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    modified = modified_stamp()

    class Meta:
        ordering = ["vocabulary", "position"]
        verbose_name = _("terms word")
        verbose_name_plural = _("terms words")


# Which vocabulary names the values of each term field.
TERM_VOCABULARY = {
    TermField.PROGRAMME_KIND: "programme_kinds",
    TermField.COLLATERAL: "collateral_types",
    TermField.LABEL: "firm_labels",
    TermField.SIZE: "firm_sizes",
    TermField.INDUSTRY: "industry_sections",
    TermField.CHANNEL: "channels",
    TermField.SUPPORT: "support_kinds",
    TermField.RATE: "rate_instruments",
}
