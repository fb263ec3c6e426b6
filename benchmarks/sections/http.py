"""Over HTTP: ``POST /api/ask`` beside Gradio's ``/ask`` (through ``gradio_client``), with 1, 8 and 32
concurrent clients, against one ``app.py`` server; and the engine's own time for the same questions.

The JSON route runs in FastAPI's thread pool, outside Gradio's queue; the
Gradio route goes through the queue and ``gradio_client``, which polls.
Every request asks a question the server has not seen, so its query cache
never answers; the engine's own time is measured the same way.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from common import PY, ROOT, Context, free_port, log, pc, summarize

CLIENTS = (1, 8, 32)
READY = "Running on local URL:"


def _start() -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [PY, "app.py", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []

    def drain() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + 300
    while not any(READY in line for line in lines):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("app.py did not start:\n" + "".join(lines))
        time.sleep(0.1)
    return proc, f"http://127.0.0.1:{port}/"


_asked = iter(range(10**9))


def _distinct(questions: list[str], total: int) -> list[str]:
    """``total`` questions never asked before in this run: the server's query cache never answers them.

    Past the first round a question gets extra question marks, which change its text but not its meaning.
    """
    out = []
    for _ in range(total):
        i = next(_asked)
        out.append(questions[i % len(questions)] + "？" * (i // len(questions)))
    return out


def _load(call: Any, questions: list[str], clients: int, total: int) -> dict[str, Any]:
    """``total`` requests from ``clients`` threads; answers per second and latency percentiles."""
    work = _distinct(questions, total)
    latencies: list[float] = []
    lock = threading.Lock()

    def one(question: str) -> None:
        t = pc()
        call(question)
        with lock:
            latencies.append(pc() - t)

    start = pc()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, work))
    wall = pc() - start
    return {**summarize(latencies), "clients": clients, "requests": total, "answers_per_s": round(total / wall, 1)}


def run(ctx: Context) -> dict[str, Any]:
    import httpx
    from gradio_client import Client

    questions = ctx.texts or ["阳曲县的发展目标是什么？"]
    engine = ctx.engine
    own: list[float] = []
    for q in questions[:40]:  # the encoder runs for each, as on the server (earlier sections asked them too)
        engine.clear_cache()
        t = pc()
        engine.answer(q)
        own.append(pc() - t)
    out: dict[str, Any] = {"engine": summarize(own), "api_ask": [], "gradio_ask": []}
    proc, url = _start()
    try:
        http = httpx.Client(base_url=url, timeout=120, limits=httpx.Limits(max_connections=64))
        http.post("api/ask", json={"question": "warm-up"}).raise_for_status()
        per_level = 16 if ctx.quick else 64
        for clients in CLIENTS:
            r = _load(
                lambda q: http.post("api/ask", json={"question": q}).raise_for_status(),
                questions,
                clients,
                max(per_level, clients),
            )
            out["api_ask"].append(r)
            log(f"http: /api/ask x{clients}: {r['answers_per_s']} answers/s, p50 {r['p50_ms']:.0f} ms")
        gradio = [Client(url, verbose=False) for _ in range(max(CLIENTS))]
        local = threading.local()
        counter = iter(range(10**9))

        def via_gradio(q: str) -> None:
            if not hasattr(local, "client"):
                local.client = gradio[next(counter) % len(gradio)]
            local.client.predict(q, [], api_name="/ask")

        for clients in CLIENTS:
            r = _load(via_gradio, questions, clients, max(per_level, clients))
            out["gradio_ask"].append(r)
            log(f"http: gradio /ask x{clients}: {r['answers_per_s']} answers/s, p50 {r['p50_ms']:.0f} ms")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return out


def report(result: dict[str, Any]) -> str:
    rows = ["| route | clients | answers/s | p50 | p95 |", "|---|---:|---:|---:|---:|"]
    for route, key in (("`POST /api/ask`", "api_ask"), ("Gradio `/ask` via gradio_client", "gradio_ask")):
        for r in result[key]:
            rows.append(
                f"| {route} | {r['clients']} | {r['answers_per_s']} | {r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms |"
            )
    rows.append(f"\nThe engine's own time for the same questions: p50 {result['engine']['p50_ms']:.0f} ms.")
    return "\n".join(rows)


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    api = {r["clients"]: r for r in result["api_ask"]}
    over = api[1]["p50_ms"] - result["engine"]["p50_ms"]
    return [
        {
            "target": "/api/ask with 8 clients ≥ 25 answers/s",
            "measured": f"{api[8]['answers_per_s']} answers/s",
            "met": api[8]["answers_per_s"] >= 25,
        },
        {
            "target": "/api/ask p50 with 1 client within 10 ms of the engine's",
            "measured": f"+{over:.1f} ms",
            "met": over <= 10,
        },
    ]
