"""Text normalisation and character-bigram tokens, shared by the index and the queries.

Both sides go through `normalise`, so whatever a person types meets the stored text in one form:
NFKC (full-width ＡＢＣ１２３ → ABC123), case folding, traditional → simplified characters (質押 →
质押, character by character from OpenCC's tables, so it is the same mapping on both sides), quote
marks dropped and spaces next to a CJK character dropped (a PDF's "订单e 贷" reads as 订单e贷).

Tokens: Chinese (CJK) text has no word boundaries, so every CJK stretch becomes its overlapping
character bigrams plus its last character alone ("碳达峰" → 碳达 达峰 峰); a query term is the phrase
of its bigrams and matches exactly where it occurs as a substring. Latin letters and digits are
words: one token each, matched by prefix ("hun" finds "Hunan"), which keeps English names cheap to
look up (a bigram such as "an" would be in nearly every record). Mixed names keep their order:
"订单e贷" → 订单 单 e 贷, so "订单e贷" and "单e贷" match it as phrases.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# A query longer than this is cut (the forms already refuse more than 200 characters).
MAX_TERMS = 12
MAX_TERM_LENGTH = 40

_QUOTES = "\"'`“”‘’「」『』〝〞〃＂＇"
_CJK = (
    "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u3100-\u312f"
    "\u31a0-\u31bf\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
)
_DROP_QUOTES = str.maketrans("", "", _QUOTES)
# Spaces with a CJK character on either side carry no meaning in this text: PDF extraction puts
# them inside words ("浙科 e 贷"), and Chinese does not separate words by spaces.
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}])\s+(?=\w)|(?<=\w)\s+(?=[{_CJK}])")
_RUN = re.compile(r"[^\W_]+")
_SEGMENT = re.compile(rf"[{_CJK}]+|[^{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


@functools.cache
def _t2s_table() -> dict[int, str]:
    """Traditional (and Taiwan/Hong Kong variant) → simplified, one character to one character."""
    import opencc

    folder = Path(opencc.__file__).parent / "dictionary"
    table: dict[int, str] = {}
    for name in ("TWVariantsRev.txt", "HKVariantsRev.txt", "TSCharacters.txt"):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            src, _, dst = line.partition("\t")
            dst = dst.split(" ")[0] if dst else ""
            if len(src) == 1 and len(dst) == 1 and src != dst:
                table[ord(src)] = dst
    # Variants first map to the standard traditional form; resolve chains (裡 → 裏 → 里).
    for k, v in list(table.items()):
        seen = {k}
        while ord(v) in table and ord(v) not in seen:
            seen.add(ord(v))
            v = table[ord(v)]
        table[k] = v
    return table


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().translate(_t2s_table())


def normalise(text: str) -> str:
    """The one form in which documents are indexed and queries are matched."""
    text = _fold(text or "").translate(_DROP_QUOTES)
    return _CJK_SPACE.sub("", text)


def runs(text: str) -> list[str]:
    """Runs of letters and digits of normalised text; everything else separates them."""
    return _RUN.findall(text)


def _is_cjk(ch: str) -> bool:
    return bool(_IS_CJK.match(ch))


def run_tokens(run: str) -> list[str]:
    """A run's tokens: CJK stretches as bigrams then their last character, other stretches whole."""
    out: list[str] = []
    for seg in _SEGMENT.findall(run):
        if _is_cjk(seg[0]):
            out.extend(seg[i : i + 2] for i in range(len(seg) - 1))
            out.append(seg[-1])
        else:
            out.append(seg)
    return out


def tokens(text: str) -> list[str]:
    """The index tokens of a text, in order (positions matter: phrases are matched on them)."""
    out: list[str] = []
    for run in runs(normalise(text)):
        out.extend(run_tokens(run))
    return out


