"""Hybrid answer latency in a fresh serving process, query-vector cache cleared before every question.

python threads.py QUESTIONS_JSON BUDGET_SECONDS    -> RESULT {"seconds": [...]}
"""

import json
import sys
import time

from taixin_qa.engine import Engine

questions = json.loads(sys.argv[1])
budget = float(sys.argv[2])
engine = Engine(progress=False).open()
engine.answer("预热")
seconds: list[float] = []
start = time.perf_counter()
for question in questions:
    engine.clear_cache()
    t = time.perf_counter()
    engine.answer(question)
    seconds.append(time.perf_counter() - t)
    if time.perf_counter() - start > budget:
        break
print("RESULT " + json.dumps({"seconds": seconds}))
