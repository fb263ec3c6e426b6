"""One process from import to second answer, each step timed (the cold-start breakdown).

python coldstart_steps.py FIRST_QUESTION SECOND_QUESTION   -> RESULT {step: seconds, ...}
"""

import time

pc = time.perf_counter
t0 = pc()
import json  # noqa: E402 - the imports are what is being timed
import sys  # noqa: E402

import taixin_qa.engine as engine_module  # noqa: E402

t1 = pc()
engine = engine_module.Engine(progress=False)
t2 = pc()
engine.index  # noqa: B018 - loads the index
t3 = pc()
engine.encoder  # noqa: B018 - loads the model
t4 = pc()
engine.tokenizer.cut("太忻经济区")
t5 = pc()
first = engine.answer(sys.argv[1])
t6 = pc()
engine.answer(sys.argv[2])
t7 = pc()
print(
    "RESULT "
    + json.dumps(
        {
            "import_engine": t1 - t0,
            "Engine()": t2 - t1,
            "index_load": t3 - t2,
            "model_load": t4 - t3,
            "jieba_init": t5 - t4,
            "first_answer": t6 - t5,
            "second_answer": t7 - t6,
            "in_process_total": t6 - t0,
            "found": first.found,
        }
    )
)
