"""The keyword channel: BM25 over jieba tokens.

bm25s computes, at index time, each token's BM25 contribution to each
document (a sparse documents x vocabulary matrix, stored by column). Scoring a
question is then a sum of the columns of its tokens. This class keeps those
columns as plain arrays, so the index bundle stores them like everything else
and a loaded index needs no bm25s object at all.

>>> kw = KeywordIndex.build([["太忻", "经济区"], ["阳曲", "大盂"], ["阳曲"]])
>>> [round(float(s), 3) for s in kw.scores(["阳曲"])]
[0.0, 0.172, 0.229]
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class KeywordIndex:
    """BM25 scores per (token, document), column-compressed, and the token vocabulary."""

    vocab: dict[str, int]
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    n_docs: int

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> KeywordIndex:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        bm25 = bm25s.BM25()
        bm25.index([t if t else [""] for t in token_lists], show_progress=False)
        scores = bm25.scores
        return cls(
            vocab={str(k): int(v) for k, v in bm25.vocab_dict.items()},
            data=np.asarray(scores["data"], dtype=np.float32),
            indices=np.asarray(scores["indices"], dtype=np.int64),
            indptr=np.asarray(scores["indptr"], dtype=np.int64),
            n_docs=len(token_lists),
        )

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], vocab: dict[str, int], n_docs: int) -> KeywordIndex:
        return cls(
            vocab=vocab,
            data=np.asarray(arrays["data"], dtype=np.float32),
            indices=np.asarray(arrays["indices"], dtype=np.int64),
            indptr=np.asarray(arrays["indptr"], dtype=np.int64),
            n_docs=n_docs,
        )

    def arrays(self) -> dict[str, np.ndarray]:
        return {"data": self.data, "indices": self.indices, "indptr": self.indptr}

    def __contains__(self, token: object) -> bool:
        return token in self.vocab

    def scores(self, tokens: Iterable[str]) -> np.ndarray:
        """BM25 score of every document for these tokens (unknown tokens add nothing)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        for token in tokens:
            col = self.vocab.get(token)
            if col is None or col + 1 >= len(self.indptr):
                continue
            a, b = int(self.indptr[col]), int(self.indptr[col + 1])
            np.add.at(out, self.indices[a:b], self.data[a:b])
        return out
