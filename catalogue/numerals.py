"""Chinese numerals, read once for every app: headings (第十二章, 三十一、) and amounts people write
(五百万, 两千五百)."""

from __future__ import annotations

CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十三 → 23, 一百零五 → 105, 两千五百 → 2500; None when the text is not
    one numeral (another character, or two digits with no unit between them: 一二)."""
    if not text:
        return None
    total, digit = 0, None
    for ch in text:
        if ch in CN_DIGITS:
            if digit:  # 一二: two digits in a row are two numbers, not one
                return None
            digit = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (1 if digit is None else digit) * CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)
