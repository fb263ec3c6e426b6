"""How long the web app's imports take in a fresh process: gradio alone, then taixin_qa.web on top.

    python web_import.py   -> RESULT {"import_gradio": s, "import_taixin_qa_web": s}
"""

import json
import os
import time

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
t0 = time.perf_counter()
import gradio  # noqa: E402, F401 - timed

t1 = time.perf_counter()
import taixin_qa.web  # noqa: E402, F401 - timed

t2 = time.perf_counter()
print("RESULT " + json.dumps({"import_gradio": t1 - t0, "import_taixin_qa_web": t2 - t0}))
