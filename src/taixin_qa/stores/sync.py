"""Bring a store up to date with the corpus, chunk by chunk.

* compare the corpus's per-chunk content hashes with those the store holds;
* upsert chunks that changed or are new, delete chunks that are gone;
* a chunk whose content moved to another id (a paragraph inserted before it)
  keeps its vectors: they are fetched and checked against the stored passage,
  not embedded again;
* nothing changed -> nothing is written and no model is loaded;
* the model, dimension and index settings are recorded in the store; a change
  of any of them empties the store and fills it again.

Each chunk's row (with its hash) is written after its sentences, so a sync cut
short at any point is finished by running it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from taixin_qa.build import MAX_EMBED_CHARS, embed_chunks, lexicon_fingerprint, sparse_dim_of
from taixin_qa.chunking import CHUNKER_VERSION, Chunk, make_chunks
from taixin_qa.corpus import load_corpus
from taixin_qa.encoders import Encoder, load_encoder, model_id_for
from taixin_qa.errors import TaixinError
from taixin_qa.integrity import require_intact
from taixin_qa.lexicon import Lexicon
from taixin_qa.store import passage_chunk
from taixin_qa.stores import ChunkRecord, Description
from taixin_qa.stores.milvus import KEYWORD_ANALYZER, MilvusStore, _short
from taixin_qa.tokenization import Tokenizer

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    status: str  # "up-to-date", "updated", "rebuilt"
    chunks: int
    embedded: int
    moved: int  # rows rewritten under a new id with their old vectors
    upserted: int
    deleted: int
    model_id: str
    reason: str = ""

    def summary(self) -> str:
        if self.status == "up-to-date":
            return f"Store is up to date ({self.chunks} chunks, model {self.model_id}); nothing to do."
        return (
            f"Store {self.status}: {self.chunks} chunks, {self.embedded} embedded, {self.moved} moved, "
            f"{self.upserted} written, {self.deleted} deleted; model {self.model_id}. {self.reason}"
        ).strip()


def store_settings(lexicon: str) -> dict:
    """What, besides the model, shapes the stored rows; a change refills the store."""
    return {
        "chunker": CHUNKER_VERSION,
        "max_embed_chars": MAX_EMBED_CHARS,
        "lexicon": lexicon,
        "keyword_analyzer": KEYWORD_ANALYZER,
    }


def sync_store(
    corpus_dir: Path | str,
    store: MilvusStore,
    model: str | None = None,
    *,
    encoder: Encoder | None = None,
    progress: bool = False,
    batch: int = 256,
) -> SyncReport:
    """Make ``store`` hold exactly the corpus's chunks. One TaixinError line for any store failure."""
    try:
        from pymilvus.exceptions import MilvusException
    except ImportError:  # pragma: no cover - MilvusStore already said what to install
        MilvusException = RuntimeError  # noqa: N806
    try:
        return _sync(Path(corpus_dir), store, model, encoder, progress, batch)
    except MilvusException as exc:
        raise TaixinError(
            f"Milvus at {store.uri} refused the sync ({_short(exc)}). Run the sync again; it finishes what was left."
        ) from None


def _sync(
    corpus_dir: Path, store: MilvusStore, model: str | None, encoder: Encoder | None, progress: bool, batch: int
) -> SyncReport:
    corpus = load_corpus(corpus_dir)
    require_intact(corpus)
    chunks = make_chunks(corpus)
    model_id = encoder.model_id if encoder is not None else model_id_for(model)
    sparse_dim = sparse_dim_of(encoder, model)
    wanted_settings = store_settings(lexicon_fingerprint(corpus))
    held = store.describe()
    reason = ""
    stale = (held.model_id, held.sparse_dim, held.settings) != (model_id, sparse_dim, wanted_settings)
    if store.exists and held.model_id and (stale or (encoder is not None and held.dim != encoder.dim)):
        reason = "model or settings changed: store refilled"
        store.drop()
        held = Description()
    changed = [c for c in chunks if held.chunk_hashes.get(c.passage.id) != c.content_hash]
    removed = sorted(set(held.chunk_hashes) - {c.passage.id for c in chunks})
    if not changed and not removed and held.model_id == model_id:
        return SyncReport("up-to-date", len(chunks), 0, 0, 0, 0, model_id)

    moved = _movable(store, changed, held.chunk_hashes)
    todo = [c for c in changed if c.passage.id not in moved]
    if encoder is None and (todo or not store.exists):
        encoder = load_encoder(model)
    if not store.exists:
        assert encoder is not None
        store.create(int(encoder.dim), sparse_dim)
        reason = reason or "new store"
    dim = int(encoder.dim) if encoder is not None else held.dim
    # Record the model first: a sync cut short and re-run with another model refills, never mixes.
    store.set_description(Description(model_id, dim, sparse_dim, wanted_settings))
    tokenizer = Tokenizer(Lexicon.from_corpus(corpus))
    embedded = 0
    for start in range(0, len(changed), batch):
        records = _records(changed[start : start + batch], moved, encoder, sparse_dim, tokenizer, progress)
        store.upsert(records)
        embedded += sum(1 for c in changed[start : start + batch] if c.passage.id not in moved)
    store.delete(removed)
    store.set_description(Description(model_id, dim, sparse_dim, wanted_settings))
    store.load()
    status = "rebuilt" if reason else "updated"
    return SyncReport(
        status, len(chunks), embedded, len(moved), len(changed), len(removed), model_id, reason or "corpus changed"
    )


def _records(
    part: list[Chunk],
    moved: dict[str, ChunkRecord],
    encoder: Encoder | None,
    sparse_dim: int,
    tokenizer: Tokenizer,
    progress: bool,
) -> list[ChunkRecord]:
    """Store records for a batch of changed chunks: moved ones keep their vectors, the rest are embedded."""
    fresh, _ = embed_chunks([c for c in part if c.passage.id not in moved], encoder, sparse_dim, progress)
    records = []
    for c in part:
        if c.passage.id in moved:
            records.append(moved[c.passage.id])
            continue
        vec, sents, svecs, sparse_row = fresh[(c.content_hash, c.passage.kind)]
        tokens = tokenizer.cut_for_search(c.indexed_text)
        records.append(ChunkRecord(c.passage, c.content_hash, vec, sents, svecs, tokens, sparse_row))
    return records


def _movable(store: MilvusStore, changed: list[Chunk], held: dict[str, str]) -> dict[str, ChunkRecord]:
    """Changed ids whose content the store already holds under another id, with those vectors.

    A fetched record is reused only if its stored passage still hashes to the
    content hash it is filed under (the store's word is checked, not trusted).
    """
    by_hash = {h: pid for pid, h in held.items()}
    sources = {c.passage.id: by_hash[c.content_hash] for c in changed if c.content_hash in by_hash}
    if not sources:
        return {}
    fetched = {r.passage.id: r for r in store.fetch(sorted(set(sources.values())))}
    out = {}
    for c in changed:
        record = fetched.get(sources.get(c.passage.id, ""))
        if (
            record is None
            or passage_chunk(record.passage).content_hash != c.content_hash
            or record.passage.kind != c.passage.kind
        ):
            continue
        out[c.passage.id] = ChunkRecord(
            c.passage,
            c.content_hash,
            record.vector,
            record.sentences,
            record.sentence_vectors,
            record.tokens,
            record.sparse,
        )
    return out
