"""Build fixtures/regions.json from the GB/T 2260 codes shipped in the cpca package (MIT).

Run once by a maintainer when the code list changes:
    pip download --no-deps cpca==0.5.5 && unzip cpca-*.whl && pip install pypinyin
    python scripts/build_regions.py cpca/resources/adcodes.csv > fixtures/regions.json
Province-level English names are the official ones; prefecture names are pinyin of the stem;
county-level names are pinyin of the stem with the kind in English.
"""

import csv
import json
import re
import sys

from pypinyin import lazy_pinyin

PROVINCE_EN = {
    "11": "Beijing",
    "12": "Tianjin",
    "13": "Hebei",
    "14": "Shanxi",
    "15": "Inner Mongolia",
    "21": "Liaoning",
    "22": "Jilin",
    "23": "Heilongjiang",
    "31": "Shanghai",
    "32": "Jiangsu",
    "33": "Zhejiang",
    "34": "Anhui",
    "35": "Fujian",
    "36": "Jiangxi",
    "37": "Shandong",
    "41": "Henan",
    "42": "Hubei",
    "43": "Hunan",
    "44": "Guangdong",
    "45": "Guangxi",
    "46": "Hainan",
    "50": "Chongqing",
    "51": "Sichuan",
    "52": "Guizhou",
    "53": "Yunnan",
    "54": "Tibet",
    "61": "Shaanxi",
    "62": "Gansu",
    "63": "Qinghai",
    "64": "Ningxia",
    "65": "Xinjiang",
    "71": "Taiwan",
    "81": "Hong Kong",
    "82": "Macao",
}
PROVINCE_SHORT = {
    "11": "北京",
    "12": "天津",
    "13": "河北",
    "14": "山西",
    "15": "内蒙古",
    "21": "辽宁",
    "22": "吉林",
    "23": "黑龙江",
    "31": "上海",
    "32": "江苏",
    "33": "浙江",
    "34": "安徽",
    "35": "福建",
    "36": "江西",
    "37": "山东",
    "41": "河南",
    "42": "湖北",
    "43": "湖南",
    "44": "广东",
    "45": "广西",
    "46": "海南",
    "50": "重庆",
    "51": "四川",
    "52": "贵州",
    "53": "云南",
    "54": "西藏",
    "61": "陕西",
    "62": "甘肃",
    "63": "青海",
    "64": "宁夏",
    "65": "新疆",
    "71": "台湾",
    "81": "香港",
    "82": "澳门",
}
SKIP = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
ETHNIC = re.compile(r"(.{2,}?)((?:[\u4e00-\u9fff]{1,4}?族)+)?(自治州|地区|盟|市)$")


def city_names(name: str) -> tuple[str, str]:
    m = ETHNIC.match(name)
    stem, suffix = (m.group(1), m.group(3)) if m else (name, "")
    en = "".join(lazy_pinyin(stem)).capitalize()
    en += {"自治州": " Prefecture", "地区": " Prefecture", "盟": " League"}.get(suffix, "")
    return stem, en


COUNTY_EN = {
    "自治县": " Autonomous County",
    "自治旗": " Autonomous Banner",
    "新区": " New Area",
    "林区": " Forest District",
    "特区": " Special District",
    "区": " District",
    "县": " County",
    "市": " City",
    "旗": " Banner",
}


def county_names(name: str) -> tuple[str, str]:
    """(short name, English name) of a county-level region: the stem (without an autonomous
    county's nationalities) and its pinyin with the kind in English."""
    m = re.match(r"(.+?)(自治县|自治旗|新区|林区|特区|区|县|市|旗)$", name)
    stem, suffix = (m.group(1), m.group(2)) if m else (name, "")
    if suffix.startswith("自治"):
        m = re.match(r"(.{2,}?)(?:[\u4e00-\u9fff]{1,3}?族)+$", stem)
        stem = m.group(1) if m else stem
    return stem if len(stem) > 1 else name, "".join(lazy_pinyin(stem)).capitalize() + COUNTY_EN.get(
        suffix, ""
    )


def region(r: dict, out: list[dict]) -> dict | None:
    """One row of the code list as a region (None for the rows left out); `out` holds those
    before it, for a county's parent."""
    code = r["adcode"][:6]
    if code[2:] == "0000":
        short, en, level, parent = PROVINCE_SHORT[code[:2]], PROVINCE_EN[code[:2]], "province", None
    elif r["name"] in SKIP:
        return None
    elif code[4:] == "00":
        (short, en), level, parent = city_names(r["name"]), "city", code[:2] + "0000"
    else:
        # County-level rows let district and development-zone notices resolve; under a
        # municipality (北京, 上海 …) or a province-administered county the parent is the province.
        city = code[:4] + "00"
        parent = city if any(o["code"] == city for o in out) else code[:2] + "0000"
        (short, en), level = county_names(r["name"]), "district"
    return {
        "code": code,
        "name": r["name"],
        "short_name": short,
        "name_en": en,
        "level": level,
        "parent": parent,
        "longitude": round(float(r["longitude"]), 4) if r["longitude"] else None,
        "latitude": round(float(r["latitude"]), 4) if r["latitude"] else None,
    }


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out: list[dict] = []
    for r in sorted(rows, key=lambda r: r["adcode"]):
        row = region(r, out)
        if row is not None:
            out.append(row)
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
