"""The saved index: one content-addressed bundle plus a small manifest.

``embeddings/`` holds

* ``bundle-<sha>.npz`` — passage and sentence vectors, the keyword index, the
  passages themselves, one content hash and one seal per passage, and (for
  large corpora) a serialized approximate FAISS index; named after its own sha256;
* ``manifest.json`` — model id, dimension, chunker version, index type, one
  content hash per chunk, and the bundle's file name and sha256.

A build writes the new bundle first and replaces the manifest last (write to a
temporary file, then rename), so a build killed at any moment leaves the old
manifest pointing at the old, intact bundle.

Nothing is trusted before it is verified. The manifest is outside the bundle's
checksum, so every field it shares with the bundle (model, dimension, chunk
hashes, ...) must agree with the bundle's own copy, and every field has its type
checked. Inside the bundle each passage's content hash is recomputed from the
stored passage, each sentence must come from its passage, and every array must
have the shape the passages imply. Any failure is one :class:`TaixinError`
("damaged, rebuild"), never a wrong attribution and never a traceback.

A passage's *seal* (sha256 of its content hash, its vectors, its sentences and
their vectors) binds the vectors to the text they were made from; it is checked
on every read, and a build checks it again before reusing a row
(:func:`verified_rows`). The checksums guard against damage and mistakes, not
against someone who rewrites the bundle, its seals and its checksum.
"""

from __future__ import annotations

import io
import json
import re
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from taixin_qa._fs import atomic_write_bytes, sha256_bytes
from taixin_qa.chunking import Chunk, Passage, context_header, split_sentences
from taixin_qa.corpus import Interview
from taixin_qa.errors import TaixinError
from taixin_qa.settings import SETTINGS

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
INDEX_TYPES = ("flat", "hnsw")
_BUNDLE_NAME = re.compile(r"bundle-[0-9a-f]{16}\.npz")
_HEX64 = re.compile(r"[0-9a-f]{64}")
# Fields the bundle repeats from the manifest; they must agree.
_SHARED = ("model_id", "dim", "sparse_dim", "chunker_version", "index_type")
_PASSAGE_STR = ("id", "text", "speaker", "role", "district", "interview_id", "kind")


def choose_index_type(n_chunks: int) -> str:
    """'flat' (exact inner product) for small corpora, 'hnsw' from ``Ann.hnsw_from_chunks`` on."""
    return "hnsw" if n_chunks >= SETTINGS.ann.hnsw_from_chunks else "flat"


