"""Parsers per kind of table, reading a reader's Table rows: case tables (表1–表7: who did what,
when, for how much) become Cases, figure tables (表8: a bank's reported figures) become Metrics.

What a row's cells say is read here, whatever the layout was: the institution (completed from the
description when its cell lost a part), the product (the quoted name in the description when the
cell is empty), the date, the deal's amount and currency, the client (an organisation's name or
nothing) and the place."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from .layout import Row, Table
from .places import Gazetteer
from .records import Case, Metric, Report
from .sections import column_roles
from .text import collapse, deal_amount, excerpt, first_date, norm, squash

# A bank, written out or short (建行, 农发行), optionally with its branch.
BANK = re.compile(
    r"[\u4e00-\u9fff]{0,12}?(?:银行|农发行|农行|建行|工行|中行|交行|邮储|农商行|信用社|联社)"
    r"(?:[\u4e00-\u9fff]{1,10}?(?:分行|支行|营业部))?"
)
PRODUCT_NAME = re.compile(r"[\"“]([^\"“”]{2,16})[\"”]")
PRODUCT_END = re.compile(r"(贷|贷款|通|卡|宝|保|融|险|票|票据|债|账户|存|汇|付|链|盈|利|e|E)$")
CLIENT = re.compile(r"为(.{2,40}?)(?:发放|提供|办理|投放|开立|量身定制|授信|成功办理|开通)")
# A client is an organisation (or a named person's business): what its name ends in.
CLIENT_END = re.compile(
    r"(公司|集团|企业|医院|学校|大学|学院|合作社|中心|工厂|厂|商行|商店|门店|店|协会|研究院|研究所|"
    r"银行|政府|管委会|平台|农场|牧场|养殖场|民宿|酒店|项目|园区|基地|商户|个体工商户|供应商|客户)$"
)
FIGURES_CAPTION = re.compile(r"(规模动态|业务规模|经营数据|指标|发展情况)")


def is_figures(table: Table) -> bool:
    """A table of reported figures (表8) rather than of cases: its caption or header says so."""
    return bool(FIGURES_CAPTION.search(squash(table.caption))) or any("情况" in h for h in table.header)


def table_cases(report: Report, table: Table, places: Gazetteer) -> None:
    roles = column_roles(table.header)
    for k, row in enumerate(table.rows, start=1):
        cell = _cells_by_role(row, roles)
        description = collapse(cell.get("description", ""))
        institution = institution_as_written(cell.get("institution", ""), description)
        if not institution and not description:
            report.unparsed.append((row.line, " ".join(row.cells).strip()))
            continue
        product, descriptive = (
            _product(cell.get("product", ""), description) if "product" in roles else ("", False)
        )
        amount, currency = deal_amount(cell.get("amount") or description)
        province, city = case_places(places, institution, squash(description))
        report.cases.append(
            Case(
                **_row_source(row, cell, f"表{table.number} row {k}"),
                institution=institution,
                product=product,
                product_descriptive=descriptive,
                description=description,
                date=first_date(cell.get("date") or description, report.year),
                amount=amount,
                currency=currency,
                client=client_name(description),
                province=province,
                city=city,
            )
        )


def _cells_by_role(row: Row, roles: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for role, value in zip(roles, row.cells, strict=False):
        if value and role not in out:
            out[role] = value
    return out


def _row_source(row: Row, cell: dict[str, str], locator: str) -> dict[str, Any]:
    """Where a record read from a table row stands: its locator, the row's line and an excerpt."""
    return {"locator": locator, "line": row.line, "excerpt": _row_excerpt(row, cell.get("description", ""))}


def _row_excerpt(row: Row, description: str) -> str:
    ex = excerpt(row.excerpt_from or description)
    if len(squash(ex)) < 12:
        ex = excerpt(description) if len(squash(excerpt(description))) >= 12 else excerpt(" ".join(row.cells))
    return ex


