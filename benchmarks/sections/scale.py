"""Scale: SYNTHETIC corpora (1k .. 100k chunks recombined from the page's sentences): exact vs HNSW FAISS
search, the keyword index, and the real ``Engine.search`` over a synthetic ``Index``.

The parent prepares shared inputs (real sentence vectors, query vectors, tokens) once; every size then
runs in a fresh process (children/scale_size.py), so one size's memory does not leak into the next.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from taixin_qa.engine import Engine
from taixin_qa.settings import SETTINGS

from common import Context, eval_set, log, pc, run_child

ENGINE_VARIANTS = ("flat", "flat_blas1", "hnsw", "hnsw_interviews_sixth")
QUICK = {"sizes": [1000, 3000], "engine_sizes": [1000], "fidelity_chunks": 0, "queries": 20}
FULL = {
    "sizes": [1000, 10_000, 50_000, 100_000],
    "engine_sizes": [1000, 10_000, 100_000],
    "fidelity_chunks": 32,
    "queries": 131,
}


def run(ctx: Context) -> dict[str, Any]:
    plan = QUICK if ctx.quick else FULL
    with tempfile.TemporaryDirectory(prefix="taixin-scale-") as tmp:
        out = measure(ctx.engine, ctx.quick, plan, ctx.texts if ctx.quick else None, Path(tmp))
    out["hnsw_from_chunks"] = SETTINGS.ann.hnsw_from_chunks
    return out


def _fidelity(
    engine: Engine, sentences: list[str], svec: np.ndarray, n_chunks: int, rng: np.random.Generator
) -> dict[str, Any]:
    """Throughput of the real encoder on synthetic chunks, and how close the cheap stand-in (the normalized
    sum of a chunk's sentence vectors) is to the chunk's true embedding."""
    enc = engine.encoder
    picks = [rng.choice(len(sentences), int(rng.integers(2, 6)), replace=False) for _ in range(n_chunks)]
    texts = ["".join(sentences[i] for i in p) for p in picks]
    t = pc()
    true = enc.encode_passages(texts)
    dense_s = pc() - t
    n_sparse = max(2, n_chunks // 4)
    t = pc()
    if engine.index.has_sparse:
        enc.encode_sparse(texts[:n_sparse])  # type: ignore[attr-defined]
    sparse_s = pc() - t
    proxy = np.stack([svec[p].sum(0) for p in picks])
    proxy /= np.linalg.norm(proxy, axis=1, keepdims=True)
    cos = (proxy * true).sum(1)
    out: dict[str, Any] = {
        "chunks_embedded": n_chunks,
        "mean_chars": round(float(np.mean([len(x) for x in texts])), 1),
        "dense_chunks_per_s": round(n_chunks / dense_s, 2),
        "sparse_chunks_per_s": round(n_sparse / sparse_s, 2),
        "proxy_vs_true_cosine_mean": round(float(cos.mean()), 4),
        "proxy_vs_true_cosine_min": round(float(cos.min()), 4),
    }
    per_chunk = 1 / out["dense_chunks_per_s"] + 1 / out["sparse_chunks_per_s"]
    out["embed_100k_chunks_estimate_min"] = round(100_000 * per_chunk / 60, 1)
    return out


def measure(
    engine: Engine, quick: bool, plan: dict[str, Any], questions: list[str] | None, tmp: Path
) -> dict[str, Any]:
    index = engine.index
    data = index.data
    sentences = list(data.sentences)
    out: dict[str, Any] = {"synthetic": True, "method": {}, "sizes": {}}
    rng = np.random.default_rng(7)

    # Raw sentence vectors (no context header): what a synthetic chunk is made of. Quick runs
    # reuse the index's sentence vectors instead of embedding every sentence again.
    t = pc()
    svec = np.asarray(data.sentence_vectors) if quick else engine.encoder.encode_passages(sentences)
    t_sent = pc() - t
    method: dict[str, Any] = {"sentences": len(sentences), "sentence_embed_s": round(t_sent, 2)}
    if plan["fidelity_chunks"]:
        method.update(_fidelity(engine, sentences, svec, plan["fidelity_chunks"], rng))
        sentences_per_s = len(sentences) / max(t_sent, 1e-9)
        method["embed_100k_chunks_plus_sentences_estimate_min"] = round(
            method["embed_100k_chunks_estimate_min"] + 100_000 * 3.5 / sentences_per_s / 60, 1
        )
    # Tokenizer throughput (jieba cut_for_search, the keyword index's tokenizer).
    tok_texts = [
        "".join(sentences[i] for i in rng.choice(len(sentences), int(rng.integers(2, 6)), replace=False))
        for _ in range(50 if quick else 300)
    ]
    t = pc()
    for x in tok_texts:
        engine.tokenizer.cut_for_search(x)
    method["tokenize_chunks_per_s"] = round(len(tok_texts) / (pc() - t), 1)
    out["method"] = method

    # Queries: the eval questions (real query vectors and tokens).
    texts = questions or [q["question"] for q in eval_set("questions")]
    texts = texts[: plan["queries"]]
    qvecs = np.stack([engine.encode_question(q, sparse=False).dense for q in texts]).astype(np.float32)
    qtokens = [list(engine.parser.parse(q, None).tokens) for q in texts]
    sp = data.sparse
    np.savez(
        tmp / "scale_inputs.npz",
        svec=np.asarray(svec, dtype=np.float32),
        owners=np.asarray(data.sentence_owner),
        qvecs=qvecs,
        sp_data=sp["data"] if sp else np.zeros(0, np.float32),
        sp_indices=sp["indices"] if sp else np.zeros(0, np.int32),
        sp_indptr=sp["indptr"] if sp else np.zeros(1, np.int64),
        sparse_dim=np.asarray(data.manifest.sparse_dim),
    )
    (tmp / "scale_inputs.json").write_text(
        json.dumps(
            {
                "sentences": sentences,
                "sentence_tokens": [engine.tokenizer.cut_for_search(s) for s in sentences],
                "questions": texts,
                "qtokens": qtokens,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    for n in plan["sizes"]:
        log(f"scale: {n} synthetic chunks ...")
        try:
            r = run_child(
                "scale_size",
                str(tmp),
                str(n),
                "1" if n in plan["engine_sizes"] else "0",
                "1" if quick else "0",
                timeout=1500,
            )
            out["sizes"][str(n)] = r
            log(
                f"scale {n}: flat p50 {r['flat']['search_k10']['p50_ms']:.2f} ms, hnsw p50 "
                f"{r['hnsw']['search_k10']['p50_ms']:.2f} ms, recall@10 {r['hnsw']['recall@10']:.4f}"
            )
        except Exception as exc:  # noqa: BLE001 - record and go on with the next size
            out["sizes"][str(n)] = {"error": str(exc)[-1500:]}
            log(f"scale {n} failed: {str(exc)[-400:]}")
    return out


def report(result: dict[str, Any]) -> str:
    if not result.get("sizes"):
        return ""
    lines = [
        "### Scale (SYNTHETIC corpora; single query, ms)",
        "",
        "| chunks | flat p50/p95 | numpy mat-vec p50 | HNSW k=10 p50/p95 | HNSW k=200 p50 | recall@10 | "
        "flat build s / MB | HNSW build s / MB | bm25 p50/p95 | bm25 build s / MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, r in result["sizes"].items():
        if "flat" not in r:
            lines.append(f"| {n} | error | | | | | | | | |")
            continue
        f, h, b = r["flat"], r["hnsw"], r["bm25"]
        k_engine = h[f"search_k{h['k_engine']}"] if "k_engine" in h else h["search_k200"]
        lines.append(
            f"| {int(n):,} | {f['search_k10']['p50_ms']:.2f} / {f['search_k10']['p95_ms']:.2f} | "
            f"{f['numpy_matvec']['p50_ms']:.2f} | {h['search_k10']['p50_ms']:.2f} / "
            f"{h['search_k10']['p95_ms']:.2f} | {k_engine['p50_ms']:.2f} | {h['recall@10']:.4f} | "
            f"{f['build_s']:.2f} / {f['rss_delta_mb']:.0f} | {h['build_s']:.1f} / {h['rss_delta_mb']:.0f} | "
            f"{b['get_scores']['p50_ms']:.2f} / {b['get_scores']['p95_ms']:.2f} | "
            f"{b['build_s']:.1f} / {b['rss_delta_mb']:.0f} |"
        )
    lines += [
        "",
        "Engine.search over the synthetic index (ms; `hnsw_interviews_sixth`: every passage belongs to one "
        "of the six interviews, so a named interview holds 1/6 of the corpus):",
        "",
        "| chunks | index | retrieve p50 / p95 (encoder runs) | retrieve p50 / p95 (cached vector) | "
        "cached p50 named / unnamed questions | answer p50 (encoder runs) | index MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, r in result["sizes"].items():
        for name in ENGINE_VARIANTS:
            e = (r.get("engine") or {}).get(name)
            if e:
                cold, cached = e["retrieve_encoder_cold"], e["retrieve_cached"]
                split = " / ".join(
                    f"{e[k]['p50_ms']:.1f}" if e.get(k, {}).get("n") else "-"
                    for k in ("retrieve_cached_named", "retrieve_cached_unnamed")
                )
                lines.append(
                    f"| {int(n):,} | {name} | {cold['p50_ms']:.1f} / {cold['p95_ms']:.1f} | "
                    f"{cached['p50_ms']:.1f} / {cached['p95_ms']:.1f} | {split} | "
                    f"{e['answer_encoder_cold']['p50_ms']:.1f} | {e['rss_delta_mb']:.0f} |"
                )
    lines.append("")
    return "\n".join(lines)


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    big = result.get("sizes", {}).get("100000")
    if not big or "engine" not in big:
        return []
    best = min((big["engine"][k]["retrieve_encoder_cold"]["p50_ms"], k) for k in ENGINE_VARIANTS if k in big["engine"])
    rows = []
    for name in ("hnsw", "hnsw_interviews_sixth"):
        e = big["engine"].get(name)
        if e and e.get("retrieve_cached_named", {}).get("n") and e.get("retrieve_cached_unnamed", {}).get("n"):
            a, b = e["retrieve_cached_named"]["p50_ms"], e["retrieve_cached_unnamed"]["p50_ms"]
            rows.append(
                {
                    "target": f"100k {name}: cached-vector retrieve p50 ≤ 30 ms, named and unnamed",
                    "measured": f"named {a:.1f} ms, unnamed {b:.1f} ms",
                    "met": max(a, b) <= 30,
                }
            )
    return rows + [
        {
            "target": "100k retrieve p50 ≤ 40 ms (synthetic, encoder runs)",
            "measured": f"{best[0]:.1f} ms ({best[1]})",
            "met": best[0] <= 40,
        },
        {
            "target": "HNSW recall@10 ≥ 0.98 at 100k",
            "measured": f"{big['hnsw']['recall@10']:.4f}",
            "met": big["hnsw"]["recall@10"] >= 0.98,
        },
    ]
