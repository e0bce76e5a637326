"""Parsers of the running text: numbered policy items (第三章第一节, 第五章) and products named in
prose (本期热点, 附录二)."""

from __future__ import annotations

import re

from catalogue.numerals import cn_number

from .layout import Line
from .places import Gazetteer
from .records import Policy, ProductMention, Report
from .sections import CHAPTER, CN, ITEM, SUB_ITEM
from .tables import BANK
from .text import SENTENCE_END, collapse, excerpt, first_date, squash

ISSUE_VERB = re.compile(
    r"(印发|发布|出台|召开|表示|制定|规范|力推|联合|举行|推出|修订|公布|审议|部署|开展|启动|印台)"
)
PRODUCT_NAME = re.compile(r"[\"“]([^\"“”]{2,16})[\"”]")
PRODUCT_END = re.compile(r"(贷|贷款|通|卡|宝|保|融|险|票|债|账户|存|汇|付|链|盈|利)$")


# ---------------------------------------------------------------- numbered policy items

LEVEL_OF_PLACE = {"province": "provincial", "city": "municipal", "district": "district"}


Item = tuple[int, Line, str, list[Line]]


def _numbered_items(report: Report, lines: list[Line]) -> list[Item]:
    """(number, heading line, heading, body lines) of each numbered item, in sequence; lines before
    the first item are unparsed."""
    items: list[Item] = []
    expected = 1
    for ln in lines:
        m = ITEM.match(ln.text)
        n = cn_number(m.group(1)) if m else None
        if m and n in (expected, expected + 1) and len(ln.text) <= 90 and not ln.text.endswith("。"):
            items.append((n, ln, m.group(2), []))
            expected = n + 1
        elif not items:
            report.unparsed.append((ln.no, ln.raw.strip()))
        else:
            _continue_item(items, ln)
    return items


def _continue_item(items: list[Item], ln: Line) -> None:
    n0, head, heading, body = items[-1]
    # A heading broken across lines: 《 still open, or a short tail right after it.
    if not body and (
        heading.count("《") > heading.count("》") or (len(ln.text) <= 12 and not SENTENCE_END.search(ln.text))
    ):
        items[-1] = (n0, head, heading + ln.text, body)
    else:
        body.append(ln)


def _lower_level(
    level: str, city: str | None, province: str, titles: list[str], places: Gazetteer
) -> tuple[str, str | None]:
    """A province issuing a district's or a city's document: the level is the lower one."""
    if titles:
        inner = places.find_all(titles[0][:6])
        if (
            inner
            and inner[0].province == province
            and inner[0].level != "province"
            and titles[0].startswith(tuple(k for k, v in places.names.items() if v == inner[0]))
        ):
            level = LEVEL_OF_PLACE[inner[0].level]
            if inner[0].level == "city":
                city = inner[0].name
    district_title = re.match(r"^[\u4e00-\u9fff]{2,4}[区县]", squash(titles[0])) if titles else None
    if district_title and level == "provincial":
        level = "district"
    return level, city


def _issuing_place(subject: str, titles: list[str], places: Gazetteer) -> tuple[str, str | None, str | None]:
    """(level, province, city) of the issuer a heading's subject names; central when no place."""
    found = places.find_all(subject)
    if not found:
        return "central", None, None
    p = found[0]
    city = p.name if p.level == "city" else None
    level, city = _lower_level(LEVEL_OF_PLACE[p.level], city, p.province, titles, places)
    if p.province and p.province.startswith(("北京", "上海", "天津", "重庆")):
        city = None
    return level, p.province, city