def _damaged(where: Path | str, what: str) -> TaixinError:
    return TaixinError(f"{where} is damaged ({what}). Run `taixin-qa build` to rebuild the index.")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _str_map(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


# field -> (check, what it must be)
_MANIFEST_TYPES: dict[str, tuple[Any, str]] = {
    "model_id": (lambda v: isinstance(v, str) and v != "", "a model name"),
    "dim": (lambda v: _is_int(v) and 0 < v <= 65536, "a positive integer"),
    "chunker_version": (_is_int, "an integer"),
    "index_type": (lambda v: v in INDEX_TYPES, "'flat' or 'hnsw'"),
    "chunk_hashes": (_str_map, "a mapping of passage id to hash"),
    "bundle": (lambda v: isinstance(v, str) and _BUNDLE_NAME.fullmatch(v) is not None, "a bundle file name"),
    "bundle_sha256": (lambda v: isinstance(v, str) and _HEX64.fullmatch(v) is not None, "a sha256"),
    "corpus_files": (_str_map, "a mapping of file to hash"),
    "sparse_dim": (lambda v: _is_int(v) and 0 <= v <= 1 << 24, "a non-negative integer"),
    "created": (lambda v: (_is_int(v) or isinstance(v, float)) and v == v, "a time"),
    "format_version": (_is_int, "an integer"),
    "settings": (lambda v: isinstance(v, dict), "a mapping"),
}


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
    settings: dict[str, Any] = field(default_factory=dict)  # the knobs the index was built with

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=1, sort_keys=True)

    @classmethod
    def read(cls, index_dir: Path) -> Manifest:
        """Read and type-check ``manifest.json``; every problem is one TaixinError."""
        path = Path(index_dir) / MANIFEST
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise TaixinError(f"No index at {index_dir} (manifest.json is missing). Run `taixin-qa build`.") from None
        except OSError as exc:
            raise TaixinError(
                f"{path} cannot be read ({exc.strerror or type(exc).__name__}). "
                "Check its permissions, or run `taixin-qa build`."
            ) from None
        return cls.parse(raw, path)

    @classmethod
    def parse(cls, raw: bytes, path: Path | str = MANIFEST) -> Manifest:
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            raise _damaged(path, "not valid JSON") from None
        if not isinstance(data, dict):
            raise _damaged(path, "not a JSON object")
        version = data.get("format_version")
        if _is_int(version) and version != FORMAT_VERSION:
            raise TaixinError(
                f"{path} has index format {version}, this version reads {FORMAT_VERSION}. Run `taixin-qa build`."
            )
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise _damaged(path, f"unknown field {unknown[0]!r}")
        missing = sorted(
            n
            for n in (
                "model_id",
                "dim",
                "chunker_version",
                "index_type",
                "chunk_hashes",
                "bundle",
                "bundle_sha256",
                "format_version",
            )
            if n not in data
        )
        if missing:
            raise _damaged(path, f"field {missing[0]!r} is missing")
        for name, value in data.items():
            check, what = _MANIFEST_TYPES[name]
            if not check(value):
                raise _damaged(path, f"field {name!r} must be {what}")
        return cls(**data)


def manifest_stamp(index_dir: Path) -> tuple[int, int, int] | None:
    """(mtime ns, size, inode) of the manifest, or None when it cannot be seen.

    A reader that rejected a manifest remembers its stamp and does not read it
    again (nor warn again) until the stamp changes.
    """
    try:
        st = (Path(index_dir) / MANIFEST).stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


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
    # Per passage: the chunk content hash (recomputed from the passage on read)
    # and the seal binding it to its vectors (see module docstring).
    row_hashes: list[str] = field(default_factory=list)
    row_seals: list[str] = field(default_factory=list)

    def sentence_slices(self) -> list[range]:
        """For each passage, the range of its sentences (stored grouped, in passage order)."""
        counts = (
            np.bincount(self.sentence_owner, minlength=len(self.passages))
            if len(self.sentence_owner)
            else np.zeros(len(self.passages), dtype=np.int64)
        )
        ends = np.cumsum(counts)
        return [range(int(e - c), int(e)) for c, e in zip(counts, ends)]


def passage_chunk(passage: Passage) -> Chunk:
    """The chunk a passage was made from, rebuilt from the passage alone.

    Its ``content_hash`` is what the build recorded, so a stored passage whose
    text, speaker, post, district or headline was changed no longer matches.
    """
    iv = Interview(
        id=passage.interview_id,
        article_id="",
        speaker=passage.speaker,
        posts=(passage.role,),
        districts=(passage.district,),
        path=Path(),
        paragraphs=(),
        headline=passage.headline,
    )
    return Chunk(passage, context_header(iv) + passage.text)


def expected_sentences(passage: Passage) -> list[str]:
    """The sentences a build stores for a passage (captions have none of their own)."""
    return split_sentences(passage.text) if passage.kind == "paragraph" else []


def row_seal(
    row_hash: str,
    vector: np.ndarray,
    sentences: list[str],
    sentence_vectors: np.ndarray,
    sparse_row: tuple[np.ndarray, np.ndarray] | None,
) -> str:
    """sha256 of a passage's content hash, vectors, sentences and sparse row (binds them together)."""
    parts = [
        row_hash.encode("ascii"),
        np.ascontiguousarray(vector, dtype=np.float32).tobytes(),
        "\0".join(sentences).encode("utf-8") + b"\1",
        np.ascontiguousarray(sentence_vectors, dtype=np.float32).tobytes(),
    ]
    if sparse_row is not None:
        parts.append(np.ascontiguousarray(sparse_row[0], dtype=np.int32).tobytes() + b"\2")
        parts.append(np.ascontiguousarray(sparse_row[1], dtype=np.float32).tobytes())
    return sha256_bytes(b"".join(parts))[:32]


