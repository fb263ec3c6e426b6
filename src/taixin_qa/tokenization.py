"""Turn Chinese (and some English) text into keyword tokens for BM25.

Each :class:`Tokenizer` owns a private jieba instance loaded with the corpus
dictionary, so two corpora in one process do not disturb each other.

jieba's own start-up reads its 5 MB dictionary from a cache in the system
temporary folder with ``marshal.load(file)``. We keep that cache in our own
cache folder (``Paths.cache``) and read it with one ``read()`` and
``marshal.loads``, about 2.5x faster: it is most of a cold ``taixin-qa ask``
after the model.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import re
import threading
from pathlib import Path

from taixin_qa._fs import atomic_write_bytes
from taixin_qa.lexicon import Lexicon, Word
from taixin_qa.text import cjk_ratio, normalize, to_simplified

__all__ = ["Tokenizer", "cjk_ratio", "normalize", "to_simplified"]

_KEEP = re.compile(r"[\w+.%]+")
log = logging.getLogger(__name__)


def _dictionary_cache(jieba_tokenizer, cache_dir: Path | None) -> Path | None:
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
    key = hashlib.sha256(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return Path(cache_dir) / "jieba" / f"prefix-dict-{key}.marshal"


def load_prefix_dictionary(jieba_tokenizer, cache_dir: Path | None = None) -> None:
    """Give a fresh ``jieba.Tokenizer`` its default dictionary, from our cache when it is there.

    A missing or unreadable cache is rebuilt from jieba's word list (about 1 s)
    and written atomically; a cache folder that cannot be written only costs
    that second again next time.
    """
    try:
        path = _dictionary_cache(jieba_tokenizer, cache_dir)
    except OSError:
        path = None
    if path is not None:
        try:
            freq, total = marshal.loads(path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            pass
        else:
            if isinstance(freq, dict) and isinstance(total, int):
                jieba_tokenizer.FREQ, jieba_tokenizer.total = freq, total
                jieba_tokenizer.initialized = True
                return
    freq, total = jieba_tokenizer.gen_pfdict(jieba_tokenizer.get_dict_file())
    jieba_tokenizer.FREQ, jieba_tokenizer.total = freq, total
    jieba_tokenizer.initialized = True
    if path is not None:
        try:
            atomic_write_bytes(path, marshal.dumps((freq, total)))
        except OSError as exc:
            log.debug("jieba dictionary cache not written to %s: %s", path, exc)


class Tokenizer:
    """jieba with the corpus dictionary and stop words.

    >>> tok = Tokenizer(Lexicon.from_corpus(corpus))
    >>> tok.cut("率先推动大盂启动区建设")
    ['率先', '推动', '大盂启动区', '建设']
    """

    def __init__(self, lexicon: Lexicon | None = None, words: list[Word] | None = None,
                 stopwords: frozenset[str] | None = None, cache_dir: Path | None = None):
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