def institution_as_written(cell: str, description: str) -> str:
    """The institution as written, spaces removed. A cell broken so that only its tail survived
    (`津分行`) or an empty one is completed from the bank the description names; a cell one
    character off a name the description writes (an OCR slip: 江苏官兴 for 江苏宜兴) takes the
    description's spelling."""
    name = squash(norm(cell))
    flat = squash(description)
    candidates = [m.group(0) for m in BANK.finditer(flat)]
    if name and BANK.fullmatch(name):
        return name if name in flat else _spelled_in(name, flat[:400])
    if name:
        for c in candidates:
            if c.endswith(name) or c.startswith(name):
                return c
        return name
    return candidates[0] if candidates else ""


def _spelled_in(name: str, flat: str) -> str:
    """The description's spelling of a name it writes one character differently (5+ characters)."""
    n = len(name)
    if n < 5:
        return name
    for i in range(len(flat) - n + 1):
        window = flat[i : i + n]
        if sum(x != y for x, y in zip(name, window, strict=True)) == 1 and BANK.fullmatch(window):
            return window
    return name


# Words about the deal, not the product: 首笔/首个… (the first of it), 上线/落地 (it happened).
DEAL_HEAD = re.compile(
    r"^(?:全国|全省|全市|辖内|该行|分行)?(?:首笔|首个|首单|首张|首台|首批|首款|首次|多笔|发放|上线|落地|推出)"
)
DEAL_TAIL = re.compile(r"(?:成功落地|成功上线|正式上线|落地|上线)$")
QUOTED = re.compile(r"[\"“]([^\"“”]{2,24})[\"”]")


def product_name(cell: str) -> str:
    """A product's name from its cell: spaces and quotes removed, and what the cell says about the
    deal rather than the product dropped (`首笔“临担-助业贷”业务` → 临担-助业贷, `首个养老机构资金监管
    平台` → 养老机构资金监管平台, `大零号湾专属科技金融品牌——“零动智融”` → 零动智融)."""
    flat = squash(norm(cell))
    if "——" in flat:
        flat = flat.rsplit("——", 1)[1]
    if "暨" in flat:
        flat = flat.rsplit("暨", 1)[1]
    quoted = QUOTED.search(flat)
    if quoted and re.fullmatch(r"(?:首笔|首个|首单|首款)?[\"“][^\"“”]+[\"”](?:业务|产品)?", flat):
        return quoted.group(1)  # the name in quotes, with words about the deal around it
    name = re.sub(r"[\"“”]", "", flat)
    name = DEAL_TAIL.sub("", DEAL_HEAD.sub("", name)) or name
    if name.endswith("业务") and re.search(r"(贷|贷款|通|卡|宝|保|票据|账户|链)$", name[:-2]):
        name = name[:-2]  # 银商保业务 is 银商保; 外卡取现业务 stays what it is
    return name


# What a description says was done (落地首笔…贷款, 推出全新的…业务): the product a row with an empty
# product cell is about, as a descriptive name.
DEAL_OBJECT = re.compile(
    r"(?:落地|推出|发放|办理|发行|上线|开立|实现|投放)(?:了|全新的|该行)?(?:[^,;:。]{0,10}?首(?:笔|单|个|款|张|台))?"
    r"(?P<name>[^,;:。、\"“”]{2,20}?(?:贷款|贷|业务|票据|账户|信用卡|卡|保险|债券|方案|平台|服务|功能|产品))"
)


def _product(cell: str, description: str) -> tuple[str, bool]:
    """(name, descriptive): the product cell's name; an empty cell takes the product the
    description names in quotes (`“民宿贷”`), else, as a descriptive name, what the description
    says was done (`落地首笔城市房地产融资协调机制贷款` → 城市房地产融资协调机制贷款)."""
    name = product_name(cell)
    if name:
        return name, False
    flat = squash(norm(description))
    for m in PRODUCT_NAME.finditer(flat):
        if PRODUCT_END.search(m.group(1)):
            return m.group(1), False
    m = DEAL_OBJECT.search(flat)
    if m:
        # Not the client, not the amount: `上海吉祥航空股份有限公司2亿元转型贷款` → 转型贷款
        name = re.sub(r"^.*?(?:有限责任公司|股份有限公司|有限公司|集团)", "", m.group("name"))
        name = re.sub(r"^(?:申领|办理|发放)", "", re.sub(r"[\d.,]+(?:万亿|亿|万|千)?(?:元|美元)", "", name))
        if len(name) >= 4:
            return product_name(name), True
    return "", False


