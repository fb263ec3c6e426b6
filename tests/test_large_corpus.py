"""Large-corpus candidate selection: a named interview adds only its best rows to the candidates."""

from __future__ import annotations

import numpy as np

from helpers import CORPUS, FakeEncoder
from taixin_qa.build import build_index
from taixin_qa.engine import Engine
from taixin_qa.index import Index
from taixin_qa.settings import Search, Settings


def _scored(sig, rows):
    # A candidate gets its best sentence's cosine; other rows keep the passage cosine.
    return [r for r in rows if sig.sentence_cosine[r] != sig.cosine[r]]


def test_named_interview_adds_only_its_top_rows_as_candidates(tmp_path):
    enc = FakeEncoder()
    build_index(CORPUS, tmp_path / "index", encoder=enc, progress=False)
    engine = Engine(corpus_dir=CORPUS, index_dir=tmp_path / "index", encoder=enc, progress=False)
    question = engine.parser.parse("阳曲县的发展目标是什么？")
    assert question.interview_ids
    vectors = enc.encode_query(question.text)

    every = Index.load(tmp_path / "index")  # 41 passages: below candidates_from, all scored
    capped = Index.load(tmp_path / "index", Settings(search=Search(candidates_from=5, candidates_per_channel=1)))
    named_rows = capped.rows_of_interviews(question.interview_ids)
    with_sentences = [r for r in named_rows if len(capped.sentences_of(r))]
    assert len(with_sentences) > 4

    full = every.signals(question, vectors.dense, vectors.sparse)
    small = capped.signals(question, vectors.dense, vectors.sparse)
    # Every row of the named interview keeps its entity bonus ...
    assert np.flatnonzero(small.named).tolist() == sorted(named_rows.tolist())
    np.testing.assert_array_equal(small.named, full.named)
    # ... but at most its best row by dense and by keywords, plus the global top row of each, are scored.
    assert len(_scored(full, with_sentences)) == len(with_sentences)
    assert 1 <= len(_scored(small, with_sentences)) <= 4
    best_dense = named_rows[np.argmax(small.cosine[named_rows])]
    best_keywords = named_rows[np.argmax(small.bm25[named_rows])]
    for row in {int(best_dense), int(best_keywords)} & set(with_sentences):
        assert small.sentence_cosine[row] == full.sentence_cosine[row]
