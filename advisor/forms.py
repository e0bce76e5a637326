"""The firm profile a manager describes, validated once for the page and the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from advisor.matching import MAX_AMOUNT, MAX_READ_LENGTH, Profile, Reading, read_client
from institutions.models import Region
from institutions.selectors import regions_named
from products.models import Category, TermWord, Theme


def _words(vocabulary: str) -> list[tuple[str, str]]:
    return [(w.slug, w.display_name) for w in TermWord.objects.filter(vocabulary=vocabulary)]


class RegionField(forms.Field):
    """A region by GB/T 2260 code, full name or short name, at one level (the rule the loader uses)."""

    def __init__(self, level: str, **kwargs: Any) -> None:
        self.level = level
        super().__init__(required=False, widget=forms.TextInput, **kwargs)

    def to_python(self, value: Any) -> Region | None:
        value = str(value or "").strip()
        if not value:
            return None
        if len(value) > 60:
            raise forms.ValidationError(_("Too long."), code="invalid")
        found = regions_named(value, self.level)
        if len(found) != 1:
            raise forms.ValidationError(
                _("Unknown %(level)s: %(value)s") % {"level": Region.Level(self.level).label, "value": value},
                code="invalid",
            )
        return found[0]


class MatchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=MAX_READ_LENGTH,
        label=_("Describe the client in a sentence"),
        help_text=_(
            "Read into place, industry, size, labels, collateral, amount, term and themes; the rest is "
            "the need, matched against product texts. Fields given separately override what is read."
        ),
        widget=forms.Textarea(
            attrs={
                "rows": 2,
                "placeholder": "杭州一家做工业软件的专精特新小企业，想用知识产权质押贷500万，一年期",
            }
        ),
    )
    province = RegionField("province", label=_("Province"), help_text=_("Name or GB/T 2260 code"))
    city = RegionField("city", label=_("City"))
    industry = forms.ChoiceField(required=False, label=_("Industry (GB/T 4754)"))
    size = forms.ChoiceField(required=False, label=_("Firm size"))
    labels = forms.MultipleChoiceField(required=False, label=_("Labels"), widget=forms.CheckboxSelectMultiple)
    collateral = forms.MultipleChoiceField(
        required=False, label=_("Collateral available"), widget=forms.CheckboxSelectMultiple
    )
    amount = forms.DecimalField(
        required=False, min_value=0, max_value=MAX_AMOUNT, decimal_places=2, label=_("Amount (CNY)")
    )
    term_months = forms.IntegerField(required=False, min_value=1, max_value=600, label=_("Term (months)"))
    themes = forms.MultipleChoiceField(
        required=False, label=_("Purpose (themes)"), widget=forms.CheckboxSelectMultiple
    )
    category = forms.ChoiceField(required=False, label=_("Category"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Choices are read per form: the vocabularies live in the database (loaded from fixtures/).
        self.fields["industry"].choices = [("", "—"), *_words("industry_sections")]
        self.fields["size"].choices = [("", "—"), *_words("firm_sizes")]
        self.fields["labels"].choices = _words("firm_labels")
        self.fields["collateral"].choices = _words("collateral_types")
        self.fields["themes"].choices = [(t.slug, t.display_name) for t in Theme.objects.all()]
        self.fields["category"].choices = [("", "—")] + [
            (c.slug, c.display_name) for c in Category.objects.order_by("position", "slug")
        ]

    reading: Reading | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("q", "").strip():
            self.reading = read_client(
                data["q"],
                labels={c for c, _ in self.fields["labels"].choices},
                collateral={c for c, _ in self.fields["collateral"].choices},
                themes={c for c, _ in self.fields["themes"].choices},
            )
            # What the manager gave as a field overrides what the sentence said.
            r = self.reading
            given_place = data.get("province") or data.get("city")
            for name in ("industry", "size", "labels", "collateral", "amount", "term_months", "themes"):
                if data.get(name) in (None, "", []):
                    data[name] = getattr(r, name)
            if not given_place:
                data["province"], data["city"] = r.province, r.city
        province, city = data.get("province"), data.get("city")
        if city and province and city.parent_id != province.pk:
            self.add_error("city", _("This city is not in the chosen province."))
        elif city and not province:
            data["province"] = city.parent
        return data

    def profile(self) -> Profile:
        d = self.cleaned_data
        return Profile(
            province=d.get("province"),
            city=d.get("city"),
            industry=d.get("industry") or "",
            size=d.get("size") or "",
            labels=d.get("labels") or [],
            collateral=d.get("collateral") or [],
            amount=d.get("amount"),
            term_months=d.get("term_months"),
            themes=d.get("themes") or [],
            need=self.reading.need if self.reading else [],
            financing=self.reading.financing if self.reading else False,
            category=Category.objects.get(slug=d["category"]) if d.get("category") else None,
        )
