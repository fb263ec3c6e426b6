"""Milvus store (``--store milvus``): same answers as FAISS? keyword channel quality, sync and query costs.

* agreement: for every in-scope question of the evaluation and held-out sets, the engine's fusion runs
  once on the FAISS index's signals and once as it would on a Milvus store: candidates are the union of
  Milvus's dense, learned-sparse and keyword top-N (plus a filtered dense search per named interview),
  and the keyword channel is Milvus's own BM25. Top-1 speaker agreement, at N = the engine's
  ``candidates_per_channel`` and at a small N that makes the candidate step matter on a 41-passage page;
* keyword channel alone: top-1 interview accuracy of today's bm25s index vs Milvus BM25 on the same tokens;
* sync: first sync, no-op sync and a one-paragraph edit, next to ``build_index`` (same encoder);
* scale: SYNTHETIC records (real vectors and tokens recombined) at 1k / 10k / 100k chunks: insert time,
  bytes on disk per chunk, query latency per channel, next to in-process FAISS / numpy / bm25.

The embedded edition (milvus-lite) is a development engine written in Python: expect it to be far
slower than FAISS in process and than a Milvus server. Its numbers say what it costs here, not what a
cluster costs.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from taixin_qa.build import build_index
from taixin_qa.chunking import Passage
from taixin_qa.fusion import fuse
from taixin_qa.keywords import KeywordIndex
from taixin_qa.settings import SETTINGS
from taixin_qa.stores import ChunkRecord, Filters, candidates
from taixin_qa.stores.milvus import MilvusStore
from taixin_qa.stores.sync import sync_store

from common import ROOT, Context, eval_set, log, pc, summarize

# The embedded edition takes about a second per query at 1k chunks (far more at 100k), so the
# larger sizes are timed on fewer questions.
# A size is skipped (with its estimate) when the previous size's rates say it would take longer
# than budget_s: the embedded edition scans in Python, so insert and query time grow with the size.
QUICK: dict[str, Any] = {"sizes": [1000], "queries": {1000: 5}, "small_n": 10, "budget_s": 600}
FULL: dict[str, Any] = {
    "sizes": [1000, 10_000, 100_000],
    "queries": {1000: 20, 10_000: 8, 100_000: 3},
    "small_n": 10,
    "budget_s": 1500,
}


def applies(ctx: Context) -> bool:
    return ctx.store.startswith("milvus")


def run(ctx: Context) -> dict[str, Any]:
    plan = QUICK if ctx.quick else FULL
    out: dict[str, Any] = {"edition": "milvus-lite (embedded)", "versions": _versions()}
    with tempfile.TemporaryDirectory(prefix="taixin-milvus-") as tmp:
        tmp_dir = Path(tmp)
        store = MilvusStore(str(tmp_dir / "page.db"))
        out["sync"] = _sync_costs(ctx, store, tmp_dir)
        out["agreement"] = _agreement(ctx, store, plan["small_n"])
        out["scale"] = _scales(ctx, plan, tmp_dir)
        out["embedding"] = _throughput(ctx)
    return out


def _scales(ctx: Context, plan: dict[str, Any], tmp: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for n in plan["sizes"]:
        done = [r for r in rows if "skipped" not in r]
        if done:
            last = done[-1]
            grow = n / last["chunks"]
            per_query = sum(v["p50"] for k, v in last["query_ms"].items() if k.startswith("milvus")) / 1000
            estimate = last["milvus_insert_s"] * grow + plan["queries"][n] * per_query * grow
            if estimate > plan["budget_s"]:
                log(f"milvus scale {n}: skipped, estimated {estimate / 60:.0f} min")
                rows.append({"chunks": n, "skipped": f"estimated {estimate / 60:.0f} min on the embedded edition"})
                continue
        rows.append(_scale(ctx, n, plan["queries"][n], tmp))
    return rows


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in ("pymilvus", "milvus-lite")}


def _sync_costs(ctx: Context, store: MilvusStore, tmp: Path) -> dict[str, Any]:
    enc = ctx.engine.encoder
    corpus = tmp / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    t = pc()
    first = sync_store(corpus, store, encoder=enc)
    first_s = pc() - t
    t = pc()
    noop = sync_store(corpus, store, encoder=enc)
    noop_s = pc() - t
    t = pc()
    build_index(corpus, tmp / "faiss", encoder=enc, progress=False)
    faiss_s = pc() - t
    t = pc()
    build_index(corpus, tmp / "faiss", encoder=enc, progress=False)
    faiss_noop_s = pc() - t
    # One paragraph edited (the page checksum is dropped so the corpus stays valid).
    meta = corpus / "articles" / "taixin-page" / "article.yaml"
    meta.write_text(
        "".join(x for x in meta.read_text(encoding="utf-8").splitlines(True) if not x.startswith("source_sha256")),
        encoding="utf-8",
    )
    for path in [corpus / "source" / "taixin-page.txt", *(corpus / "articles" / "taixin-page").glob("*.md")]:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("植入文旅、康养等项目", "植入文旅、康养、研学等项目", 1), encoding="utf-8")
    t = pc()
    edit = sync_store(corpus, store, encoder=enc)
    edit_s = pc() - t
    # The store now holds the edited corpus; sync it back so agreement runs on the page as shipped.
    sync_store(ROOT / "corpus", store, encoder=enc)
    log(f"milvus sync: first {first_s:.1f} s, no-op {noop_s:.2f} s, edit {edit_s:.2f} s; faiss build {faiss_s:.1f} s")
    return {
        "chunks": first.chunks,
        "first_sync_s": round(first_s, 2),
        "noop_sync_s": round(noop_s, 3),
        "noop_status": noop.status,
        "edit_sync_s": round(edit_s, 2),
        "edit_embedded": edit.embedded,
        "faiss_full_build_s": round(faiss_s, 2),
        "faiss_noop_build_s": round(faiss_noop_s, 3),
    }


def _agreement(ctx: Context, store: MilvusStore, small_n: int) -> dict[str, Any]:
    engine = ctx.engine
    index = engine.index
    questions = [q for q in ctx.questions + ([] if ctx.quick else eval_set("heldout")) if not q.get("out_of_scope")]
    by_id = {r.passage.id: r for r in store.fetch([p.id for p in index.passages])}
    max_diff = max(
        float(np.abs(by_id[p.id].vector - index.data.vectors[i]).max()) for i, p in enumerate(index.passages)
    )
    n = len(index.passages)
    wide = SETTINGS.store.candidates_per_channel
    stats: dict[str, Any] = {"questions": len(questions), "stored_vector_max_abs_diff": max_diff}
    counts = {
        k: 0
        for k in (
            "same_speaker_wide",
            "same_passage_wide",
            "same_speaker_small",
            "same_passage_small",
            "faiss_gold",
            "milvus_gold_wide",
            "milvus_gold_small",
            "bm25s_gold",
            "milvus_bm25_gold",
        )
    }
    disagreements = []
    for item in questions:
        q = engine.parser.parse(item["question"])
        vectors = engine.encode_question(q.text)
        signals = index.signals(q, vectors.dense, vectors.sparse)
        faiss_top = int(np.argmax(fuse(signals, "hybrid", engine.settings)))
        keyword_hits = store.search_keyword(q.tokens, n)
        milvus_bm25 = np.zeros(n, dtype=np.float32)
        for h in keyword_hits:
            milvus_bm25[index.row_of[h.id]] = h.score
        gold = set(item.get("gold_interviews", []))
        tops = {}
        for label, k in (("wide", wide), ("small", small_n)):
            ids = candidates(store, vectors.dense, vectors.sparse, q.tokens, k)
            if q.interview_ids:
                ids += [h.id for h in store.search_dense(vectors.dense, k, Filters(frozenset(q.interview_ids)))]
            rows = np.array(sorted({index.row_of[i] for i in ids}), dtype=np.int64)
            keyword = np.zeros(n, dtype=np.float32)
            keyword[rows] = milvus_bm25[rows]
            scores = fuse(dataclasses.replace(signals, bm25=keyword), "hybrid", engine.settings)
            mask = np.full(n, -np.inf)
            mask[rows] = 0.0
            tops[label] = int(np.argmax(scores + mask))
        fp = index.passages[faiss_top]
        for label, top in tops.items():
            mp = index.passages[top]
            counts[f"same_speaker_{label}"] += mp.speaker == fp.speaker
            counts[f"same_passage_{label}"] += top == faiss_top
            counts[f"milvus_gold_{label}"] += mp.interview_id in gold
            if label == "wide" and mp.speaker != fp.speaker:
                disagreements.append({"id": item.get("id"), "faiss": fp.id, "milvus": mp.id})
        counts["faiss_gold"] += fp.interview_id in gold
        bm25s_top = int(np.argmax(signals.bm25)) if signals.bm25.max() > 0 else -1
        counts["bm25s_gold"] += bm25s_top >= 0 and index.passages[bm25s_top].interview_id in gold
        counts["milvus_bm25_gold"] += (
            bool(keyword_hits) and index.passages[index.row_of[keyword_hits[0].id]].interview_id in gold
        )
    total = max(1, len(questions))
    stats.update({k: round(v / total, 4) for k, v in counts.items()})
    stats.update({"candidates_wide": wide, "candidates_small": small_n, "disagreements": disagreements[:10]})
    log(
        f"milvus agreement: speaker {stats['same_speaker_wide']:.3f} (N={wide}), "
        f"{stats['same_speaker_small']:.3f} (N={small_n}); keyword top-1 gold bm25s {stats['bm25s_gold']:.3f} "
        f"vs milvus {stats['milvus_bm25_gold']:.3f}"
    )
    return stats


def _synthetic(ctx: Context, n: int, rng: np.random.Generator) -> list[ChunkRecord]:
    """Records recombined from the page: 2-4 real passages each (vectors summed, tokens joined)."""
    index = ctx.engine.index
    data, passages = index.data, index.passages
    slices = data.sentence_slices()
    out = []
    for i in range(n):
        picks = rng.choice(len(passages), int(rng.integers(2, 5)), replace=False)
        vec = data.vectors[picks].sum(0)
        vec /= np.linalg.norm(vec)
        first = passages[int(picks[0])]
        sl = slices[int(picks[0])]
        sparse = None
        if data.sparse is not None:
            parts = [
                (
                    data.sparse["indices"][data.sparse["indptr"][p] : data.sparse["indptr"][p + 1]],
                    data.sparse["data"][data.sparse["indptr"][p] : data.sparse["indptr"][p + 1]],
                )
                for p in picks
            ]
            merged: dict[int, float] = {}
            for idx, val in parts:
                for a, b in zip(idx.tolist(), val.tolist()):
                    merged[a] = merged.get(a, 0.0) + b
            top = sorted(merged.items(), key=lambda kv: -kv[1])[:256]
            sparse = (np.array([a for a, _ in top], np.int32), np.array([b for _, b in top], np.float32))
        passage = Passage(
            id=f"syn-{i:06d}",
            text="".join(passages[int(p)].text for p in picks)[:300],
            speaker=first.speaker,
            role=first.role,
            district=first.district,
            headline=first.headline,
            interview_id=f"syn-iv-{i // 40:05d}",
            kind="paragraph",
        )
        out.append(
            ChunkRecord(
                passage,
                f"{i:032x}",
                vec,
                [data.sentences[s] for s in sl],
                data.sentence_vectors[sl.start : sl.stop],
                [t for p in picks for t in data.tokens[int(p)]],
                sparse,
            )
        )
    return out


def _scale(ctx: Context, n: int, n_queries: int, tmp: Path) -> dict[str, Any]:
    import faiss

    rng = np.random.default_rng(n)
    records = _synthetic(ctx, n, rng)
    engine = ctx.engine
    path = tmp / f"scale-{n}.db"
    store = MilvusStore(str(path), collection="scale")
    dim = len(records[0].vector)
    store.create(dim, engine.index.manifest.sparse_dim)
    t = pc()
    for start in range(0, n, 2000):
        store.upsert(records[start : start + 2000])
    store.load()
    insert_s = pc() - t
    disk = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else path.stat().st_size
    vectors = np.stack([r.vector for r in records]).astype(np.float32)
    t = pc()
    keywords = KeywordIndex.build([r.tokens for r in records])
    bm25_build_s = pc() - t
    hnsw = None
    hnsw_build_s = None
    if n >= 10_000:
        t = pc()
        hnsw = faiss.IndexHNSWFlat(dim, SETTINGS.ann.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = SETTINGS.ann.ef_construction
        hnsw.add(vectors)
        hnsw.hnsw.efSearch = SETTINGS.ann.ef_search
        hnsw_build_s = pc() - t
    texts = [q["question"] for q in ctx.questions][:n_queries]
    parsed = [engine.parser.parse(x) for x in texts]
    qv = [engine.encode_question(q.text) for q in parsed]
    k = SETTINGS.store.candidates_per_channel
    ops: dict[str, Any] = {
        "milvus_dense": lambda q, v: store.search_dense(v.dense, k),
        "milvus_sparse": lambda q, v: store.search_sparse(v.sparse, k) if v.sparse else [],
        "milvus_keyword": lambda q, v: store.search_keyword(q.tokens, k),
        "milvus_union": lambda q, v: candidates(store, v.dense, v.sparse, q.tokens, k),
        "numpy_exact": lambda q, v: np.argpartition(-(vectors @ v.dense), min(k, n - 1))[:k],
        "bm25s": lambda q, v: keywords.scores(q.tokens),
        "faiss_hnsw": lambda q, v: hnsw.search(v.dense[None, :], k) if hnsw is not None else None,
    }
    timings: dict[str, list[float]] = {name: [] for name in ops}
    for q, v in zip(parsed, qv):
        for name, fn in ops.items():
            t = pc()
            fn(q, v)
            timings[name].append(pc() - t)
    out: dict[str, Any] = {
        "chunks": n,
        "milvus_insert_s": round(insert_s, 2),
        "milvus_insert_chunks_per_s": round(n / insert_s, 1),
        "milvus_disk_bytes_per_chunk": round(disk / n),
        "bm25s_build_s": round(bm25_build_s, 3),
        "faiss_hnsw_build_s": None if hnsw_build_s is None else round(hnsw_build_s, 2),
        "raw_bytes_per_chunk": _raw_bytes(records),
        "query_ms": {},
    }
    for name, xs in timings.items():
        if name == "faiss_hnsw" and hnsw is None:
            continue
        s = summarize(xs)
        out["query_ms"][name] = {"p50": round(s["p50_ms"], 2), "p95": round(s["p95_ms"], 2)}
    log(
        f"milvus scale {n}: insert {insert_s:.1f} s, union p50 {out['query_ms']['milvus_union']['p50']} ms, "
        f"numpy exact p50 {out['query_ms']['numpy_exact']['p50']} ms"
    )
    store.drop()
    return out


def _raw_bytes(records: list[ChunkRecord]) -> dict[str, float]:
    """Mean payload per chunk, by part (what a server stores before index overhead)."""
    dense = float(np.mean([r.vector.nbytes for r in records]))
    sentences = float(
        np.mean(
            [r.sentence_vectors.astype(np.float32).nbytes + len("".join(r.sentences).encode("utf-8")) for r in records]
        )
    )
    sparse = float(np.mean([len(r.sparse[0]) * 8 if r.sparse is not None else 0 for r in records]))
    passage = float(
        np.mean([len(json.dumps(r.passage.to_dict(), ensure_ascii=False).encode("utf-8")) for r in records])
    )
    keywords = float(np.mean([len(" ".join(r.tokens).encode("utf-8")) + 8 * len(set(r.tokens)) for r in records]))
    return {
        "dense": round(dense),
        "sentences": round(sentences),
        "learned_sparse": round(sparse),
        "passage_json": round(passage),
        "keywords_and_bm25": round(keywords),
        "total": round(dense + sentences + sparse + passage + keywords),
    }


def _throughput(ctx: Context) -> dict[str, Any]:
    """Encoder throughput on the page's own chunks (dense passages + sentences, and the sparse head)."""
    from taixin_qa.chunking import make_chunks

    enc = ctx.engine.encoder
    chunks = make_chunks(ctx.engine.corpus)
    texts = [c.indexed_text for c in chunks]
    t = pc()
    enc.encode_passages(texts)
    dense_s = pc() - t
    sparse_s = 0.0
    if hasattr(enc, "encode_sparse"):
        t = pc()
        enc.encode_sparse([c.sparse_text for c in chunks])
        sparse_s = pc() - t
    per_chunk = (dense_s + sparse_s) / len(chunks)
    sentences_per_chunk = len(ctx.engine.index.data.sentences) / len(chunks)
    # A chunk also embeds its sentences (shorter texts, about as many tokens in total as the chunk).
    return {
        "chunks": len(chunks),
        "dense_chunks_per_s": round(len(chunks) / dense_s, 1),
        "sparse_chunks_per_s": round(len(chunks) / sparse_s, 1) if sparse_s else None,
        "sentences_per_chunk": round(sentences_per_chunk, 2),
        "seconds_per_chunk_all_channels": round(per_chunk * 2, 4),
    }


