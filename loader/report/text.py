"""Text helpers for the monthly report: width/space normalisation, amounts, dates, page noise.

Pure Python (no Django): the parser must run on a text file alone.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

WS = re.compile(r"\s+")


def norm(line: str) -> str:
    """Full-width letters, digits and punctuation to half-width (NFKC), markdown bold dropped.

    Matching runs on this form; excerpts are cut from the raw line so they stay verbatim."""
    return unicodedata.normalize("NFKC", line).replace("**", "")


def squash(text: str) -> str:
    """All whitespace removed: PDF extraction puts spaces inside names and numbers."""
    return WS.sub("", text)


def collapse(text: str) -> str:
    return WS.sub(" ", text).strip()


# Longest names first so 新加坡元 is not read as 元.
CURRENCIES = {
    "人民币": "CNY",
    "元": "CNY",
    "美元": "USD",
    "港元": "HKD",
    "港币": "HKD",
    "欧元": "EUR",
    "日元": "JPY",
    "英镑": "GBP",
    "泰铢": "THB",
    "印尼盾": "IDR",
    "越南盾": "VND",
    "澳元": "AUD",
    "加元": "CAD",
    "新加坡元": "SGD",
    "新元": "SGD",
    "瑞士法郎": "CHF",
    "韩元": "KRW",
    "卢布": "RUB",
    "林吉特": "MYR",
    "新台币": "TWD",
    "澳门元": "MOP",
    "澳门币": "MOP",
    "迪拉姆": "AED",
    "坚戈": "KZT",
    "雷亚尔": "BRL",
    "兰特": "ZAR",
    "比索": "PHP",
    "卢比": "INR",
    "里拉": "TRY",
    "新西兰元": "NZD",
}
UNITS = {"千": Decimal(1000), "万": Decimal(10_000), "亿": Decimal(100_000_000), "万亿": Decimal(10**12)}
_CUR = "|".join(sorted(map(re.escape, CURRENCIES), key=len, reverse=True))
AMOUNT = re.compile(rf"(\d+(?:,\d{{3}})*(?:\.\d+)?)(万亿|千|万|亿)?(?:余)?({_CUR})(人民币)?")
# An amount after these words is a ceiling or a programme size, not the deal's amount.
NOT_THE_DEAL = re.compile(r"(最高|不超过|不高于|最多|上限|以上|以下|以内|超过|规模)$")


def amounts(text: str) -> list[tuple[Decimal, str, int]]:
    """Every money amount in the text as (value in currency units, ISO code, position).

    Works on the squashed, normalised text, so `1. 2亿元` and `100 万元` read as numbers."""
    flat = squash(norm(text))
    out = []
    for m in AMOUNT.finditer(flat):
        try:
            value = Decimal(m.group(1).replace(",", ""))
        except InvalidOperation:
            continue
        if m.group(2):
            value *= UNITS[m.group(2)]
        out.append(
            (value.normalize() if value == value.to_integral() else value, CURRENCIES[m.group(3)], m.start())
        )
    return out


def deal_amount(text: str) -> tuple[Decimal | None, str]:
    """The first amount that is not a ceiling (`最高300万元`) or a threshold."""
    flat = squash(norm(text))
    for value, currency, pos in amounts(text):
        if NOT_THE_DEAL.search(flat[max(0, pos - 4) : pos]):
            continue
        return _plain(value), currency
    return None, ""


def _plain(value: Decimal) -> Decimal:
    # 2.7E+5 → 270000: curated amounts are plain decimal strings.
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


DATE_FULL = re.compile(r"(?<!\d)(\d{4})年(\d{1,2})月(\d{1,2})[日号]")
DATE_NO_YEAR = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})[日号]")


def first_date(text: str, year: int | None) -> dt.date | None:
    """The first date with a day; a date without a year takes the issue's year; `6月中旬` → None."""
    flat = squash(norm(text))
    found = []
    for m in DATE_FULL.finditer(flat):
        found.append((m.start(), int(m.group(1)), int(m.group(2)), int(m.group(3))))
        break
    for m in DATE_NO_YEAR.finditer(flat):
        if year is not None:
            found.append((m.start(), year, int(m.group(1)), int(m.group(2))))
        break
    for _, y, mo, d in sorted(found):
        try:
            return dt.date(y, mo, d)
        except ValueError:
            continue
    return None


PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?\d{1,4}(\s*页)?(\s*/\s*(共\s*)?\d{1,4}\s*页?)?[-—–\s]*$")
SOURCE_LINE = re.compile(r"^(信息|数据|资料)来源")
SENTENCE_END = re.compile(r"[。!?;][\"”’)]?$")
STARTS_WITH_DATE = re.compile(r"^(\d{4}年)?\d{1,2}月(\d{1,2}[日号])?")


def excerpt(raw: str, limit: int = 80) -> str:
    """A verbatim slice of one raw line, whitespace collapsed, at most `limit` characters,
    cut at a sentence or clause end when one falls late enough."""
    text = collapse(raw.replace("\t", " "))
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for mark in "。;;,,":
        i = cut.rfind(mark)
        if i >= 30:
            return cut[:i]
    return cut
