"""Place names as written in the report → province / city names, from fixtures/regions.json.

The parser reports places as written (full names where the text allows); turning them into
region rows is the resolver's job. Read from the JSON file so the parser needs no database."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REGIONS = Path(__file__).resolve().parents[2] / "fixtures" / "regions.json"
MUNICIPALITIES = ("北京", "上海", "天津", "重庆")


@dataclass(frozen=True)
class Place:
    name: str
    level: str  # province / city / district
    province: str  # full name of the province it lies in


class Gazetteer:
    def __init__(self, regions: list[dict]) -> None:
        by_code = {r["code"]: r for r in regions}
        self.names: dict[str, Place] = {}
        for r in sorted(regions, key=lambda r: {"province": 0, "city": 1, "district": 2}[r["level"]]):
            prov = by_code.get(r["code"][:2] + "0000", r)["name"]
            place = Place(r["name"], r["level"], prov)
            self.names.setdefault(r["name"], place)
            short = r.get("short_name") or ""
            # Districts' short names (e.g. 城区, 新区) are too ambiguous to find in running text.
            if len(short) >= 2 and r["level"] != "district":
                self.names.setdefault(short, place)
        self.pattern = re.compile("|".join(sorted(map(re.escape, self.names), key=len, reverse=True)))

    def find_all(self, text: str) -> list[Place]:
        return [self.names[m.group(0)] for m in self.pattern.finditer(text)]

    def province_city(self, *texts: str) -> tuple[str | None, str | None]:
        """The first province and the first city (inside that province) named in the texts."""
        province = city = None
        for text in texts:
            for p in self.find_all(text or ""):
                if p.level == "province" and province is None:
                    province = p.name
                elif p.level in ("city", "district") and city is None and province in (None, p.province):
                    if p.level == "city":
                        city = p.name
                    province = province or p.province
            if city:
                break
        if province and province.startswith(MUNICIPALITIES):
            city = None  # a municipality has no city level of its own
        return province, city


@lru_cache(maxsize=4)
def gazetteer(path: Path = REGIONS) -> Gazetteer:
    return Gazetteer(json.loads(path.read_text(encoding="utf-8")))
