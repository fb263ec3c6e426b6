"""Plain text helpers shared by every stage: one normal form for questions, names and page text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@lru_cache(maxsize=1)
def _t2s() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional -> simplified Chinese; other text is left as it is.

    >>> to_simplified("陽曲縣的發展目標")
    '阳曲县的发展目标'
    """
    if not _CJK.search(text):
        return text
    return _t2s().convert(text)


# Corner brackets, the quotation marks of traditional-script writing, as the page's curly quotes.
_CORNER_QUOTES = str.maketrans("「」『』", "“”‘’")


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII), simplified Chinese with the page's quotation
    marks, no control characters.

    >>> normalize("講的是哪兩個「一體」？")
    '讲的是哪两个“一体”?'
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if ch.isprintable() or ch in "\n\t")
    return to_simplified(text).translate(_CORNER_QUOTES)


def cjk_ratio(text: str) -> float:
    """Share of CJK characters among letters: ~0 for an English question, ~1 for a Chinese one."""
    cjk = len(_CJK.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD.findall(text)) / 3  # about three letters weigh one character
    total = cjk + latin
    return cjk / total if total else 0.0


def side_by_side(words: Sequence[str], text: str) -> list[str]:
    """Two consecutive ``words`` joined where they stand together in ``text``: a word the segmenter
    split ('中心', '城区' in '太原的中心城区' -> '中心城区').

    >>> side_by_side(("太原", "中心", "城区"), "太原的中心城区")
    ['中心城区']
    """
    return [a + b for a, b in zip(words, words[1:]) if a + b in text]
