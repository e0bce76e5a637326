"""Pinyin sort keys: Chinese names sort by their reading (三 shan, 上 shang, 中 zhong, 专 zhuan),
not by code point. The key is stored on the row (`name_sort`) so both databases sort it with an
index, whatever their collation."""

from __future__ import annotations

from typing import Any

MAX_KEY = 255


def pinyin_key(text: str) -> str:
    """Each character's pinyin followed by its tone digit (1–5, 5 neutral), lower case, with
    other characters kept as they are: `三` → `san1`, `上` → `shang4`. The digit ends every
    syllable, and digits sort before letters in every collation (SQLite's binary order and
    PostgreSQL's locales alike, which would skip a space), so `shan…` comes before `shang…`."""
    # Imported here, not at module level: pypinyin's phrase dictionary costs ~50 MB per process,
    # and only processes that write names need it, not every web worker that reads them.
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(text or "", style=Style.TONE3, neutral_tone_with_five=True)
    return "".join(syllables).lower()[:MAX_KEY]


class PinyinSorted:
    """Mixin for a model with a `name_sort` column derived from `sort_source` on every save,
    including saves limited by `update_fields` (how the fixture loader writes changes)."""

    sort_source = "name"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_sort = pinyin_key(getattr(self, self.sort_source))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and self.sort_source in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_sort"}
        super().save(*args, **kwargs)