def _sparse_row(data: IndexData, row: int) -> tuple[np.ndarray, np.ndarray] | None:
    if data.sparse is None:
        return None
    a, b = int(data.sparse["indptr"][row]), int(data.sparse["indptr"][row + 1])
    return data.sparse["indices"][a:b], data.sparse["data"][a:b]


def seals_of(data: IndexData) -> list[str]:
    slices = data.sentence_slices()
    return [
        row_seal(
            data.row_hashes[r],
            data.vectors[r],
            [data.sentences[s] for s in slices[r]],
            data.sentence_vectors[slices[r].start : slices[r].stop],
            _sparse_row(data, r),
        )
        for r in range(len(data.passages))
    ]


def verified_rows(data: IndexData) -> list[int]:
    """Rows whose seal matches their content hash, vectors and sentences (safe to reuse)."""
    return [r for r, seal in enumerate(seals_of(data)) if seal == data.row_seals[r]]


def check_consistent(data: IndexData, where: Path | str = "the index") -> None:
    """Raise TaixinError unless every passage, sentence and array agrees with the others.

    Called on every read and by the build before it writes.
    """
    n, dim = len(data.passages), data.manifest.dim
    if len(data.row_hashes) != n or len(data.row_seals) != n or len(data.tokens) != n:
        raise _damaged(where, "per-passage records do not match the passages")
    if data.vectors.shape != (n, dim) or data.vectors.dtype != np.float32:
        raise _damaged(where, f"passage vectors are {data.vectors.shape}, expected ({n}, {dim})")
    m = len(data.sentences)
    if data.sentence_vectors.shape != (m, dim) or data.sentence_owner.shape != (m,):
        raise _damaged(where, "sentence vectors do not match the sentences")
    owner = data.sentence_owner
    if m and (owner.min() < 0 or owner.max() >= n or np.any(np.diff(owner) < 0)):
        raise _damaged(where, "a sentence points at no passage")
    if not np.all(np.isfinite(data.vectors)) or not np.all(np.isfinite(data.sentence_vectors)):
        raise _damaged(where, "vectors hold NaN or infinity")
    slices = data.sentence_slices()
    hashes = {}
    for r, p in enumerate(data.passages):
        passage = Passage(**p)
        if passage_chunk(passage).content_hash != data.row_hashes[r]:
            raise _damaged(where, f"passage {passage.id} does not match its content hash")
        if [data.sentences[s] for s in slices[r]] != expected_sentences(passage):
            raise _damaged(where, f"the sentences of {passage.id} are not its own")
        hashes[passage.id] = data.row_hashes[r]
    if len(hashes) != n:
        raise _damaged(where, "two passages share an id")
    if hashes != data.manifest.chunk_hashes:
        raise _damaged(where, "manifest.json's chunk hashes differ from the bundle's")
    if seals_of(data) != data.row_seals:
        raise _damaged(where, "a passage's vectors do not match its seal")
    # bm25s numbers the empty token it adds for empty documents last, without a column.
    _check_csc(data.bm25, len(data.vocab), n, where, "keyword index", short_ok=True)
    if sorted(data.vocab.values()) != list(range(len(data.vocab))):
        raise _damaged(where, "keyword vocabulary is not numbered 0..n-1")
    if data.manifest.sparse_dim:
        if data.sparse is None:
            raise _damaged(where, "learned sparse vectors are missing")
        _check_csc(data.sparse, n, data.manifest.sparse_dim, where, "learned sparse vectors")
    elif data.sparse is not None:
        raise _damaged(where, "learned sparse vectors the manifest does not declare")
    if (data.faiss_bytes is not None) != (data.manifest.index_type == "hnsw"):
        raise _damaged(where, "the approximate index does not match the index type")


