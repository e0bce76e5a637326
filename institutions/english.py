"""English names of institutions that publish none of their own, and how each was obtained.

An institution's own English name (the bank's, the ministry's) is curator data in fixtures/ and
marked `official`. The rest are built here from what the catalogue already knows in English:

- a branch: its head office's English name, the places in its Chinese name (GB/T 2260 regions'
  English names, fixtures/regions.json) and Branch / Sub-branch as the name says 分行 / 支行
  ("兴业银行郑州分行" → "Industrial Bank Zhengzhou Branch");
- a government body: its standard English form, "Department of Finance of Jiangsu Province";
- a local bank or company: its place and a translation of its kind ("Yishui Rural Commercial Bank").

Such a name is `composed` when every part of it came from those tables, `transliterated` when any
part had to be spelt in pinyin for want of an English name ("Runchang Rural Commercial Bank"),
and a name with nothing recognisable is pinyin throughout. Nothing is guessed beyond
that: a composed name is a description in English, never presented as the institution's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

OFFICIAL, COMPOSED, TRANSLITERATED = "official", "composed", "transliterated"

# The end of a branch's name: what kind of office it is (longest first).
BRANCH_SUFFIXES = [
    ("营业管理部", "Operations Office"),
    ("中心支行", "Central Sub-branch"),
    ("监管局", "Office"),
    ("分行", "Branch"),
    ("支行", "Sub-branch"),
]
# Words that name a kind of body or part of a name, in their usual English.
WORDS = {
    "农村商业银行": "Rural Commercial Bank",
    "农商银行": "Rural Commercial Bank",
    "农商行": "Rural Commercial Bank",
    "农村信用社联合社": "Rural Credit Cooperative Union",
    "农信社": "Rural Credit Cooperatives",
    "商业银行": "Commercial Bank",
    "融资担保有限公司": "Financing Guarantee Co., Ltd.",
    "科技有限公司": "Technology Co., Ltd.",
    "有限公司": "Co., Ltd.",
    "科技服务集团": "Technology Services Group",
    "集团": "Group",
    "生物医药产业园": "Biomedical Industrial Park",
    "科技金融服务中心": "Sci-tech Finance Service Center",
    "高新技术产业开发区管理委员会": "High-tech Industrial Development Zone Administrative Committee",
    "高科技园区管委会": "Hi-tech Park Administrative Committee",
    "股权交易中心": "Equity Exchange Center",
    "金融学会": "Finance Society",
    "开发区": "Development Zone",
    "金融街": "Financial Street",
    "城市副中心": "City Sub-center",
    "首尔": "Seoul",
    "中国国际贸易促进委员会": "China Council for the Promotion of International Trade",
    "委员会": "Committee",
    "国家税务总局": "State Taxation Administration",
    "税务局": "Tax Service",
    "银行": "Bank",
}
# Government bodies: the Chinese ending → the English form around the place.
GOVERNMENT = {
    "人民政府": "People's Government of {place}",
    "人民政府办公厅": "General Office of the People's Government of {place}",
    "人民政府新闻办公室": "Information Office of the People's Government of {place}",
    "人民政府政务服务办公室": "Government Affairs Service Office of the People's Government of {place}",
    "人民政府国有资产监督管理委员会": "State-owned Assets Supervision and Administration Commission of "
    "the People's Government of {place}",
    "财政厅": "Department of Finance of {place}",
    "财政局": "Finance Bureau of {place}",
    "商务厅": "Department of Commerce of {place}",
    "发展和改革委员会": "Development and Reform Commission of {place}",
    "工业和信息化厅": "Department of Industry and Information Technology of {place}",
    "经济和信息化厅": "Department of Economy and Information Technology of {place}",
    "经济和信息化局": "Bureau of Economy and Information Technology of {place}",
    "科学技术厅": "Department of Science and Technology of {place}",
    "农业农村厅": "Department of Agriculture and Rural Affairs of {place}",
    "住房和城乡建设厅": "Department of Housing and Urban-Rural Development of {place}",
    "住房和城乡建设管理委员会": "Commission of Housing and Urban-Rural Development of {place}",
    "人力资源和社会保障厅": "Department of Human Resources and Social Security of {place}",
    "市场监督管理局": "Administration for Market Regulation of {place}",
    "地方金融管理局": "Local Financial Administration of {place}",
    "林业局": "Forestry Bureau of {place}",
    "房屋管理局": "Housing Administration of {place}",
    "规划和自然资源局": "Planning and Natural Resources Bureau of {place}",
    "营商环境建设局": "Business Environment Development Bureau of {place}",
    "高级人民法院": "Higher People's Court of {place}",
    "工商业联合会": "Federation of Industry and Commerce of {place}",
    "委": "CPC {bare} {adjective} Committee",
    "委金融委员会办公室": "Office of the Financial Commission of the CPC {bare} {adjective} Committee",
}
# Province-level regions whose formal English names carry more than the region's English name.
AUTONOMOUS_REGIONS = {
    "广西壮族自治区": "Guangxi Zhuang Autonomous Region",
    "宁夏回族自治区": "Ningxia Hui Autonomous Region",
    "新疆维吾尔自治区": "Xinjiang Uygur Autonomous Region",
    "内蒙古自治区": "Inner Mongolia Autonomous Region",
    "西藏自治区": "Tibet Autonomous Region",
}
LEVEL_SUFFIX = re.compile(r" (?:City|District|County|New Area)$")
HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Place:
    name: str  # as the Chinese name writes it: 浙江省, 衢州, 固阳县
    full_name: str
    name_en: str
    level: str  # province, city or district

    @property
    def bare(self) -> str:
        """Its English name without City / District / County: "Wujin" for 武进."""
        return LEVEL_SUFFIX.sub("", self.name_en)

    @property
    def in_name(self) -> str:
        """As a branch's name uses it: a county keeps "County" (固阳县支行 → Guyang County
        Sub-branch) when the Chinese writes 县; otherwise the bare name."""
        if self.name == self.full_name and self.name_en.endswith(" County"):
            return self.name_en
        return self.bare

    @property
    def formal(self) -> str:
        """As a government body's name uses it: Jiangsu Province, Beijing Municipality."""
        if self.full_name in AUTONOMOUS_REGIONS:
            return AUTONOMOUS_REGIONS[self.full_name]
        if self.level == "province":
            kind = "Province" if self.full_name.endswith("省") else "Municipality"
            return f"{self.name_en} {kind}" if self.full_name[-1] in "省市" else self.name_en
        if self.level == "city":
            return f"{self.bare} City"
        return self.name_en

    @property
    def adjective(self) -> str:
        if self.level != "province":
            return "Municipal"
        return "Provincial" if self.full_name.endswith("省") else "Municipal"


