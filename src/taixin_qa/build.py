"""Build the index with the least work: embed only chunks whose content changed.

* nothing changed -> say so, without loading the model;
* a paragraph edited, added or removed -> embed that chunk only;
* model or chunker changed -> embed everything;
* word list changed -> re-tokenize for keyword search, embed nothing.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from taixin_qa.chunking import CHUNKER_VERSION, Chunk, make_chunks, split_sentences
from taixin_qa.corpus import Corpus, load_corpus
from taixin_qa.encoders import Encoder, has_sparse, load_encoder, model_id_for, sparse_dim_for
from taixin_qa.errors import TaixinError
from taixin_qa.integrity import require_intact
from taixin_qa.lexicon import Lexicon
from taixin_qa.store import IndexData, Manifest, choose_index_type, read_index, write_index
from taixin_qa.tokenization import Tokenizer

log = logging.getLogger(__name__)


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
        return (f"Index {self.status}: {self.chunks} chunks, {self.embedded} embedded "
                f"({self.sentences_embedded} sentences), {self.reused} reused, {self.removed} removed; "
                f"model {self.model_id}, {self.index_type} search. {self.reason}").strip()


def lexicon_fingerprint(corpus: Corpus) -> str:
    """Hash of the word lists: when it changes, keyword tokens are made again."""
    digest = hashlib.sha256()
    folder = corpus.root / "lexicon"
    for name in ("words.txt", "stopwords.txt", "aliases.yaml", "followup.yaml", "scope.yaml"):
        path = folder / name
        if path.is_file():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    for iv in corpus.interviews:
        digest.update("|".join((iv.speaker, *iv.posts, *iv.districts, *iv.district_aliases,
                                *iv.speaker_aliases)).encode())
    return digest.hexdigest()[:32]


def _corpus_files(corpus: Corpus) -> dict[str, str]:
    out = {}
    for article in corpus.articles:
        for path in [article.path / "article.yaml", *(iv.path for iv in article.interviews)]:
            out[str(path.relative_to(corpus.root))] = hashlib.sha256(path.read_bytes()).hexdigest()[:32]
    return out


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder; a second one waits."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def plan(corpus: Corpus, index_dir: Path, model: str | None,
         sparse_dim: int | None = None) -> tuple[list[Chunk], IndexData | None, str]:
    """The chunks to index, the reusable old index (if any), and why a build is needed ('' if not)."""
    chunks = make_chunks(corpus)
    model_id = model_id_for(model)
    sparse_dim = sparse_dim_for(model) if sparse_dim is None else sparse_dim
    try:
        old = read_index(index_dir)
    except TaixinError as exc:
        return chunks, None, f"no usable index ({exc})"
    m = old.manifest
    if m.model_id != model_id:
        return chunks, None, f"model changed from {m.model_id} to {model_id}: full rebuild"
    if m.chunker_version != CHUNKER_VERSION:
        return chunks, None, "chunker changed: full rebuild"
    if m.sparse_dim != sparse_dim:
        return chunks, None, "sparse channel changed: full rebuild"
    wanted = {c.passage.id: c.content_hash for c in chunks}
    if wanted != m.chunk_hashes:
        return chunks, old, "corpus changed"
    if m.corpus_files.get("_lexicon") != lexicon_fingerprint(corpus):
        return chunks, old, "word lists changed: keyword index remade"
    if m.index_type != choose_index_type(len(chunks)):
        return chunks, old, "index type changed"
    return chunks, old, ""


def is_stale(corpus_dir: Path, index_dir: Path, model: str | None = None) -> str:
    """Why the index needs a build, or '' when it is current. Loads no model."""
    corpus = load_corpus(corpus_dir)
    return plan(corpus, Path(index_dir), model)[2]


def build_index(corpus_dir: Path | str, index_dir: Path | str, model: str | None = None, *,
                encoder: Encoder | None = None, progress: bool = True, force: bool = False,
                on_embed: Callable[[int], None] | None = None) -> BuildReport:
    """Bring ``index_dir`` up to date with ``corpus_dir``.

    ``encoder`` overrides ``model`` (tests pass a fake one). The corpus check
    runs first: a damaged corpus is never indexed.
    """
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    corpus = load_corpus(corpus_dir)
    require_intact(corpus)
    model_id = encoder.model_id if encoder is not None else model_id_for(model)
    sparse_dim = (int(encoder.sparse_dim) if has_sparse(encoder) else 0) if encoder is not None \
        else sparse_dim_for(model)
    with build_lock(index_dir):
        chunks, old, reason = plan(corpus, index_dir, model if encoder is None else model_id, sparse_dim)
        if force:
            old, reason = None, "forced full rebuild"
        index_type = choose_index_type(len(chunks))
        if not reason:
            return BuildReport("up-to-date", len(chunks), 0, len(chunks), 0, 0, model_id, index_type)

        # Reuse vectors of chunks whose content hash is unchanged.
        reuse: dict[str, tuple[np.ndarray, list[str], np.ndarray, tuple | None]] = {}
        if old is not None:
            by_row: dict[int, list[int]] = {}
            for s, owner in enumerate(old.sentence_owner.tolist()):
                by_row.setdefault(owner, []).append(s)
            for row, passage in enumerate(old.passages):
                h = old.manifest.chunk_hashes.get(passage["id"])
                rows = by_row.get(row, [])
                sparse_row = None
                if old.sparse is not None:
                    a, b = old.sparse["indptr"][row], old.sparse["indptr"][row + 1]
                    sparse_row = (old.sparse["indices"][a:b], old.sparse["data"][a:b])
                reuse[h] = (old.vectors[row], [old.sentences[s] for s in rows], old.sentence_vectors[rows],
                            sparse_row)
        todo = [c for c in chunks if c.content_hash not in reuse]
        if todo and encoder is None:
            encoder = load_encoder(model)
        dim = encoder.dim if encoder is not None else int(old.vectors.shape[1])

        texts: list[str] = []
        sentence_texts: list[list[str]] = []
        for c in todo:
            texts.append(c.indexed_text)
            sents = split_sentences(c.passage.text) if c.passage.kind == "paragraph" else []
            sentence_texts.append(sents)
        header_of = {c.passage.id: c.indexed_text[: len(c.indexed_text) - len(c.passage.text)] for c in todo}
        flat_sentences = [header_of[c.passage.id] + s for c, sents in zip(todo, sentence_texts) for s in sents]
        if todo:
            log.info("embedding %d chunks and %d sentences", len(texts), len(flat_sentences))
            vecs = encoder.encode_passages(texts + flat_sentences, progress=progress)
            sparse_rows = encoder.encode_sparse([c.sparse_text for c in todo]) if sparse_dim else [None] * len(texts)
            if on_embed:
                on_embed(len(texts))
        else:
            vecs = np.zeros((0, dim), dtype=np.float32)
            sparse_rows = []
        new_vecs = {c.content_hash: vecs[i] for i, c in enumerate(todo)}
        offset = len(todo)
        for c, sents, sparse_row in zip(todo, sentence_texts, sparse_rows):
            reuse[c.content_hash] = (new_vecs[c.content_hash], sents, vecs[offset:offset + len(sents)], sparse_row)
            offset += len(sents)

        vectors = np.zeros((len(chunks), dim), dtype=np.float32)
        sentences: list[str] = []
        sentence_vectors: list[np.ndarray] = []
        owners: list[int] = []
        sp_data: list[np.ndarray] = []
        sp_indices: list[np.ndarray] = []
        sp_indptr = [0]
        for row, c in enumerate(chunks):
            vec, sents, svecs, sparse_row = reuse[c.content_hash]
            vectors[row] = vec
            if sparse_dim:
                idx, val = sparse_row if sparse_row is not None else (np.zeros(0, np.int32), np.zeros(0, np.float32))
                sp_indices.append(np.asarray(idx, dtype=np.int32))
                sp_data.append(np.asarray(val, dtype=np.float32))
                sp_indptr.append(sp_indptr[-1] + len(idx))
            sentences.extend(sents)
            sentence_vectors.extend(list(svecs))
            owners.extend([row] * len(sents))

        lexicon = Lexicon.from_corpus(corpus)
        tokenizer = Tokenizer(lexicon)
        tokens = [tokenizer.cut_for_search(c.indexed_text) for c in chunks]
        bm25, vocab = keyword_index(tokens)
        faiss_bytes = None
        if index_type == "hnsw":
            faiss_bytes = hnsw_bytes(vectors)
        files = _corpus_files(corpus)
        files["_lexicon"] = lexicon_fingerprint(corpus)
        manifest = Manifest(model_id=model_id, dim=dim, chunker_version=CHUNKER_VERSION, index_type=index_type,
                            chunk_hashes={c.passage.id: c.content_hash for c in chunks}, bundle="",
                            bundle_sha256="", corpus_files=files, sparse_dim=sparse_dim)
        sparse = None
        if sparse_dim:
            sparse = {"data": np.concatenate(sp_data) if sp_data else np.zeros(0, np.float32),
                      "indices": np.concatenate(sp_indices) if sp_indices else np.zeros(0, np.int32),
                      "indptr": np.asarray(sp_indptr, dtype=np.int64)}
        data = IndexData(
            manifest=manifest,
            passages=[c.passage.to_dict() for c in chunks],
            tokens=tokens,
            vectors=vectors,
            sentence_vectors=(np.stack(sentence_vectors) if sentence_vectors
                              else np.zeros((0, dim), dtype=np.float32)),
            sentence_owner=np.asarray(owners, dtype=np.int32),
            sentences=sentences,
            bm25=bm25,
            vocab=vocab,
            faiss_bytes=faiss_bytes,
            sparse=sparse,
        )
        if os.environ.get("TAIXIN_QA_TEST_CRASH_BEFORE_WRITE"):
            # Lets the tests kill a build at its most dangerous moment.
            import time

            print("paused before write", flush=True)
            time.sleep(float(os.environ["TAIXIN_QA_TEST_CRASH_BEFORE_WRITE"]))
        write_index(index_dir, data)
        status = "rebuilt" if old is None else "updated"
        removed = 0
        if old is not None:
            removed = len(set(old.manifest.chunk_hashes) - {c.passage.id for c in chunks})
        return BuildReport(status, len(chunks), len(todo), len(chunks) - len(todo), removed,
                           len(flat_sentences), model_id, index_type, reason)


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

    index = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 80
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return faiss.serialize_index(index)
