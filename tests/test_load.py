"""50 people asking at once: every answer right, none lost. Latency is recorded, not asserted."""

from __future__ import annotations

import json
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from _web_server import start_app

QUESTIONS = [
    ("阳曲县的发展目标是什么？", "裴耀军"),
    ("万柏林区第一年计划投资多少？", "杨俊民"),
    ("谁提出了“三转三定”大行动？", "李卫平"),
    ("迎泽区要打造哪五大融合载体？", "李慧"),
    ("What does Gujiao plan for new energy?", "李卫平"),
]


@pytest.mark.slow
def test_fifty_concurrent_chat_requests_are_all_answered_correctly():
    from gradio_client import Client

    server = start_app()
    try:
        # One client per simulated user, each on its own connection to 127.0.0.1.
        def one(i: int) -> tuple[float, str, str]:
            question, speaker = QUESTIONS[i % len(QUESTIONS)]
            client = Client(server.url, verbose=False)
            start = time.perf_counter()
            result = client.predict(f"{question}{'？' * (i // len(QUESTIONS))}", [], api_name="/ask")
            elapsed = time.perf_counter() - start
            return elapsed, speaker, result["sentences"][0]["speaker"] if result["found"] else ""

        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(one, range(50), timeout=600))
    finally:
        server.stop()
    assert len(results) == 50
    assert [got for _, _, got in results] == [want for _, want, _ in results]
    latencies = sorted(t for t, _, _ in results)
    p95 = latencies[int(0.95 * len(latencies)) - 1]
    record = {"requests": 50, "p50_s": round(statistics.median(latencies), 3), "p95_s": round(p95, 3)}
    out = os.environ.get("TAIXIN_QA_LOAD_REPORT")
    if out:
        Path(out).write_text(json.dumps(record), encoding="utf-8")
    print("load:", record)
