"""Turn Chinese (and some English) text into keyword tokens for BM25.

Each :class:`Tokenizer` owns a private jieba instance loaded with the corpus
dictionary, so two corpora in one process do not disturb each other.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache

from taixin_qa.lexicon import Lexicon, Word

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_KEEP = re.compile(r"[\w+.%]+")


@lru_cache(maxsize=1)
def _t2s():
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


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII), simplified Chinese, no control characters."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if ch.isprintable() or ch in "\n\t")
    return to_simplified(text)


def cjk_ratio(text: str) -> float:
    """Share of CJK characters among letters: ~0 for an English question, ~1 for a Chinese one."""
    cjk = len(_CJK.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD.findall(text)) / 3  # about three letters weigh one character
    total = cjk + latin
    return cjk / total if total else 0.0


class Tokenizer:
    """jieba with the corpus dictionary and stop words.

    >>> tok = Tokenizer(Lexicon.from_corpus(corpus))
    >>> tok.cut("率先推动大盂启动区建设")
    ['率先', '推动', '大盂启动区', '建设']
    """

    def __init__(self, lexicon: Lexicon | None = None, words: list[Word] | None = None,
                 stopwords: frozenset[str] | None = None):
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._words = list(words if words is not None else (lexicon.dictionary if lexicon else []))
        self.stopwords = stopwords if stopwords is not None else (lexicon.stopwords if lexicon else frozenset())
        self._ready = False
        self._lock = threading.Lock()

    def _ensure_ready(self) -> None:
        # jieba loads its 5 MB dictionary on first use; do it once, under a lock,
        # because the web app answers several questions at the same time.
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            self._jieba.initialize()
            for word in self._words:
                self._jieba.add_word(word.text, word.freq, word.tag)
            self._ready = True

    def cut(self, text: str) -> list[str]:
        """All words of ``text`` in order (stop words and punctuation kept out)."""
        self._ensure_ready()
        tokens = []
        for token in self._jieba.lcut(normalize(text)):
            token = token.strip().lower()
            if not token or not _KEEP.fullmatch(token) or token in self.stopwords:
                continue
            tokens.append(token)
        return tokens

    def cut_for_search(self, text: str) -> list[str]:
        """Tokens for BM25: the words plus the shorter words inside long ones.

        '大盂启动区' also yields '大盂' and '启动', so a question that uses the
        short form still matches.
        """
        self._ensure_ready()
        out = []
        for token in self._jieba.lcut_for_search(normalize(text)):
            token = token.strip().lower()
            if token and _KEEP.fullmatch(token) and token not in self.stopwords:
                out.append(token)
        return out
