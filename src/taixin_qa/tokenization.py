"""Turn Chinese (and some English) text into keyword tokens for BM25.

Each :class:`Tokenizer` owns a private jieba instance loaded with the corpus
dictionary, so two corpora in one process do not disturb each other.

jieba's own start-up rebuilds a 500k-entry prefix dictionary from a cache in
the system temporary folder (0.8 s, a third of a cold ``taixin-qa ask``). We
keep the dictionary in our own cache folder (``Paths.cache``) as a sorted,
memory-mapped array (:class:`PrefixDictionary`): opening it takes about a
millisecond, and each word looked up costs a binary search instead of a hash
probe (segmentation is identical; tests/test_tokenization.py compares it).
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np

from taixin_qa._fs import atomic_write_bytes, sha256_text
from taixin_qa.lexicon import Lexicon, Word
from taixin_qa.text import cjk_ratio, normalize, to_simplified

__all__ = ["Tokenizer", "cjk_ratio", "normalize", "to_simplified"]

_KEEP = re.compile(r"[\w+.%]+")
log = logging.getLogger(__name__)


_MISSING = object()
#: Looked-up words remembered per dictionary, then forgotten at once (bounds a server's memory).
MEMO_SIZE = 100_000


class PrefixDictionary:
    """jieba's prefix dictionary (word or word prefix -> frequency, 0 for a prefix that is no word),
    read from a memory-mapped array of UTF-8 keys in byte order.

    It answers what jieba asks of ``Tokenizer.FREQ`` (``in``, ``[]``, ``get``
    and ``[]=`` for added words); lookups are remembered, so the words of the
    page cost one binary search each.
    """

    def __init__(self, keys: np.ndarray, freqs: np.ndarray, total: int):
        self._keys, self._freqs, self.total = keys, freqs, total
        self._width = keys.dtype.itemsize
        self._added: dict[str, int] = {}
        self._memo: dict[str, Any] = {}

    def _lookup(self, word: str) -> int | None:
        added = self._added.get(word)
        if added is not None:
            return added
        hit = self._memo.get(word, _MISSING)
        if hit is not _MISSING:
            return hit
        raw = word.encode("utf-8")
        found = None
        if len(raw) <= self._width:
            i = int(self._keys.searchsorted(raw))
            if i < len(self._keys) and self._keys[i] == raw:
                found = int(self._freqs[i])
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        self._memo[word] = found
        return found

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._lookup(word) is not None

    def __getitem__(self, word: str) -> int:
        found = self._lookup(word)
        if found is None:
            raise KeyError(word)
        return found

    def get(self, word: str, default: int | None = None) -> int | None:
        found = self._lookup(word)
        return default if found is None else found

    def __setitem__(self, word: str, freq: int) -> None:
        self._added[word] = freq
        self._memo.pop(word, None)

    def __len__(self) -> int:
        return len(self._keys) + len(self._added)

    @classmethod
    def write(cls, folder: Path, freq: dict[str, int], total: int) -> None:
        """Save ``freq`` as sorted key and frequency arrays; ``meta.json``, written last, marks it complete."""
        keys = sorted(word.encode("utf-8") for word in freq)
        width = max((len(k) for k in keys), default=1)
        arrays = {
            "keys.npy": np.array(keys, dtype=f"S{width}"),
            "freqs.npy": np.array([freq[k.decode("utf-8")] for k in keys], dtype=np.int64),
        }
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array)
            atomic_write_bytes(folder / name, buffer.getvalue())
        atomic_write_bytes(folder / "meta.json", json.dumps({"total": total, "entries": len(keys)}).encode())

    @classmethod
    def open(cls, folder: Path) -> PrefixDictionary:
        """The dictionary saved in ``folder``; raises OSError or ValueError when it is missing or damaged."""
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        keys = np.load(folder / "keys.npy", mmap_mode="r")
        freqs = np.load(folder / "freqs.npy", mmap_mode="r")
        if keys.dtype.kind != "S" or len(keys) != len(freqs) or len(keys) != meta["entries"]:
            raise ValueError(f"{folder}: damaged jieba dictionary cache")
        return cls(keys, freqs, int(meta["total"]))


def _dictionary_cache(jieba_tokenizer: Any, cache_dir: Path | None) -> Path | None:
    """Where the prefix dictionary of jieba's default word list is cached, keyed by that file's identity."""
    if cache_dir is None:
        from taixin_qa.settings import Paths

        cache_dir = Paths.from_env().cache
    source = jieba_tokenizer.get_dict_file()
    name = getattr(source, "name", None)
    source.close()
    if not name:
        return None
    stat = os.stat(name)
    key = sha256_text(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}", 16)
    return Path(cache_dir) / "jieba" / f"prefix-dict-{key}"


def load_prefix_dictionary(jieba_tokenizer: Any, cache_dir: Path | None = None) -> None:
    """Give a fresh ``jieba.Tokenizer`` its default dictionary, memory-mapped from our cache when it is there.

    A missing or damaged cache is rebuilt from jieba's word list (about 1-2 s)
    and written atomically; this process then uses the plain dictionary jieba
    built. A cache folder that cannot be written only costs the rebuild again.
    """
    try:
        folder = _dictionary_cache(jieba_tokenizer, cache_dir)
    except OSError:
        folder = None
    if folder is not None:
        try:
            cached = PrefixDictionary.open(folder)
        except (OSError, ValueError, KeyError, TypeError):
            pass
        else:
            jieba_tokenizer.FREQ, jieba_tokenizer.total = cached, cached.total
            jieba_tokenizer.initialized = True
            return
    freq, total = jieba_tokenizer.gen_pfdict(jieba_tokenizer.get_dict_file())
    jieba_tokenizer.FREQ, jieba_tokenizer.total = freq, total
    jieba_tokenizer.initialized = True
    if folder is not None:
        try:
            PrefixDictionary.write(folder, freq, total)
        except OSError as exc:
            log.debug("jieba dictionary cache not written to %s: %s", folder, exc)


class Tokenizer:
    """jieba with the corpus dictionary and stop words.

    >>> from taixin_qa.corpus import load_corpus
    >>> from taixin_qa.settings import Paths
    >>> tok = Tokenizer(Lexicon.from_corpus(load_corpus(Paths.from_env().corpus)))
    >>> tok.cut("率先推动大盂启动区建设")
    ['率先', '推动', '大盂启动区', '建设']
    """

    def __init__(
        self,
        lexicon: Lexicon | None = None,
        words: list[Word] | None = None,
        stopwords: frozenset[str] | None = None,
        cache_dir: Path | None = None,
    ):
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._words = list(words if words is not None else (lexicon.dictionary if lexicon else []))
        self.stopwords = stopwords if stopwords is not None else (lexicon.stopwords if lexicon else frozenset())
        self._cache_dir = cache_dir
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
            load_prefix_dictionary(self._jieba, self._cache_dir)
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
