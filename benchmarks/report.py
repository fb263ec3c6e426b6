"""The printed report (one markdown block per section, then the targets), and the latency/scale plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import sections


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every measured section's target rows, in section order."""
    rows: list[dict[str, Any]] = []
    for name in sections.SECTIONS:
        module = sections.load(name)
        result = results.get(name)
        if isinstance(result, dict) and "error" not in result and hasattr(module, "targets"):
            rows += module.targets(result)
    return rows


def _run_conditions(results: dict[str, Any]) -> list[str]:
    lines = [
        "### Run conditions",
        "",
        "| section | seconds | other processes' CPU, mean / max (100 = one core) | samples ≥ 50% | run |",
        "|---|---|---|---|---|",
    ]
    for name, sec in results["sections"].items():
        ext = sec.get("other_processes_cpu") or {}
        cpu = f"{ext['mean_pct']:.0f}% / {ext['max_pct']:.0f}%" if ext.get("samples") else "–"
        busy = f"{ext['busy_share']:.0%}" if ext.get("samples") else "–"
        lines.append(
            f"| {name} | {sec.get('seconds', '–')} | {cpu} | {busy} | "
            f"{sec.get('from_run_started') or results.get('started')} |"
        )
    return [*lines, ""]


def _met(met: bool | None) -> str:
    return "yes" if met else ("NO" if met is False else "–")


def markdown(results: dict[str, Any]) -> str:
    parts = []
    for name in sections.SECTIONS:
        result = results.get(name)
        if isinstance(result, dict) and "error" not in result:
            text = sections.load(name).report(result)
            if text:
                parts.append(text)
    lines: list[str] = []
    if results.get("sections"):
        lines += _run_conditions(results)
    rows = results.get("targets")
    if rows:
        lines += [
            "### Targets",
            "",
            "| target | measured | met |",
            "|---|---|---|",
            *(f"| {r['target']} | {r['measured']} | {_met(r['met'])} |" for r in rows),
            "",
        ]
    return "\n".join([*parts, *lines])


def _latency_panel(ax: Any, lat: dict[str, Any]) -> None:
    from sections.latency import OPS, STRATEGIES

    labels, p50, p95 = [], [], []
    for s in STRATEGIES:
        for kind, key in (("encoder", "encoder_cold"), ("cached", "cached")):
            for op in OPS:
                r = lat[key][s][op]
                labels.append(f"{s}\n{op}\n{kind}")
                p50.append(r["p50_ms"])
                p95.append(r["p95_ms"])
    x = np.arange(len(labels))
    ax.bar(x - 0.2, p50, 0.4, label="p50")
    ax.bar(x + 0.2, p95, 0.4, label="p95")
    ax.axhline(20, color="g", ls="--", lw=1, label="target p50 20 ms")
    ax.axhline(40, color="r", ls="--", lw=1, label="target p95 40 ms")
    ax.set_xticks(x, labels, fontsize=6)
    ax.set_ylabel("ms per query")
    ax.set_title(f"Warm query latency, real corpus ({lat['queries']} questions x {lat['repeats']})")
    ax.legend(fontsize=7)


def _k_engine(r: dict[str, Any]) -> float:
    h = r["hnsw"]
    return float(next(v["p50_ms"] for k, v in h.items() if k.startswith("search_k") and k != "search_k10"))


SCALE_SERIES = (
    ("faiss flat k=10", lambda r: r["flat"]["search_k10"]["p50_ms"]),
    ("numpy mat-vec (engine, flat)", lambda r: r["flat"]["numpy_matvec"]["p50_ms"]),
    ("faiss HNSW k=10", lambda r: r["hnsw"]["search_k10"]["p50_ms"]),
    ("faiss HNSW k=200 (engine)", _k_engine),
    ("bm25 scores", lambda r: r["bm25"]["get_scores"]["p50_ms"]),
    ("Engine.retrieve flat (encoder runs)", lambda r: r["engine"]["flat"]["retrieve_encoder_cold"]["p50_ms"]),
    ("Engine.retrieve HNSW (encoder runs)", lambda r: r["engine"]["hnsw"]["retrieve_encoder_cold"]["p50_ms"]),
    ("Engine.retrieve flat (cached vector)", lambda r: r["engine"]["flat"]["retrieve_cached"]["p50_ms"]),
    ("Engine.retrieve HNSW (cached vector)", lambda r: r["engine"]["hnsw"]["retrieve_cached"]["p50_ms"]),
)


def _scale_panel(ax: Any, sizes: dict[str, Any]) -> None:
    for label, get in SCALE_SERIES:
        xs, ys = [], []
        for n, r in sizes.items():
            try:
                ys.append(get(r))
            except (KeyError, TypeError, StopIteration):
                continue
            xs.append(int(n))
        if xs:
            ax.plot(xs, ys, marker="o", label=label)
    ax.axhline(40, color="r", ls="--", lw=1, label="target 40 ms at 100k")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks (SYNTHETIC, recombined page sentences)")
    ax.set_ylabel("p50 ms per query")
    ax.set_title("Scale: p50 latency vs corpus size")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))


def plot(results: dict[str, Any], path: Path) -> None:
    """Warm query latency per strategy (left) and latency against synthetic corpus size (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(16, 5.2), gridspec_kw={"width_ratios": [1, 1]})
    lat = results.get("latency", {})
    if "encoder_cold" in lat:
        _latency_panel(axes[0], lat)
    sizes = {n: r for n, r in results.get("scale", {}).get("sizes", {}).items() if "flat" in r}
    if sizes:
        _scale_panel(axes[1], sizes)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