@dataclass(frozen=True)
class EnglishName:
    text: str
    method: str


def transliterate(text: str) -> str:
    """Pinyin of a run of Chinese characters, a capitalised word per word of pypinyin's phrase
    dictionary (longest first) and one word for the characters between them: 全国地方党委金融办 →
    "Quanguo Difang Dangwei Jinrong Ban", 润昌 → "Runchang"."""
    # Imported here: pypinyin's dictionaries are large and only loads of names need them.
    from pypinyin import lazy_pinyin
    from pypinyin.constants import PHRASES_DICT

    words, single, i = [], "", 0
    while i < len(text):
        size = next((n for n in (4, 3, 2) if text[i : i + n] in PHRASES_DICT), 1)
        if size == 1:
            single += text[i]
        else:
            words += [single] if single else []
            words.append(text[i : i + size])
            single = ""
        i += size
    words += [single] if single else []
    return " ".join("".join(lazy_pinyin(w)).capitalize() for w in words)


class Composer:
    """Composes English names from the regions' English names and the words above."""

    def __init__(self, regions: Iterable[tuple[str, str, str, str]]) -> None:
        """`regions`: (name, short_name, name_en, level) of every GB/T 2260 region."""
        self.places: dict[str, Place] = {}
        for name, short_name, name_en, level in regions:
            for written in (name, short_name):
                # A short name of one character (费 for 费县) would be found inside other words.
                if len(written) >= 2:
                    self.places.setdefault(written, Place(written, name, name_en, level))
        self.longest = max(map(len, [*self.places, *WORDS]), default=1)

    def tokens(self, text: str) -> list[tuple[str, str]]:
        """`text` as (English, kind) tokens, longest match first: kind is place, word or pinyin."""
        out: list[tuple[str, str]] = []
        i, pending = 0, ""
        while i < len(text):
            for size in range(min(self.longest, len(text) - i), 0, -1):
                chunk = text[i : i + size]
                if chunk in WORDS or chunk in self.places:
                    break
            else:
                pending += text[i]
                i += 1
                continue
            if pending:
                out.append(self._pinyin(pending))
                pending = ""
            out.append((WORDS[chunk], "word") if chunk in WORDS else (self.places[chunk].in_name, "place"))
            i += size
        if pending:
            out.append(self._pinyin(pending))
        return out

    @staticmethod
    def _pinyin(text: str) -> tuple[str, str]:
        text = text.strip("（）()· ")
        return (transliterate(text), "pinyin") if HAN.search(text) else (text, "word")

    def _joined(self, tokens: list[tuple[str, str]]) -> EnglishName:
        text = " ".join(t for t, _ in tokens if t)
        method = TRANSLITERATED if any(kind == "pinyin" for _, kind in tokens) else COMPOSED
        return EnglishName(text, method)

    def branch(self, name: str, head_names: Iterable[str], head_en: str) -> EnglishName | None:
        """A branch named "<head office><places><分行|支行…>" or "<place><head office>"."""
        for head in sorted(head_names, key=len, reverse=True):
            if head and name.startswith(head):
                rest = name[len(head) :]
                break
            if head and name.endswith(head) and len(name) > len(head):
                rest = name[: -len(head)] + "分行"  # 江门工商银行: the bank's office in 江门
                break
        else:
            return None
        suffix = ""
        for chinese, english in BRANCH_SUFFIXES:
            if rest.endswith(chinese):
                rest, suffix = rest[: -len(chinese)], english
                break
        parts = self.tokens(rest)
        return self._joined([(head_en, "word"), *parts, (suffix, "word")])

    def government(self, name: str) -> EnglishName | None:
        """A government body named "[中共]<places><body>" with a body of the GOVERNMENT table."""
        party = name.startswith("中共")
        rest = name[2:] if party else name
        places: list[Place] = []
        while True:
            for size in range(min(self.longest, len(rest)), 1, -1):
                if rest[:size] in self.places:
                    places.append(self.places[rest[:size]])
                    rest = rest[size:]
                    break
            else:
                break
        template = GOVERNMENT.get(rest)
        if not places or template is None or ("CPC" in template) != party:
            return None
        where = places[-1].formal + "".join(f", {p.bare}" for p in reversed(places[:-1]))
        text = template.format(place=where, bare=places[-1].bare, adjective=places[-1].adjective)
        return EnglishName(text, COMPOSED)

    def compose(self, name: str, *, head_names: Iterable[str] = (), head_en: str = "") -> EnglishName:
        """The English name of an institution called `name` (a branch of the head office known
        by `head_names` and called `head_en` in English, when it is one)."""
        # A body of a government first: 江苏省人民政府办公厅 belongs to 江苏省人民政府 but is no branch.
        found = self.government(name)
        if found is None and head_en:
            found = self.branch(name, head_names, head_en)
        return found or self._joined(self.tokens(name))
