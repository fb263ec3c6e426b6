"""Milvus as the store (issue 14): incremental sync by content hash, filters, errors; on a temporary .db.

The embedded edition (milvus-lite) runs the real client API offline. A sync
is a few seconds, so the tests that sync are marked slow.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pymilvus", reason="install the [milvus] extra")

from helpers import FakeEncoder, edit_everywhere, free_port  # noqa: E402
from taixin_qa.chunking import make_chunks  # noqa: E402
from taixin_qa.corpus import load_corpus  # noqa: E402
from taixin_qa.errors import TaixinError  # noqa: E402
from taixin_qa.store import passage_chunk  # noqa: E402
from taixin_qa.stores import Filters, candidates, open_store  # noqa: E402
from taixin_qa.stores.milvus import MilvusStore  # noqa: E402
from taixin_qa.stores.sync import sync_store  # noqa: E402

PARAGRAPH = "三是坚持生态产业化、产业生态化，在生态修复过程中植入文旅、康养等项目。"


def assert_holds_exactly(store: MilvusStore, corpus_dir: Path) -> None:
    """The store holds the corpus's chunks, each with its own passage, vectors and sentences."""
    chunks = make_chunks(load_corpus(corpus_dir))
    assert store.describe().chunk_hashes == {c.passage.id: c.content_hash for c in chunks}
    enc = FakeEncoder()
    records = store.fetch([c.passage.id for c in chunks])
    assert [r.passage for r in records] == [c.passage for c in chunks]
    for r in records:
        chunk = passage_chunk(r.passage)
        assert chunk.content_hash == r.content_hash
        assert np.allclose(r.vector, enc._vector("p:" + chunk.indexed_text, enc.dim), atol=1e-6)
        header = chunk.indexed_text[: len(chunk.indexed_text) - len(r.passage.text)]
        for text, vec in zip(r.sentences, r.sentence_vectors):
            assert text in r.passage.text
            assert np.allclose(vec, enc._vector("p:" + header + text, enc.dim), atol=1e-6)


@pytest.fixture
def store(tmp_path) -> MilvusStore:
    return MilvusStore(str(tmp_path / "milvus.db"))


@pytest.mark.slow
def test_sync_edit_add_remove_each_touch_exactly_that_chunk(corpus_copy, store):
    first = sync_store(corpus_copy, store, encoder=FakeEncoder())
    assert first.status == "rebuilt" and first.embedded == 41 and first.upserted == 41
    assert_holds_exactly(store, corpus_copy)

    idle = FakeEncoder()
    again = sync_store(corpus_copy, store, encoder=idle)
    assert again.status == "up-to-date" and idle.calls == 0 and not idle.sparse_texts

    edit_everywhere(corpus_copy, "植入文旅、康养等项目", "植入文旅、康养、研学等项目")
    enc = FakeEncoder()
    edit = sync_store(corpus_copy, store, encoder=enc)
    assert (edit.embedded, edit.upserted, edit.deleted) == (1, 1, 0)
    assert enc.sparse_texts == [
        "李卫平（古交市）：三是坚持生态产业化、产业生态化，在生态修复过程中植入文旅、康养、研学等项目。"
    ]

    added = "五是加快发展现代服务业。"
    edit_everywhere(corpus_copy, "研学等项目。", "研学等项目。\n\n" + added)
    enc = FakeEncoder()
    add = sync_store(corpus_copy, store, encoder=enc)
    # Later paragraphs of that interview get new ids: their rows move, with their old vectors.
    assert add.embedded == 1 and enc.sparse_texts[0].endswith(added) and add.deleted == 0
    assert add.upserted == 1 + add.moved
    assert_holds_exactly(store, corpus_copy)

    edit_everywhere(corpus_copy, "\n\n" + added, "")
    enc = FakeEncoder()
    remove = sync_store(corpus_copy, store, encoder=enc)
    assert remove.embedded == 0 and enc.calls == 0 and remove.deleted == 1
    assert_holds_exactly(store, corpus_copy)


@pytest.mark.slow
def test_no_op_sync_loads_no_model(corpus_copy, store, monkeypatch):
    sync_store(corpus_copy, store, encoder=FakeEncoder())
    from taixin_qa.stores import sync as sync_module

    def no_model(*args, **kwargs):
        raise AssertionError("a no-op sync must not load the model")

    monkeypatch.setattr(sync_module, "load_encoder", no_model)
    idle = FakeEncoder()
    report = sync_store(corpus_copy, store, encoder=idle)
    assert report.status == "up-to-date" and idle.calls == 0


@pytest.mark.slow
def test_interrupted_sync_converges(corpus_copy, store):
    class Failing(FakeEncoder):
        def encode_passages(self, texts, progress=False):
            if self.calls >= 2:
                raise KeyboardInterrupt
            return super().encode_passages(texts, progress)

    with pytest.raises(KeyboardInterrupt):
        sync_store(corpus_copy, store, encoder=Failing(), batch=8)
    partial = store.describe().chunk_hashes
    assert 0 < len(partial) < 41
    report = sync_store(corpus_copy, store, encoder=FakeEncoder(), batch=8)
    assert report.embedded == 41 - len(partial)
    assert_holds_exactly(store, corpus_copy)


