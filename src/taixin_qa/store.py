"""The saved index: one content-addressed bundle plus a small manifest.

``embeddings/`` holds

* ``bundle-<sha>.npz`` — passage and sentence vectors, the keyword index, the
  passages themselves and (for large corpora) a serialized approximate FAISS
  index; named after its own sha256;
* ``manifest.json`` — model id, dimension, chunker version, index type, one
  content hash per chunk, and the bundle's file name and sha256.

A build writes the new bundle first and replaces the manifest last (write to a
temporary file, then rename), so a build killed at any moment leaves the old
manifest pointing at the old, intact bundle. Readers verify the checksum and
never serve a bundle that does not match its manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from taixin_qa.errors import TaixinError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# Below this many chunks exact search is fast enough and is always right;
# above it an HNSW graph keeps a query in the low milliseconds (benchmarks/README.md).
HNSW_FROM_CHUNKS = 50_000


def choose_index_type(n_chunks: int) -> str:
    """'flat' (exact inner product) for small corpora, 'hnsw' from HNSW_FROM_CHUNKS on."""
    return "hnsw" if n_chunks >= HNSW_FROM_CHUNKS else "flat"


@dataclass
class Manifest:
    model_id: str
    dim: int
    chunker_version: int
    index_type: str
    chunk_hashes: dict[str, str]
    bundle: str
    bundle_sha256: str
    corpus_files: dict[str, str] = field(default_factory=dict)
    sparse_dim: int = 0
    created: float = 0.0
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=1, sort_keys=True)

    @classmethod
    def read(cls, index_dir: Path) -> "Manifest":
        path = index_dir / MANIFEST
        if not path.is_file():
            raise TaixinError(f"No index at {index_dir} (manifest.json is missing). Run `taixin-qa build`.")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            manifest = cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise TaixinError(f"{path} is unreadable or damaged ({type(exc).__name__}). "
                              "Run `taixin-qa build` to rebuild the index.") from None
        if manifest.format_version != FORMAT_VERSION:
            raise TaixinError(f"{path} has index format {manifest.format_version}, this version reads "
                              f"{FORMAT_VERSION}. Run `taixin-qa build`.")
        return manifest


@dataclass
class IndexData:
    """Everything a search needs, loaded from one bundle."""

    manifest: Manifest
    passages: list[dict]
    tokens: list[list[str]]
    vectors: np.ndarray
    sentence_vectors: np.ndarray
    sentence_owner: np.ndarray
    sentences: list[str]
    bm25: dict[str, np.ndarray]
    vocab: dict[str, int]
    faiss_bytes: np.ndarray | None = None
    # Learned sparse vectors of the passages (CSR rows), when the model has a sparse head.
    sparse: dict[str, np.ndarray] | None = None


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the index is shared, read-only data
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_index(index_dir: Path, data: IndexData) -> Manifest:
    """Save a bundle and then, last, the manifest that points at it."""
    meta = {"passages": data.passages, "tokens": data.tokens, "sentences": data.sentences,
            "vocab": data.vocab}
    arrays = {
        "meta": np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
        "vectors": data.vectors.astype(np.float32),
        "sentence_vectors": data.sentence_vectors.astype(np.float32),
        "sentence_owner": data.sentence_owner.astype(np.int32),
        "bm25_data": data.bm25["data"], "bm25_indices": data.bm25["indices"],
        "bm25_indptr": data.bm25["indptr"],
    }
    if data.faiss_bytes is not None:
        arrays["faiss"] = data.faiss_bytes
    if data.sparse is not None:
        arrays.update({f"sparse_{k}": v for k, v in data.sparse.items()})
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    blob = buf.getvalue()
    digest = sha256_bytes(blob)
    name = f"bundle-{digest[:16]}.npz"
    atomic_write_bytes(index_dir / name, blob)
    manifest = data.manifest
    manifest.bundle, manifest.bundle_sha256, manifest.created = name, digest, time.time()
    atomic_write_bytes(index_dir / MANIFEST, manifest.to_json().encode("utf-8"))
    # Old bundles go only after the new manifest is in place; a reader that
    # still holds the old manifest retries (see read_index).
    for old in index_dir.glob("bundle-*.npz"):
        if old.name != name:
            try:
                old.unlink()
            except OSError:
                pass
    for stale in index_dir.glob(".*.tmp"):
        if time.time() - stale.stat().st_mtime > 3600:
            stale.unlink(missing_ok=True)
    return manifest


def read_index(index_dir: Path, attempts: int = 3) -> IndexData:
    """Load and verify the current bundle. Raises TaixinError when it is missing or damaged."""
    index_dir = Path(index_dir)
    for attempt in range(attempts):
        manifest = Manifest.read(index_dir)
        path = index_dir / manifest.bundle
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            # A rebuild replaced the manifest and removed this bundle meanwhile.
            if attempt + 1 < attempts:
                time.sleep(0.05)
                continue
            raise TaixinError(f"{path} is missing; the index is incomplete. Run `taixin-qa build`.") from None
        if sha256_bytes(blob) != manifest.bundle_sha256:
            raise TaixinError(f"{path} is damaged (its checksum does not match manifest.json). "
                              "Run `taixin-qa build` to rebuild the index.")
        try:
            with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
            meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
            return IndexData(
                manifest=manifest,
                passages=meta["passages"],
                tokens=meta["tokens"],
                sentences=meta["sentences"],
                vocab=meta["vocab"],
                vectors=arrays["vectors"],
                sentence_vectors=arrays["sentence_vectors"],
                sentence_owner=arrays["sentence_owner"],
                bm25={"data": arrays["bm25_data"], "indices": arrays["bm25_indices"],
                      "indptr": arrays["bm25_indptr"]},
                faiss_bytes=arrays.get("faiss"),
                sparse=({k: arrays[f"sparse_{k}"] for k in ("data", "indices", "indptr")}
                        if "sparse_data" in arrays else None),
            )
        except (KeyError, ValueError, OSError) as exc:
            raise TaixinError(f"{path} could not be read ({type(exc).__name__}). "
                              "Run `taixin-qa build` to rebuild the index.") from None
    raise AssertionError("unreachable")