def _policy(report: Report, item: Item, part: str, places: Gazetteer) -> Policy:
    n, head, heading, body = item
    heading = collapse(heading)
    text = " ".join(b.text for b in body)
    titles = re.findall(r"《([^》]+)》", heading)
    subject = re.split(ISSUE_VERB, squash(heading), maxsplit=1)[0]
    subject = re.sub(r"等$", "", subject.split("《")[0])
    issuer = subject
    level, province, city = _issuing_place(subject, titles, places)
    found = places.find_all(subject)
    if found and squash(subject) in {p.name for p in found} | set(places.names):
        # The heading names a place (北京市印发…): the department its body names issued it.
        issuer = _issuer_in_body(text, subject) or issuer
    summary = collapse(body[0].text) if body else ""
    return Policy(
        locator=f"{part} {_cn(n)}",
        line=head.no,
        heading=heading,
        document_title=squash(titles[0]) if titles else "",
        issuer=issuer,
        level=level,
        province=province,
        city=city,
        issued_date=first_date(text[:400], report.year),
        summary=summary[:300],
        excerpt=_heading_excerpt(head),
    )


def policy_items(report: Report, lines: list[Line], part: str, places: Gazetteer, central: bool) -> None:
    """Numbered items (一、二、…): they run in sequence, so a nested 一、 inside an item's text
    is not taken for a new item."""
    for item in _numbered_items(report, lines):
        report.policies.append(_policy(report, item, part, places))


def _heading_excerpt(head: Line) -> str:
    ex = excerpt(head.raw)
    m = re.match(rf"^\s*[{CN}]+\s*[、,,.]\s*", ex)
    stripped = ex[m.end() :] if m else ex
    return stripped if len(squash(stripped)) >= 12 else ex


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


# ---------------------------------------------------------------- products named in prose


def _products_in(report: Report, lines: list[Line], locator) -> None:
    seen = {(p.locator, p.name) for p in report.products}
    for ln in lines:
        flat = squash(ln.text)
        for m in PRODUCT_NAME.finditer(flat):
            name = m.group(1)
            if not PRODUCT_END.search(name):
                continue
            loc = locator(ln)
            if (loc, name) in seen:
                continue
            seen.add((loc, name))
            banks = [b.group(0) for b in BANK.finditer(flat[: m.start()])]
            report.products.append(
                ProductMention(
                    locator=loc,
                    line=ln.no,
                    name=name,
                    institution=banks[-1] if banks else "",
                    excerpt=excerpt(ln.raw),
                )
            )


def hot_topics(report: Report, lines: list[Line]) -> None:
    start = next((i for i, ln in enumerate(lines) if squash(ln.text) == "本期热点"), None)
    if start is None:
        return
    chunk = []
    for ln in lines[start + 1 :]:
        flat = squash(ln.text)
        if flat in ("目录", "表录") or CHAPTER.match(ln.text):
            break
        chunk.append(ln)
    _products_in(report, chunk, lambda ln: "本期热点")


def appendix_two(report: Report, lines: list[Line], places: Gazetteer) -> None:
    start = next((i for i, ln in enumerate(lines) if re.match(r"^二\s*[、,.]", ln.text)), None)
    if start is None:
        return
    current = "附录二"
    chunk = []
    labels: dict[int, str] = {}
    for ln in lines[start + 1 :]:
        if ln.text in ("声明", "免责声明"):
            break
        m = SUB_ITEM.match(ln.text)
        if m and len(ln.text) < 60:
            current = f"附录二 ({m.group(1)})"
        labels[ln.no] = current
        chunk.append(ln)
    _products_in(report, chunk, lambda ln: labels[ln.no])


ORGAN = re.compile(
    r"((?:中共)?[\u4e00-\u9fff]{0,24}?(?:人民政府办公厅|人民政府办公室|人民政府|政府办公厅|办公厅|"
    r"委员会|监督管理局|管理局|财政厅|商务厅|[^,。;、]{0,2}厅|[^,。;、]{0,2}局|金融办|管委会))"
    r"(?:等\d*个?部门|联合[\u4e00-\u9fff、]{0,30}?)?(?:近日|日前|正式)?(?:印发|发布|出台|制定|公布|联合)"
)


def _issuer_in_body(text: str, place: str) -> str:
    """The first organ of the place that the item's body says issued it (北京市人民政府印发…)."""
    flat = squash(text)[:400]
    short = place.removesuffix("省").removesuffix("市")
    for m in ORGAN.finditer(flat):
        name = m.group(1)
        at = max(name.rfind(place), name.rfind(short)) if short else name.rfind(place)
        if at >= 0:
            return name[at:]
    return ""
