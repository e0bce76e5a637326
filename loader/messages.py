"""What an import says, in every language of the site.

An import runs in a worker (or a command) whose language is not the curator's, and its log is read
later on a page in either language. So each line is written once per language when it is made
({"en": …, "zh-hans": …}) and the page picks its own. The reader's errors come from loader.report in
English; the known ones are put into words here (the parametrised ones by pattern), the rest shown as
they are."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.utils.translation import get_language, gettext, gettext_lazy, gettext_noop, override

Texts = dict[str, str]


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def in_all_languages(template: str, **params: Any) -> Texts:
    """`template` (an English msgid with %(name)s params) rendered in each language; params that are
    lazy (choice labels) are rendered in that language too."""
    out: Texts = {}
    for lang in languages():
        with override(lang):
            text = gettext(template)
            out[lang] = text % {k: str(v) for k, v in params.items()} if params else text
    return out


def shown(texts: Texts | str) -> str:
    """The text of an entry in the active language (an old plain-text entry as it is)."""
    if isinstance(texts, str):
        return texts
    lang = get_language() or settings.LANGUAGE_CODE
    for code in (lang, lang.split("-")[0], "en"):
        if code in texts:
            return texts[code]
    return next(iter(texts.values()), "")


# The reader's and parser's errors (loader/report, English), put into words in each language. The
# static ones are msgids as they are; a parametrised one is recognised by its msgid, each
# %(name)s read back from the message.
FILE_ERRORS_STATIC = [
    gettext_noop("the file is empty"),
    gettext_noop("the file is neither UTF-8 text nor a PDF"),
    gettext_noop(
        "the file is encoded in GBK/GB18030, not UTF-8: save it as UTF-8 (or upload the PDF) and try again"
    ),
    gettext_noop("no table rows (表1…表7) and no numbered policy items (第三章, 第五章) found"),
    gettext_noop("no title page with the issue's year and month (e.g. 2024年5月) at the top"),
    gettext_noop("no tables (表1…) and no chapters (第一章…): not an issue of the monthly report"),
    gettext_noop(
        "the PDF is encrypted (password-protected or with restricted permissions): save an unprotected "
        "copy, or upload the extracted text"
    ),
]
FILE_ERRORS_PARAMETRISED = [
    gettext_noop("the file is %(size)s MB, over the upload limit of %(limit)s MB"),
    gettext_noop(
        "the file ends early: the table of contents lists %(chapters)s but the text never reaches "
        "it (a truncated file?)"
    ),
    gettext_noop(
        "the PDF has %(pages)s page(s) but no text layer (a scan?): run OCR on it first, or upload "
        "the extracted text"
    ),
    gettext_noop(
        "%(bare)s of the PDF's %(pages)s pages are images with no text layer (a scan?): run OCR on it "
        "first, or upload the extracted text"
    ),
    gettext_noop(
        "%(caption)s on page %(page)s is an image with no text layer (a scan?): its rows cannot be "
        "read; upload a PDF with the table as text, or the extracted text"
    ),
]


def _as_pattern(template: str) -> re.Pattern[str]:
    """The English message `template` makes, with each %(name)s as a group of that name."""
    parts = re.split(r"%\((\w+)\)s", template)  # literal, name, literal, name, …, literal
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$")


FILE_ERRORS_PATTERNS = [(_as_pattern(template), template) for template in FILE_ERRORS_PARAMETRISED] + [
    # The English says more than these (the PDF library's error, why the text is unreadable), so
    # they are recognised by their start.
    (
        re.compile(r"^the PDF cannot be (opened|read); it is damaged or truncated"),
        gettext_noop("the PDF cannot be opened; it is damaged or truncated"),
    ),
    (
        re.compile(r"^the text layer is not readable \(mojibake\)"),
        gettext_noop(
            "the text layer is not readable (mojibake): export the PDF again with its fonts' character "
            "maps, or upload the extracted text"
        ),
    ),
]


def file_error(message: str) -> Texts:
    """A reader's English error in each language (as it is where no translation is known)."""
    for pattern, template in FILE_ERRORS_PATTERNS:
        m = pattern.match(message)
        if m:
            return in_all_languages(template, **m.groupdict())
    if message in FILE_ERRORS_STATIC:
        return in_all_languages(message)
    return {lang: message for lang in languages()}


# What an import counted, in words (ReportImport.counts keys).
COUNT_LABELS = {
    "case create": gettext_lazy("new cases"),
    "case update": gettext_lazy("changes to cases"),
    "policy create": gettext_lazy("new policy notices"),
    "policy update": gettext_lazy("changes to policy notices"),
    "failed": gettext_lazy("rows failed"),
    "flagged": gettext_lazy("drafts flagged"),
    "unparsed lines": gettext_lazy("lines not parsed"),
    "conflicts": gettext_lazy("conflicts"),
    "documents created": gettext_lazy("documents created"),
    "table lines": gettext_lazy("table lines"),
    "unplaced table lines": gettext_lazy("table lines not placed in a row"),
}


def count_items(counts: dict[str, int]) -> list[tuple[str, int]]:
    """(label, number) per count in the active language, in a stable order."""
    order = list(COUNT_LABELS)
    keys = sorted(counts, key=lambda k: (order.index(k) if k in order else len(order), k))
    return [(str(COUNT_LABELS.get(k, k)), counts[k]) for k in keys]
