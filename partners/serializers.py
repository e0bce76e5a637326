"""Shapes of partner submissions: what a partner sends (checked for types and bounds here;
names resolved by partners.services) and what it reads back."""

from decimal import Decimal

from rest_framework import serializers

from partners.models import Submission

# ISO 4217 codes a Chinese SME financing case plausibly uses; others are refused as a likely typo.
CURRENCIES = [
    "CNY", "USD", "EUR", "HKD", "JPY", "GBP", "SGD", "AUD", "CAD", "CHF", "KRW", "MOP", "TWD", "NZD",
    "RUB", "THB", "MYR", "IDR", "VND", "PHP", "INR", "AED", "SAR", "BRL", "ZAR", "SEK", "NOK", "DKK",
]  # fmt: skip
MAX_AMOUNT = Decimal("1000000000000")  # 1 万亿 in currency units: larger is a unit mistake


class StrictText:
    """Text only: DRF's CharField turns a JSON number or boolean into a string (`"locator": 0`
    becomes "0"), which the schema (type string) says is invalid."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TextField(StrictText, serializers.CharField):
    pass


class SlugField(StrictText, serializers.SlugField):
    pass


class URLField(StrictText, serializers.URLField):
    pass


class AmountField(StrictText, serializers.DecimalField):
    """A decimal written as a JSON string, as the schema says (a JSON number would pass through
    binary floating point first)."""


class FlagField(serializers.BooleanField):
    """JSON true or false only: DRF's BooleanField also takes 0/1 and words."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class ProductInputSerializer(serializers.Serializer):
    name = TextField(max_length=120, help_text="The product's name as the institution writes it.")
    name_is_descriptive = FlagField(
        default=False, help_text="true when the product has no name and `name` describes it."
    )
    institution = TextField(
        max_length=120,
        help_text="The offering institution: full name, alias or short name of one in the catalogue "
        "(find it with /api/v1/institutions/?q=…).",
    )
    category = SlugField(max_length=60, help_text="Category slug (see /api/v1/categories/).")
    themes = serializers.ListField(
        child=SlugField(max_length=60),
        max_length=5,
        default=list,
        help_text="Theme slugs (see /api/v1/themes/).",
    )
    target_clients = TextField(max_length=300, allow_blank=True, default="")
    collateral = TextField(max_length=200, allow_blank=True, default="")
    description = TextField(max_length=5000, allow_blank=True, default="")


class CaseInputSerializer(serializers.Serializer):
    institution = TextField(
        max_length=120,
        allow_blank=True,
        default="",
        help_text="Who did the case (a branch, say); empty means the product's institution.",
    )
    date = serializers.DateField(help_text="Day of the case (YYYY-MM-DD), from 1990-01-01 to today.")
    amount = AmountField(
        max_digits=15,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT,
        allow_null=True,
        default=None,
        help_text="In currency units (27万 → 270000); needs `currency`.",
    )
    currency = serializers.ChoiceField(
        choices=CURRENCIES, allow_blank=True, default="", help_text="ISO 4217 code of the amount."
    )
    term_months = serializers.IntegerField(min_value=1, max_value=600, allow_null=True, default=None)
    client = TextField(max_length=200, allow_blank=True, default="", help_text="The client, described.")
    province = TextField(
        max_length=60,
        allow_blank=True,
        default="",
        help_text="GB/T 2260 code or name, e.g. 430000 or 湖南省.",
    )
    city = TextField(
        max_length=60, allow_blank=True, default="", help_text="GB/T 2260 code or name; implies its province."
    )
    district = TextField(max_length=60, allow_blank=True, default="", help_text="GB/T 2260 code or name.")
    milestone = TextField(
        max_length=60, allow_blank=True, default="", help_text="A 'first' claim, e.g. 湖南省首笔."
    )
    summary = TextField(max_length=5000, allow_blank=True, default="")


class SourceInputSerializer(serializers.Serializer):
    title = TextField(max_length=300, help_text="Title of the source (a notice, a report).")
    url = URLField(max_length=200, allow_blank=True, default="", help_text="Where it is published.")
    publisher = TextField(max_length=200, allow_blank=True, default="")
    part = TextField(max_length=40, allow_blank=True, default="", help_text="e.g. 第二节")
    locator = TextField(max_length=80, help_text="Where in the source, e.g. paragraph 3.")
    excerpt = TextField(min_length=12, max_length=80, help_text="12–80 characters, verbatim.")


class SubmissionInputSerializer(serializers.Serializer):
    """A product with its first case and the sources that state them."""

    product = ProductInputSerializer()
    case = CaseInputSerializer()
    sources = SourceInputSerializer(many=True, min_length=1, max_length=10)


class RecordRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()


class ResolvedSerializer(serializers.Serializer):
    product_institution = serializers.CharField(help_text="Full name the product institution resolved to.")
    case_institution = serializers.CharField()
    category = serializers.CharField()
    themes = serializers.ListField(child=serializers.CharField())
    province = serializers.CharField(allow_null=True, help_text="GB/T 2260 code")
    city = serializers.CharField(allow_null=True)
    district = serializers.CharField(allow_null=True)


class SubmissionSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        choices=Submission.Status.choices,
        read_only=True,
        help_text="draft (awaiting review), published or rejected (see `reason`).",
    )
    reason = serializers.CharField(read_only=True, help_text="Why it was rejected; empty otherwise.")
    product = RecordRefSerializer(
        read_only=True, allow_null=True, help_text="The published product (/api/v1/products/{id}/)."
    )
    case = RecordRefSerializer(read_only=True, allow_null=True, help_text="The published case.")
    submitted = SubmissionInputSerializer(source="payload", read_only=True, help_text="What you sent.")
    resolved = ResolvedSerializer(read_only=True, help_text="What your names and codes resolved to.")

    class Meta:
        model = Submission
        fields = [
            "id",
            "status",
            "reason",
            "product",
            "case",
            "submitted",
            "resolved",
            "created",
            "modified",
            "reviewed_at",
        ]
