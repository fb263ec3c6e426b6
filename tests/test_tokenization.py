"""jieba's dictionary cache in our own cache folder."""

from __future__ import annotations

import jieba

from taixin_qa.tokenization import Tokenizer, load_prefix_dictionary


def test_dictionary_cache_is_written_once_then_read_back_identically(tmp_path):
    first = jieba.Tokenizer()
    load_prefix_dictionary(first, tmp_path)
    cached = list((tmp_path / "jieba").glob("prefix-dict-*.marshal"))
    assert len(cached) == 1
    stamp = cached[0].stat().st_mtime_ns

    second = jieba.Tokenizer()
    load_prefix_dictionary(second, tmp_path)
    assert second.initialized and second.FREQ == first.FREQ and second.total == first.total
    assert cached[0].stat().st_mtime_ns == stamp  # read, not rewritten
    assert second.lcut("太忻经济区建设") == first.lcut("太忻经济区建设")


def test_damaged_cache_is_rebuilt(tmp_path):
    load_prefix_dictionary(jieba.Tokenizer(), tmp_path)
    cached = next((tmp_path / "jieba").glob("prefix-dict-*.marshal"))
    cached.write_bytes(b"\x00not marshal")
    tok = jieba.Tokenizer()
    load_prefix_dictionary(tok, tmp_path)
    assert tok.total > 0 and "经济" in tok.FREQ
    assert cached.stat().st_size > 1_000_000


def test_unwritable_cache_folder_still_tokenizes(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    tok = Tokenizer(words=[], stopwords=frozenset(), cache_dir=blocker)
    assert tok.cut("太忻经济区") != []
