"""Cold start: new process to first answer for ``taixin-qa ask`` and the web app (``app.py`` until HTTP 200
and a first ``/ask`` answer), and a step-by-step breakdown inside one process."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from typing import Any

from common import (
    CLI,
    FIRST_QUESTION,
    FIRST_SPEAKER,
    PY,
    ROOT,
    SECOND_QUESTION,
    Context,
    free_port,
    inline_list,
    log,
    pc,
    run_child,
    summarize,
    table_head,
)


def run(ctx: Context) -> dict[str, Any]:
    cli_runs, web_runs, breakdown_runs = (1, 0, 1) if ctx.quick else (5, 3, 3)  # quick: no web, no gradio
    out: dict[str, Any] = {"python_startup": summarize(_wall([PY, "-c", "pass"]) for _ in range(cli_runs))}
    walls, ok = [], 0
    for _ in range(cli_runs):
        t = pc()
        proc = subprocess.run([CLI, "ask", FIRST_QUESTION], capture_output=True, text=True, timeout=300)
        walls.append(pc() - t)
        ok += int(proc.returncode == 0 and FIRST_SPEAKER in proc.stdout)
    out["cli_ask"] = {
        **summarize(walls),
        "answered_correctly": f"{ok}/{cli_runs}",
        "command": f'taixin-qa ask "{FIRST_QUESTION}"',
    }
    log(f"cold start: taixin-qa ask p50 {out['cli_ask']['p50_ms']:.0f} ms")

    steps: dict[str, list[float]] = {}
    walls = []
    for _ in range(breakdown_runs):
        r = run_child("coldstart_steps", FIRST_QUESTION, SECOND_QUESTION, timeout=300)
        walls.append(r.pop("_wall_s"))
        r.pop("found")
        for k, v in r.items():
            steps.setdefault(k, []).append(v)
    out["breakdown_median_s"] = {k: round(statistics.median(v), 4) for k, v in steps.items()}
    out["breakdown_process_wall_s"] = round(statistics.median(walls), 3)

    if web_runs <= 0:
        out["web"] = {"skipped": "quick mode"}
        return out
    try:
        imports = [run_child("web_import", timeout=300) for _ in range(breakdown_runs)]
        out["web_import_median_s"] = {
            k: round(statistics.median(r[k] for r in imports), 3) for k in ("import_gradio", "import_taixin_qa_web")
        }
        profiled = run_child("web_import", "profile", timeout=300)
        out["gradio_pyi_regeneration"] = {
            "share_of_import_gradio_under_profiler": profiled["pyi_share"],
            "classes": profiled["pyi_calls"],
        }
        out["web"] = web(ctx.texts, web_runs)
    except Exception as exc:  # noqa: BLE001 - record and go on
        out["web"] = {"error": f"{type(exc).__name__}: {exc}"}
        log(f"web cold start failed: {exc}")
    return out


def _wall(cmd: list[str]) -> float:
    t = pc()
    subprocess.run(cmd, check=True)
    return pc() - t


def _wait_for_http(proc: subprocess.Popen[bytes], url: str, logfile: Any, timeout: float = 180) -> None:
    deadline = pc() + timeout
    while True:
        if proc.poll() is not None:
            logfile.seek(0)
            raise RuntimeError(f"app.py exited with {proc.returncode}: {logfile.read()[-1500:]!r}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if pc() > deadline:
            raise TimeoutError(f"app.py did not answer HTTP 200 within {timeout:.0f} s")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def web(questions: list[str], runs: int) -> dict[str, Any]:
    """``app.py`` from process start to HTTP 200 and to the first ``/ask`` answer; serving memory after run 1."""
    import psutil
    from gradio_client import Client

    http, first, second, client_setup = [], [], [], []
    serving: dict[str, Any] = {}
    for run_no in range(runs):
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("TAIXIN_QA_HOST", "GRADIO_SERVER_NAME")}
        env.update(GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
        with tempfile.TemporaryFile() as logfile:
            t0 = pc()
            proc = subprocess.Popen(
                [PY, "app.py", "--port", str(port)], cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT
            )
            url = f"http://127.0.0.1:{port}/"
            try:
                _wait_for_http(proc, url, logfile)
                t1 = pc()
                client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
                t2 = pc()
                res = client.predict(FIRST_QUESTION, [], api_name="/ask")
                t3 = pc()
                client.predict(SECOND_QUESTION, [], api_name="/ask")
                t4 = pc()
                if not (isinstance(res, dict) and FIRST_SPEAKER in json.dumps(res, ensure_ascii=False)):
                    raise RuntimeError(f"unexpected /ask answer: {str(res)[:300]}")
                http.append(t1 - t0)
                client_setup.append(t2 - t1)
                first.append(t3 - t0)
                second.append(t4 - t3)
                if run_no == 0:
                    # Serving memory: the whole eval set through the API, then the server's RSS.
                    lat = []
                    for q in questions:
                        t = pc()
                        client.predict(q, [], api_name="/ask")
                        lat.append(pc() - t)
                    serving = {
                        "rss_after_all_questions_mb": round(psutil.Process(proc.pid).memory_info().rss / 2**20, 1),
                        "api_ask_latency": summarize(lat),
                        "questions": len(questions),
                    }
                client.close()
            finally:
                _stop(proc)
    return {
        "runs": runs,
        "start_to_http_200": summarize(http),
        "start_to_first_answer": summarize(first),
        "client_connect": summarize(client_setup),
        "second_answer_via_api": summarize(second),
        "serving": serving,
        "note": "first answer = process start -> HTTP 200 on / -> gradio_client Client() -> /ask answered",
    }


def _row(label: str, stats: dict[str, Any], runs: int) -> str:
    return f"| {label} | {stats['p50_ms'] / 1000:.2f} s | {stats['p95_ms'] / 1000:.2f} s | {runs} |"


def report(result: dict[str, Any]) -> str:
    if "cli_ask" not in result:
        return ""
    title = "### Cold start (new process to first answer)"
    py, cli, w = result["python_startup"], result["cli_ask"], result.get("web", {})
    lines = [title, "", *table_head("what", "p50", "p95", "runs")]
    lines += [_row("`python -c pass`", py, py["n"]), _row("`taixin-qa ask`", cli, cli["n"])]
    if "start_to_first_answer" in w:
        lines.append(_row("web: start -> HTTP 200", w["start_to_http_200"], w["runs"]))
        lines.append(_row("web: start -> first `/ask` answer", w["start_to_first_answer"], w["runs"]))
    else:
        lines.append(f"| web | {w.get('skipped') or w.get('error')} | | |")
    serving = w.get("serving")
    if serving:
        lines += [
            "",
            f"Web app serving memory: RSS {serving['rss_after_all_questions_mb']:.0f} MB after "
            f"{serving['questions']} questions through `/ask` (current, not peak).",
        ]
    lines += ["", *inline_list("In-process breakdown (median s)", result["breakdown_median_s"])]
    if "web_import_median_s" in result:
        lines += inline_list("Web app imports (median s)", result["web_import_median_s"])
    pyi = result.get("gradio_pyi_regeneration")
    if pyi:
        lines += [
            f"Of `import gradio`, {100 * pyi['share_of_import_gradio_under_profiler']:.0f}% (under cProfile) is "
            f"Gradio re-deriving the `.pyi` stubs of {pyi['classes']} component classes; Gradio 6.31 has no "
            "setting to skip it (docs/cold-start.md).",
            "",
        ]
    return "\n".join(lines)


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    if "cli_ask" not in result:
        return []
    p50 = result["cli_ask"]["p50_ms"]
    rows = [
        {
            "target": "cold start to first answer ≤ 1.5 s (`taixin-qa ask`)",
            "measured": f"p50 {p50 / 1000:.2f} s",
            "met": p50 <= 1500,
        }
    ]
    w = result.get("web", {})
    if "start_to_first_answer" in w:
        p50 = w["start_to_first_answer"]["p50_ms"]
        rows.append(
            {
                "target": "cold start to first answer ≤ 4.5 s (web app, `python app.py`)",
                "measured": f"p50 {p50 / 1000:.2f} s",
                "met": p50 <= 4500,
            }
        )
    return rows