@dataclass(frozen=True)
class Query:
    """A parsed query: every term must occur (AND); a term is matched as a substring."""

    text: str
    terms: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.terms)

    @staticmethod
    def term_tokens(term: str) -> tuple[list[str], bool]:
        """(tokens, last_is_prefix): the phrase a term is matched as.

        The term may start or end inside a stretch of the stored text, so a CJK stretch that the
        term ends with contributes only its bigrams (its last character alone only when more
        follows), and the term's last stretch matches by prefix when it is one character or Latin.
        """
        segments = _SEGMENT.findall(term)
        toks: list[str] = []
        prefix = False
        for i, seg in enumerate(segments):
            last = i == len(segments) - 1
            if _is_cjk(seg[0]) and len(seg) > 1:
                toks.extend(seg[j : j + 2] for j in range(len(seg) - 1))
                if not last:
                    toks.append(seg[-1])
            else:
                toks.append(seg)
                prefix = last
        return toks, prefix


def parse_query(q: str) -> Query:
    """Whitespace (and punctuation) separates terms; each term is normalised like the documents.

    Spaces inside a query are kept as separators (the person meant two words), so "湖南 绿色"
    finds a record with 湖南 in one field and 绿色 in another.
    """
    pieces: list[str] = []
    for part in (q or "").split():
        runs_ = runs(normalise(part))
        if not runs_:
            continue
        # A lone character next to Chinese is a fragment of a PDF-spaced name ("浙科 e 贷",
        # "订单e 贷"): glue it back, as the documents' normalisation does.
        lone = pieces and (len(runs_[0]) == 1 or len(pieces[-1]) == 1)
        if lone and (_is_cjk(runs_[0][0]) or _is_cjk(pieces[-1][-1])):
            pieces[-1] += runs_.pop(0)
        pieces.extend(runs_)
    terms: list[str] = []
    for run in pieces:
        run = run[:MAX_TERM_LENGTH]
        if run not in terms:
            terms.append(run)
    # A term inside a longer one adds nothing (绿色 within 绿色金融).
    terms = [t for t in terms if not any(t != o and t in o for o in terms)]
    return Query(text=(q or "").strip(), terms=tuple(terms[:MAX_TERMS]))


@functools.lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    if ch in _QUOTES:
        return ""
    return "".join(c for c in _fold(ch) if c not in _QUOTES)


def _fold_with_map(text: str) -> tuple[str, Sequence[int]]:
    """`normalise`, character by character, remembering where each output character came from."""
    pieces = [_fold_char(ch) for ch in text]
    folded = "".join(pieces)
    where: Sequence[int]
    if len(folded) == len(text) and all(len(p) == 1 for p in pieces):
        where = range(len(text))  # the usual case: every character folds to one
    else:
        where = [i for i, p in enumerate(pieces) for _ in p]
    if not _CJK_SPACE.search(folded):
        return folded, where
    keep = [True] * len(folded)
    for m in _CJK_SPACE.finditer(folded):
        for j in range(m.start(), m.end()):
            keep[j] = False
    chars = [c for c, k in zip(folded, keep, strict=True) if k]
    where = [w for w, k in zip(where, keep, strict=True) if k]
    return "".join(chars), where


def match_spans(text: str, query: Query) -> list[tuple[int, int]]:
    """Spans [start, end) of the original text where a query term occurs, merged and sorted."""
    if not text or not query:
        return []
    folded, where = _fold_with_map(text)
    spans = []
    for term in query.terms:
        start = folded.find(term)
        while start != -1:
            end = start + len(term)
            spans.append((where[start], where[end - 1] + 1))
            start = folded.find(term, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def highlight(
    text: str, query: Query, *, around: int | None = None, spans: list[tuple[int, int]] | None = None
) -> SafeString:
    """The text, escaped, with every match wrapped in <mark>.

    With `around`, only a window of about that many characters around the first match is shown
    (an excerpt of a long description), with an ellipsis where text was cut. `spans`: the
    text's `match_spans`, when the caller has them already.
    """
    text = text or ""
    if spans is None:
        spans = match_spans(text, query)
    lo, hi = 0, len(text)
    if around is not None and len(text) > around:
        first = spans[0][0] if spans else 0
        lo = max(0, first - around // 3)
        hi = min(len(text), lo + around)
        lo = max(0, hi - around)
    parts = ["…" if lo > 0 else ""]
    pos = lo
    for s, e in spans:
        if e <= lo or s >= hi:
            continue
        s, e = max(s, lo), min(e, hi)
        parts.append(escape(text[pos:s]))
        parts.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    parts.append(escape(text[pos:hi]))
    parts.append("…" if hi < len(text) else "")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped
