"""jieba's dictionary, memory-mapped from our own cache folder: same words, same segmentation."""

from __future__ import annotations

import logging
import shutil

import jieba
import pytest

from helpers import CORPUS, EVAL, read_jsonl
from taixin_qa.tokenization import PrefixDictionary, Tokenizer, load_prefix_dictionary

jieba.setLogLevel(logging.WARNING)


def _jieba_own() -> jieba.Tokenizer:
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """A cache folder holding the dictionary, built once for this module."""
    folder = tmp_path_factory.mktemp("cache")
    first = jieba.Tokenizer()
    load_prefix_dictionary(first, folder)  # builds the cache; this process keeps jieba's dict
    assert isinstance(first.FREQ, dict)
    return folder


def test_cached_dictionary_segments_exactly_like_jiebas_own(cache_dir):
    (folder,) = (cache_dir / "jieba").iterdir()
    stamp = (folder / "meta.json").stat().st_mtime_ns
    cached = jieba.Tokenizer()
    load_prefix_dictionary(cached, cache_dir)
    assert isinstance(cached.FREQ, PrefixDictionary)
    assert (folder / "meta.json").stat().st_mtime_ns == stamp  # read, not rewritten
    own = _jieba_own()
    assert cached.total == own.total and len(cached.FREQ) == len(own.FREQ)
    for word in ("经济", "太原", "一带一路", "不存在的词语组合"):
        assert cached.FREQ.get(word) == own.FREQ.get(word)
        assert (word in cached.FREQ) == (word in own.FREQ)

    for tok in (cached, own):
        tok.add_word("大盂启动区", 50000, "nz")
    page = (CORPUS / "source" / "taixin-page.txt").read_text(encoding="utf-8")
    questions = [q["question"] for q in read_jsonl(EVAL / "questions.jsonl")]
    assert cached.lcut(page) == own.lcut(page)
    assert cached.lcut_for_search(page) == own.lcut_for_search(page)
    assert [cached.lcut_for_search(q) for q in questions] == [own.lcut_for_search(q) for q in questions]
    assert "大盂启动区" in cached.lcut("率先推动大盂启动区建设")


@pytest.mark.slow  # rebuilds jieba's dictionary (seconds)
def test_damaged_cache_is_rebuilt(cache_dir, tmp_path):
    shutil.copytree(cache_dir / "jieba", tmp_path / "jieba")
    (folder,) = (tmp_path / "jieba").iterdir()
    (folder / "keys.npy").write_bytes(b"\x93NUMPY damaged")
    tok = jieba.Tokenizer()
    load_prefix_dictionary(tok, tmp_path)
    assert isinstance(tok.FREQ, dict) and "经济" in tok.FREQ  # rebuilt from jieba's word list
    again = jieba.Tokenizer()
    load_prefix_dictionary(again, tmp_path)
    assert isinstance(again.FREQ, PrefixDictionary) and again.FREQ["经济"] == tok.FREQ["经济"]


@pytest.mark.slow  # rebuilds jieba's dictionary (seconds)
def test_unwritable_cache_folder_still_tokenizes(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    tok = Tokenizer(words=[], stopwords=frozenset(), cache_dir=blocker)
    assert tok.cut("太忻经济区") != []
