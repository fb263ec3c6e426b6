"""A Milvus collection as the store: dense HNSW, learned sparse, BM25 keywords, filters, upsert/delete.

Two collections per store: ``<name>`` (one row per passage) and
``<name>_sentences`` (one row per sentence, for the sentence-level channel).

Keyword channel: Milvus's own BM25 function. It keeps document frequencies
and average lengths itself, so idf stays current as chunks are upserted and
deleted, with no re-indexing by us. The text it analyses is our own
segmentation (jieba with the corpus lexicon, the same tokens as the FAISS
bundle's BM25), joined by spaces; the analyzer only splits on those spaces.
The embedded edition's "standard" analyzer splits on non-word characters,
which keeps every Chinese token whole; a server should use "whitespace"
(setting ``keyword_analyzer``). Milvus's "chinese"/jieba analyzers would work
too, but without the lexicon's names and aliases.

The model, dimension and settings are recorded as collection properties; each
row carries its chunk's content hash, so a sync knows what to change.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from taixin_qa.chunking import Passage
from taixin_qa.errors import TaixinError
from taixin_qa.settings import SETTINGS
from taixin_qa.stores import ChunkRecord, Description, Filters, Hit, SparseVector

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
KEYWORD_ANALYZER = {"tokenizer": SETTINGS.store.keyword_tokenizer}
HNSW = {"M": SETTINGS.ann.hnsw_m, "efConstruction": SETTINGS.ann.ef_construction}
EF_SEARCH = SETTINGS.ann.ef_search
_CHUNK_FIELDS = {"id", "content_hash", "interview_id", "kind", "passage", "keywords", "dense", "bm25"}
_OUT = ["id", "content_hash", "passage", "keywords", "dense"]


class MilvusStore:
    """Chunks in Milvus. ``uri`` is a local ``.db`` file (milvus-lite) or ``http://host:port``."""

    def __init__(self, uri: str, collection: str | None = None, timeout: float | None = None):
        try:
            from pymilvus import MilvusClient
        except ImportError:
            raise TaixinError(
                "The Milvus store needs pymilvus and milvus-lite: pip install 'taixin-qa[milvus]'."
            ) from None
        # pymilvus warns on every query iterator against the embedded edition (no server clock).
        logging.getLogger("pymilvus").setLevel(logging.ERROR)
        if not uri.startswith(("http:", "https:", "tcp:")):
            # The embedded server answers the iterator's clock request with "not implemented"
            # (and the iterator falls back to the client's clock); its gRPC layer logs a traceback.
            logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
        self.uri = uri
        self.name = collection or SETTINGS.store.collection
        timeout = SETTINGS.store.connect_timeout if timeout is None else timeout
        self.sentences = f"{self.name}_sentences"
        try:
            self.client = MilvusClient(uri, timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - pymilvus raises many types for one meaning
            raise TaixinError(
                f"Milvus at {uri} is unreachable ({_short(exc)}). "
                "Start it, or check the address in --store / TAIXIN_QA_STORE."
            ) from None
        self._sparse = False
        if self.client.has_collection(self.name):
            self._check_schema()

    # -- schema ------------------------------------------------------------------------------
    def _check_schema(self) -> None:
        info = self.client.describe_collection(self.name)
        names = {f["name"] for f in info.get("fields", [])}
        missing = sorted(_CHUNK_FIELDS - names)
        props = info.get("properties") or {}
        if missing or props.get("taixin.schema") != SCHEMA_VERSION or not self.client.has_collection(self.sentences):
            what = f"fields missing: {', '.join(missing)}" if missing else "not made by this version of taixin-qa"
            raise TaixinError(
                f"Milvus collection {self.name!r} at {self.uri} has the wrong schema ({what}). "
                "Use another collection, or drop it and sync again."
            )
        self._sparse = "sparse" in names

    def create(self, dim: int, sparse_dim: int) -> None:
        """Make both collections for vectors of ``dim`` (and a learned sparse field if ``sparse_dim``)."""
        from pymilvus import DataType, Function, FunctionType

        c = self.client
        schema = c.create_schema(auto_id=False, description="taixin-qa passages")
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=256)
        schema.add_field("content_hash", DataType.VARCHAR, max_length=64)
        schema.add_field("interview_id", DataType.VARCHAR, max_length=256)
        schema.add_field("kind", DataType.VARCHAR, max_length=32)
        schema.add_field("passage", DataType.JSON)
        schema.add_field(
            "keywords", DataType.VARCHAR, max_length=65535, enable_analyzer=True, analyzer_params=KEYWORD_ANALYZER
        )
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
        if sparse_dim:
            schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("bm25", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(
            Function(
                name="keywords_bm25",
                function_type=FunctionType.BM25,
                input_field_names=["keywords"],
                output_field_names=["bm25"],
            )
        )
        index = c.prepare_index_params()
        index.add_index("dense", index_type="HNSW", metric_type="IP", params=HNSW)
        if sparse_dim:
            index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        index.add_index("bm25", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        c.create_collection(self.name, schema=schema, index_params=index)

        sentences = c.create_schema(auto_id=False, description="taixin-qa sentences")
        sentences.add_field("id", DataType.VARCHAR, is_primary=True, max_length=300)
        sentences.add_field("passage_id", DataType.VARCHAR, max_length=256)
        sentences.add_field("position", DataType.INT32)
        sentences.add_field("text", DataType.VARCHAR, max_length=8192)
        sentences.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
        s_index = c.prepare_index_params()
        s_index.add_index("dense", index_type="HNSW", metric_type="IP", params=HNSW)
        c.create_collection(self.sentences, schema=sentences, index_params=s_index)
        self._sparse = bool(sparse_dim)
        self._ensure_properties()

    def _ensure_properties(self) -> None:
        self.client.alter_collection_properties(self.name, properties={"taixin.schema": SCHEMA_VERSION})

    def drop(self) -> None:
        for name in (self.sentences, self.name):
            if self.client.has_collection(name):
                self.client.drop_collection(name)

    @property
    def exists(self) -> bool:
        return bool(self.client.has_collection(self.name))

    # -- description -------------------------------------------------------------------------
    def describe(self) -> Description:
        if not self.exists:
            return Description()
        props = self.client.describe_collection(self.name).get("properties") or {}
        hashes = {row["id"]: row["content_hash"] for row in self._scan(["id", "content_hash"])}
        return Description(
            model_id=props.get("taixin.model", ""),
            dim=int(props.get("taixin.dim", 0) or 0),
            sparse_dim=int(props.get("taixin.sparse_dim", 0) or 0),
            settings=json.loads(props.get("taixin.settings", "{}") or "{}"),
            chunk_hashes=hashes,
        )

    def set_description(self, description: Description) -> None:
        self.client.alter_collection_properties(
            self.name,
            properties={
                "taixin.schema": SCHEMA_VERSION,
                "taixin.model": description.model_id,
                "taixin.dim": str(description.dim),
                "taixin.sparse_dim": str(description.sparse_dim),
                "taixin.settings": json.dumps(description.settings, sort_keys=True),
            },
        )

    def _scan(self, fields: list[str], expr: str = 'id != ""', collection: str | None = None) -> Iterator[dict]:
        it = self.client.query_iterator(collection or self.name, batch_size=1000, filter=expr, output_fields=fields)
        try:
            while True:
                batch = it.next()
                if not batch:
                    return
                yield from batch
        finally:
            it.close()

    # -- writes ------------------------------------------------------------------------------
    def upsert(self, records: Sequence[ChunkRecord]) -> None:
        """Sentences first, the passage row (with its content hash) last: a sync cut short in
        between leaves the old hash, so the next sync redoes that chunk."""
        if not records:
            return
        ids = [r.passage.id for r in records]
        self.client.delete(self.sentences, filter=f"passage_id in {json.dumps(ids, ensure_ascii=False)}")
        sentence_rows = [
            {
                "id": f"{r.passage.id}#{i}",
                "passage_id": r.passage.id,
                "position": i,
                "text": text,
                "dense": np.asarray(vec, dtype=np.float32).tolist(),
            }
            for r in records
            for i, (text, vec) in enumerate(zip(r.sentences, r.sentence_vectors))
        ]
        for start in range(0, len(sentence_rows), 1000):
            self.client.upsert(self.sentences, sentence_rows[start : start + 1000])
        rows = []
        for r in records:
            row = {
                "id": r.passage.id,
                "content_hash": r.content_hash,
                "interview_id": r.passage.interview_id,
                "kind": r.passage.kind,
                "passage": r.passage.to_dict(),
                "keywords": " ".join(t for t in r.tokens if t.strip()) or "_",
                "dense": np.asarray(r.vector, dtype=np.float32).tolist(),
            }
            if self._sparse:
                idx, val = r.sparse if r.sparse is not None else (np.zeros(0), np.zeros(0))
                row["sparse"] = {int(i): float(v) for i, v in zip(idx, val) if v} or {0: 1e-9}
            rows.append(row)
        for start in range(0, len(rows), 500):
            self.client.upsert(self.name, rows[start : start + 500])

    def delete(self, ids: Sequence[str]) -> None:
        """Passage rows first, then their sentences (a passage row never outlives being deleted)."""
        if not ids:
            return
        quoted = json.dumps(list(ids), ensure_ascii=False)
        self.client.delete(self.name, filter=f"id in {quoted}")
        self.client.delete(self.sentences, filter=f"passage_id in {quoted}")

    def load(self) -> None:
        self.client.load_collection(self.name)
        self.client.load_collection(self.sentences)

    # -- reads -------------------------------------------------------------------------------
    def _search(
        self, data: Any, field: str, metric: str, k: int, filters: Filters | None, params: dict | None = None
    ) -> list[Hit]:
        res = self.client.search(
            self.name,
            data=[data],
            anns_field=field,
            limit=k,
            filter=_expr(filters),
            search_params={"metric_type": metric, "params": params or {}},
            output_fields=["id"],
        )
        # BM25 distances come back negative from the embedded edition, positive from a server.
        return [
            Hit(str(h["id"]), abs(float(h["distance"])) if metric == "BM25" else float(h["distance"])) for h in res[0]
        ]

    def search_dense(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[Hit]:
        return self._search(
            np.asarray(vector, dtype=np.float32).tolist(), "dense", "IP", k, filters, {"ef": max(EF_SEARCH, k)}
        )

    def search_sparse(self, sparse: SparseVector, k: int, filters: Filters | None = None) -> list[Hit]:
        if not self._sparse:
            return []
        query = {int(i): float(v) for i, v in zip(*sparse) if v}
        return self._search(query, "sparse", "IP", k, filters) if query else []

    def search_keyword(self, tokens: Sequence[str], k: int, filters: Filters | None = None) -> list[Hit]:
        text = " ".join(t for t in tokens if t.strip())
        return self._search(text, "bm25", "BM25", k, filters) if text else []

    def fetch(self, ids: Sequence[str]) -> list[ChunkRecord]:
        """Records in the order asked (ids the store does not hold are left out)."""
        if not ids:
            return []
        fields = _OUT + (["sparse"] if self._sparse else [])
        rows = {r["id"]: r for r in self.client.get(self.name, ids=list(ids), output_fields=fields)}
        quoted = json.dumps(list(rows), ensure_ascii=False)
        sentences: dict[str, list[dict]] = {}
        for s in self._scan(["passage_id", "position", "text", "dense"], f"passage_id in {quoted}", self.sentences):
            sentences.setdefault(s["passage_id"], []).append(s)
        out = []
        for pid in ids:
            row = rows.get(pid)
            if row is None:
                continue
            sents = sorted(sentences.get(pid, []), key=lambda s: s["position"])
            dim = len(row["dense"])
            sparse = None
            if self._sparse and row.get("sparse"):
                items = sorted((int(i), float(v)) for i, v in row["sparse"].items() if v > 1e-8)
                sparse = (np.array([i for i, _ in items], dtype=np.int32), np.array([v for _, v in items], np.float32))
            out.append(
                ChunkRecord(
                    passage=Passage(**row["passage"]),
                    content_hash=row["content_hash"],
                    vector=np.asarray(row["dense"], dtype=np.float32),
                    sentences=[s["text"] for s in sents],
                    sentence_vectors=(
                        np.asarray([s["dense"] for s in sents], dtype=np.float32)
                        if sents
                        else np.zeros((0, dim), np.float32)
                    ),
                    tokens=[t for t in row["keywords"].split(" ") if t and t != "_"],
                    sparse=sparse,
                )
            )
        return out


def _expr(filters: Filters | None) -> str:
    if filters is None or filters.empty:
        return ""
    parts = []
    if filters.interview_ids is not None:
        parts.append(f"interview_id in {json.dumps(sorted(filters.interview_ids), ensure_ascii=False)}")
    if filters.kinds is not None:
        parts.append(f"kind in {json.dumps(sorted(filters.kinds), ensure_ascii=False)}")
    if filters.ids is not None:
        parts.append(f"id in {json.dumps(sorted(filters.ids), ensure_ascii=False)}")
    return " and ".join(parts)


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