@pytest.mark.slow
def test_filters_and_candidates(corpus_copy, store):
    sync_store(corpus_copy, store, encoder=FakeEncoder())
    enc = FakeEncoder()
    qvec = enc.encode_queries(["阳曲县的发展目标是什么？"])[0]
    only = Filters(interview_ids=frozenset({"pei-yaojun"}))
    for hits in (
        store.search_dense(qvec, 5, only),
        store.search_keyword(["阳曲", "目标"], 5, only),
        store.search_sparse(enc.encode_sparse(["阳曲"])[0], 5, only),
    ):
        assert hits and all(h.id.startswith("pei-yaojun-") for h in hits)
    captions = store.search_dense(qvec, 5, Filters(kinds=frozenset({"caption"})))
    assert captions and all(r.passage.kind == "caption" for r in store.fetch([h.id for h in captions]))
    top = store.search_keyword(["阳曲"], 3)
    assert top[0].id.startswith("pei-yaojun-") and top[0].score > 0
    union = candidates(store, qvec, enc.encode_sparse(["阳曲"])[0], ["阳曲"], 3)
    assert len(set(union)) == len(union) and 3 <= len(union) <= 9


@pytest.mark.slow
def test_a_changed_model_refills_the_store(corpus_copy, store):
    sync_store(corpus_copy, store, encoder=FakeEncoder())
    other = FakeEncoder()
    other.model_id = "another-model"
    report = sync_store(corpus_copy, store, encoder=other)
    assert report.status == "rebuilt" and report.embedded == 41
    assert store.describe().model_id == "another-model"


def test_unreachable_server_is_one_line():
    start = time.monotonic()
    with pytest.raises(TaixinError, match="unreachable") as exc:
        open_store(f"milvus://127.0.0.1:{free_port()}")
    assert "\n" not in str(exc.value)
    assert time.monotonic() - start < 20


def test_wrong_schema_is_one_line(tmp_path):
    from pymilvus import MilvusClient

    path = str(tmp_path / "other.db")
    client = MilvusClient(path)
    client.create_collection("taixin_chunks", dimension=8)  # someone else's collection, same name
    client.close()
    with pytest.raises(TaixinError, match="wrong schema") as exc:
        MilvusStore(path)
    assert "\n" not in str(exc.value)


def test_unknown_store_spec_is_one_line():
    with pytest.raises(TaixinError, match="Unknown store"):
        open_store("elastic://x")
    assert open_store(None) is None and open_store("faiss") is None


@pytest.mark.slow
def test_engine_ranking_on_store_candidates_gives_the_faiss_top_speaker(corpus_copy, store, tmp_path):
    """The engine's fusion on a store's candidates (and the store's BM25) picks the same speaker as on
    the FAISS bundle, for >= 98% of the evaluation questions (the fake encoder: this checks the store
    path, not the model)."""
    from helpers import EVAL, read_jsonl
    from taixin_qa.build import build_index
    from taixin_qa.engine import Engine
    from taixin_qa.fusion import fuse
    from taixin_qa.stores.view import candidate_view

    sync_store(corpus_copy, store, encoder=FakeEncoder())
    build_index(corpus_copy, tmp_path / "index", encoder=FakeEncoder(), progress=False)
    engine = Engine(corpus_copy, tmp_path / "index", encoder=FakeEncoder(), progress=False)
    questions = [q for name in ("questions", "heldout") for q in read_jsonl(EVAL / f"{name}.jsonl")]
    questions = [q for q in questions if not q.get("out_of_scope")]
    same = 0
    for item in questions:
        q = engine.parser.parse(item["question"])
        v = engine.encode_question(q.text)
        index = engine.index
        faiss_top = index.passages[int(np.argmax(fuse(index.signals(q, v.dense, v.sparse))))]
        view = candidate_view(store, q, v.dense, v.sparse)
        store_top = view.index.passages[int(np.argmax(fuse(view.signals())))]
        same += store_top.speaker == faiss_top.speaker
    assert len(questions) > 100
    assert same / len(questions) >= 0.98, f"{same}/{len(questions)}"


@pytest.mark.slow
def test_store_candidates_respect_filters(corpus_copy, store):
    from taixin_qa.lexicon import Lexicon
    from taixin_qa.query import QueryParser
    from taixin_qa.stores.view import candidate_view
    from taixin_qa.tokenization import Tokenizer

    sync_store(corpus_copy, store, encoder=FakeEncoder())
    lexicon = Lexicon.from_corpus(load_corpus(corpus_copy))
    q = QueryParser(lexicon, Tokenizer(lexicon)).parse("发展目标是什么？")
    enc = FakeEncoder()
    view = candidate_view(store, q, enc.encode_queries([q.text])[0], None, Filters(frozenset({"li-hui"})))
    assert view.index.passages and {p.interview_id for p in view.index.passages} == {"li-hui"}