def report(result: dict[str, Any]) -> str:
    a, s = result.get("agreement", {}), result.get("sync", {})
    lines = [
        f"Milvus store ({result.get('edition')}, {result.get('versions')})",
        "",
        "| measure | value |",
        "|---|---|",
        f"| top-1 speaker same as FAISS, candidates N={a.get('candidates_wide')} | {a.get('same_speaker_wide')} |",
        f"| top-1 speaker same as FAISS, candidates N={a.get('candidates_small')} | {a.get('same_speaker_small')} |",
        f"| top-1 gold interview: FAISS / Milvus (N={a.get('candidates_wide')}) | {a.get('faiss_gold')} / "
        f"{a.get('milvus_gold_wide')} |",
        f"| keyword channel alone, top-1 gold: bm25s / Milvus BM25 | {a.get('bm25s_gold')} / "
        f"{a.get('milvus_bm25_gold')} |",
        f"| first sync / no-op / one edit (s) | {s.get('first_sync_s')} / {s.get('noop_sync_s')} / "
        f"{s.get('edit_sync_s')} |",
        f"| FAISS build / no-op (s) | {s.get('faiss_full_build_s')} / {s.get('faiss_noop_build_s')} |",
        "",
        "| chunks (synthetic) | insert (s) | disk B/chunk | union p50 ms | dense p50 | keyword p50 | "
        "numpy exact p50 | bm25s p50 | faiss hnsw p50 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in result.get("scale", []):
        if "skipped" in row:
            lines.append(f"| {row['chunks']:,} | skipped: {row['skipped']} | | | | | | | |")
            continue
        q = row["query_ms"]
        lines.append(
            f"| {row['chunks']:,} | {row['milvus_insert_s']} | {row['milvus_disk_bytes_per_chunk']} | "
            f"{q['milvus_union']['p50']} | {q['milvus_dense']['p50']} | {q['milvus_keyword']['p50']} | "
            f"{q['numpy_exact']['p50']} | {q['bm25s']['p50']} | {q.get('faiss_hnsw', {}).get('p50', '-')} |"
        )
    return "\n".join(lines)


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    same = result.get("agreement", {}).get("same_speaker_wide")
    return [
        {
            "target": "Milvus top-1 speaker agrees with FAISS on >= 98% of eval questions",
            "measured": same,
            "met": same is not None and same >= 0.98,
        }
    ]