def _check_csc(
    arrays: dict[str, np.ndarray], n_major: int, n_minor: int, where: Path | str, what: str, short_ok: bool = False
) -> None:
    """Compressed sparse arrays: indptr has n_major + 1 rising entries (fewer when ``short_ok``:
    the missing trailing majors are empty); indices lie in [0, n_minor)."""
    indptr, indices, values = arrays["indptr"], arrays["indices"], arrays["data"]
    size_ok = indptr.shape == (n_major + 1,) or (short_ok and indptr.ndim == 1 and 1 <= len(indptr) <= n_major + 1)
    ok = (
        indptr.ndim == indices.ndim == values.ndim == 1
        and size_ok
        and np.issubdtype(indptr.dtype, np.integer)
        and np.issubdtype(indices.dtype, np.integer)
        and np.issubdtype(values.dtype, np.floating)
        and len(indices) == len(values)
    )
    ok = ok and int(indptr[0]) == 0 and int(indptr[-1]) == len(indices) and not np.any(np.diff(indptr) < 0)
    ok = ok and (not len(indices) or (int(indices.min()) >= 0 and int(indices.max()) < n_minor))
    ok = ok and bool(np.all(np.isfinite(values)))
    if not ok:
        raise _damaged(where, f"{what} is malformed")


def write_index(index_dir: Path, data: IndexData) -> Manifest:
    """Check, seal and save a bundle and then, last, the manifest that points at it.

    Raises TaixinError (nothing written) when the data is not consistent, and
    OSError when the folder cannot be written.
    """
    manifest = data.manifest
    manifest.chunk_hashes = {p["id"]: h for p, h in zip(data.passages, data.row_hashes)}
    data.row_seals = seals_of(data)
    check_consistent(data, "the new index")
    meta = {
        "passages": data.passages,
        "tokens": data.tokens,
        "sentences": data.sentences,
        "vocab": data.vocab,
        "row_hashes": data.row_hashes,
        "row_seals": data.row_seals,
        "header": {k: getattr(manifest, k) for k in _SHARED},
    }
    arrays: dict[str, Any] = {
        "meta": np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
        "vectors": data.vectors.astype(np.float32),
        "sentence_vectors": data.sentence_vectors.astype(np.float32),
        "sentence_owner": data.sentence_owner.astype(np.int32),
        "bm25_data": data.bm25["data"],
        "bm25_indices": data.bm25["indices"],
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
    manifest.bundle, manifest.bundle_sha256, manifest.created = name, digest, time.time()
    manifest.format_version = FORMAT_VERSION
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
        try:
            if time.time() - stale.stat().st_mtime > 3600:
                stale.unlink()
        except OSError:
            pass
    return manifest


def read_index(
    index_dir: Path | str, attempts: int = 3, *, model_id: str | None = None, dim: int | None = None
) -> IndexData:
    """Load and verify the current bundle. Raises TaixinError when it is missing or damaged.

    ``model_id`` and ``dim``, when given, are what the caller's encoder produces:
    an index built by another model, or of another dimension, is refused.
    """
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
        except OSError as exc:
            raise TaixinError(
                f"{path} cannot be read ({exc.strerror or type(exc).__name__}). "
                "Check its permissions, or run `taixin-qa build`."
            ) from None
        if sha256_bytes(blob) != manifest.bundle_sha256:
            raise TaixinError(
                f"{path} is damaged (its checksum does not match manifest.json). "
                "Run `taixin-qa build` to rebuild the index."
            )
        data = _unpack(blob, manifest, path)
        if model_id is not None and manifest.model_id != model_id:
            raise TaixinError(
                f"The index at {index_dir} was built with {manifest.model_id}, not {model_id}. Run `taixin-qa build`."
            )
        if dim is not None and manifest.dim != dim:
            raise TaixinError(
                f"The index at {index_dir} holds {manifest.dim}-dimensional vectors; the model "
                f"gives {dim}. Run `taixin-qa build`."
            )
        return data
    raise AssertionError("unreachable")


def load_faiss(data: IndexData) -> Any:
    """The approximate index of a loaded bundle (None for exact search), checked against the passages."""
    if data.faiss_bytes is None:
        return None
    import faiss

    try:
        index = faiss.deserialize_index(np.ascontiguousarray(data.faiss_bytes, dtype=np.uint8))
    except (RuntimeError, ValueError, TypeError):
        raise _damaged(data.manifest.bundle or "the index", "its approximate index cannot be read") from None
    if index.ntotal != len(data.passages) or index.d != data.manifest.dim or not hasattr(index, "hnsw"):
        raise _damaged(data.manifest.bundle or "the index", "its approximate index does not match the passages")
    return index


def _unpack(blob: bytes, manifest: Manifest, path: Path) -> IndexData:
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
        header = meta["header"]
        for name in _SHARED:
            if header[name] != getattr(manifest, name):
                raise _damaged(
                    path, f"manifest.json says {name}={getattr(manifest, name)!r}, the bundle {header[name]!r}"
                )
        passages = meta["passages"]
        for p in passages:
            _check_passage(p, path)
        sparse_keys = ("data", "indices", "indptr")
        data = IndexData(
            manifest=manifest,
            passages=passages,
            tokens=_list_of_str_lists(meta["tokens"], path),
            sentences=_str_list(meta["sentences"], path),
            vocab=meta["vocab"] if _is_vocab(meta["vocab"]) else _fail(path, "keyword vocabulary"),
            vectors=arrays["vectors"],
            sentence_vectors=arrays["sentence_vectors"],
            sentence_owner=arrays["sentence_owner"],
            bm25={"data": arrays["bm25_data"], "indices": arrays["bm25_indices"], "indptr": arrays["bm25_indptr"]},
            faiss_bytes=arrays.get("faiss"),
            sparse=({k: arrays[f"sparse_{k}"] for k in sparse_keys} if "sparse_data" in arrays else None),
            row_hashes=_str_list(meta["row_hashes"], path),
            row_seals=_str_list(meta["row_seals"], path),
        )
        if not np.issubdtype(data.sentence_owner.dtype, np.integer):
            raise _damaged(path, "sentence owners are not integers")
        check_consistent(data, path)
        return data
    except TaixinError:
        raise
    except (KeyError, IndexError, ValueError, TypeError, AttributeError, OSError, RecursionError) as exc:
        # np.load and json raise many types for a malformed bundle; all mean the same.
        raise TaixinError(
            f"{path} could not be read ({type(exc).__name__}). Run `taixin-qa build` to rebuild the index."
        ) from None


def _fail(path: Path, what: str) -> Any:
    raise _damaged(path, f"{what} is malformed")


def _check_passage(p: object, path: Path) -> None:
    ok = isinstance(p, dict) and set(p) == {f.name for f in fields(Passage)}
    ok = ok and all(isinstance(p[k], str) for k in _PASSAGE_STR)  # type: ignore[index]
    ok = ok and (p["headline"] is None or isinstance(p["headline"], str))  # type: ignore[index]
    ok = ok and isinstance(p["score"], (int, float)) and not isinstance(p["score"], bool)  # type: ignore[index]
    if not ok:
        raise _damaged(path, "a stored passage is malformed")


def _str_list(value: object, path: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _damaged(path, "a list of texts is malformed")
    return value


def _list_of_str_lists(value: object, path: Path) -> list[list[str]]:
    if not isinstance(value, list) or not all(
        isinstance(v, list) and all(isinstance(t, str) for t in v) for v in value
    ):
        raise _damaged(path, "keyword tokens are malformed")
    return value


def _is_vocab(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and _is_int(v) for k, v in value.items())
