"""How long the web app's imports take in a fresh process: gradio alone, then taixin_qa.web on top.

    python web_import.py           -> RESULT {"import_gradio": s, "import_taixin_qa_web": s}
    python web_import.py profile   -> RESULT {... "pyi_share": share of `import gradio` spent regenerating .pyi stubs}

Gradio 6.31 re-derives every component's ``.pyi`` stub on import (``component_meta.create_or_modify_pyi``,
called unconditionally from ``ComponentMeta.__new__``); the profile run says what share of the import that is.
"""

import json
import os
import sys
import time
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
profile = sys.argv[1:] == ["profile"]
if profile:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
t0 = time.perf_counter()
import gradio  # noqa: E402, F401 - timed

t1 = time.perf_counter()
result = {"import_gradio": t1 - t0}
if profile:
    profiler.disable()
    stats: Any = pstats.Stats(profiler)  # .stats and .total_tt are not in the type stubs
    pyi = [v for k, v in stats.stats.items() if k[2] == "create_or_modify_pyi"]
    result.update(pyi_share=round(sum(v[3] for v in pyi) / stats.total_tt, 3), pyi_calls=sum(v[1] for v in pyi))
else:
    import taixin_qa.web  # noqa: F401 - timed

    result["import_taixin_qa_web"] = time.perf_counter() - t0
print("RESULT " + json.dumps(result))