def client_name(description: str) -> str:
    """The client the description names as an organisation (`为宿迁市某运动用品有限公司办理…`),
    or nothing: a clause (`授信依据,惠及…户,合计`) is not a client."""
    m = CLIENT.search(squash(norm(description)))
    if not m:
        return ""
    name = m.group(1)
    if re.search(r"[,;:。、()]", name) or not CLIENT_END.search(name):
        return ""
    return name


def case_places(places: Gazetteer, institution: str, description: str) -> tuple[str | None, str | None]:
    """Where the deal happened: the branch's place (`南京银行徐州分行` → 徐州, not 南京), then
    a city the description names inside that province, then the bank's own name (长沙银行)."""
    bank, sep, branch = institution.rpartition("行")
    branch_place = places.province_city(branch) if sep else (None, None)
    province = branch_place[0]
    desc_province, desc_city = places.province_city(description)
    if province is None:
        province, city = places.province_city(bank)
        if province is None:
            return desc_province, desc_city
        if desc_city and desc_province == province:
            return province, desc_city
        return province, city
    if desc_city and desc_province == province:
        return province, desc_city
    return branch_place


# ---------------------------------------------------------------- figure tables (表8)

FIGURE = re.compile(
    r"(\d+(?:,\d{3})*(?:\.\d+)?|(?<=[超破近逾达])[百千])(万亿|亿|万|千)?(元|美元|个百分点|%|BP|bp|个基点|户|家|笔|个)"
    r"|(?<=[超破近逾达])([百千])(万亿|亿|万)(?![元户家笔])"
)
UNIT_OF = {
    "元": "CNY",
    "美元": "USD",
    "个百分点": "pct-point",
    "%": "%",
    "BP": "bp",
    "bp": "bp",
    "个基点": "bp",
}
MAGNITUDE = {"万亿": 10**12, "亿": 10**8, "万": 10**4, "千": 10**3}
PERIOD = re.compile(r"(截至\d{4}年(?:\d{1,2}月|[一二三四]季度)?末|截至\d{1,2}月末|[一二三四]季度末?|全年)")


def _figure(m: re.Match, clause: str) -> tuple[Decimal, str]:
    """A figure's value in base units and its unit: 户 counts households, or accounts where the
    clause opens them (开户, 账户); 家/笔/个 count; 突破百万 is a million."""
    number, magnitude, unit = (
        (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), "")
    )
    value = Decimal({"百": "100", "千": "1000"}.get(number) or number.replace(",", ""))
    if magnitude:
        value *= MAGNITUDE[magnitude]
    if unit == "户" or (not unit and re.search(r"(户|账户)", clause)):
        return value, "accounts" if re.search(r"(开户|账户)", clause) else "households"
    if not unit:
        return value, "count"
    return value, UNIT_OF.get(unit, "count")


def table_metrics(report: Report, table: Table) -> None:
    """Figures of a figure table: each number with its unit, the words before it as the indicator."""
    roles = column_roles(table.header)
    for row in table.rows:
        cell = _cells_by_role(row, roles)
        text = squash(norm(cell.get("description", "")))
        institution = institution_as_written(cell.get("institution", ""), text)
        period_m = PERIOD.search(text)
        period = period_m.group(1) if period_m else ""
        k = 0
        prev_end = 0
        for m in FIGURE.finditer(text):
            if re.search(r"\d{4}年$", text[: m.start()]) or text[m.end() : m.end() + 1] in ("年", "月"):
                continue
            clause = re.split(r"[,;。:]", text[prev_end : m.start()])[-1]
            value, unit = _figure(m, clause)
            prev_end = m.end()
            # `制造业中长期贷款、战略性新兴产业贷款、绿色信贷余额均突破1,000亿元`: one figure each
            subjects = re.split(r"[、和及]", clause.split("均")[0]) if "均" in clause else [clause]
            for subject in subjects if len(subjects) > 1 else [clause]:
                k += 1
                report.metrics.append(
                    Metric(
                        **_row_source(row, cell, f"表{table.number} {institution} {k}"),
                        institution=institution,
                        indicator=subject,
                        value=value.quantize(Decimal(1)) if value == value.to_integral() else value,
                        unit=unit,
                        period=period,
                    )
                )
