"""Shared fixtures: a copy of the corpus to damage, and a fake encoder that counts its work."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
ARTICLE = "articles/taixin-page"


class FakeEncoder:
    """Deterministic stand-in for the embedding model.

    Vectors come from a hash of the text, so equal texts get equal vectors,
    and every text passed in is recorded: tests can prove what was (and was
    not) embedded without loading a real model.
    """

    model_id = "fake-encoder"
    dim = 16
    sparse_dim = 64

    def __init__(self) -> None:
        self.passage_texts: list[str] = []
        self.query_texts: list[str] = []
        self.sparse_texts: list[str] = []
        self.calls = 0

    @staticmethod
    def _vector(text: str, dim: int) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
        return v / np.linalg.norm(v)

    def encode_queries(self, texts):
        self.calls += 1
        self.query_texts.extend(texts)
        return np.stack([self._vector("q:" + t, self.dim) for t in texts])

    def encode_passages(self, texts, progress=False):
        self.calls += 1
        self.passage_texts.extend(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector("p:" + t, self.dim) for t in texts])

    def encode_sparse(self, texts):
        self.sparse_texts.extend(texts)
        out = []
        for t in texts:
            v = np.abs(self._vector("s:" + t, self.sparse_dim))
            idx = np.argsort(-v)[:8].astype(np.int32)
            out.append((idx, v[idx]))
        return out


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped corpus, safe to edit or damage."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


def interview_file(corpus_dir: Path, interview_id: str) -> Path:
    return next((corpus_dir / ARTICLE).glob(f"*-{interview_id}.md"))
