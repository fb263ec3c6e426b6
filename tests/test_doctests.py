"""Every example in a docstring runs and shows what it says.

Examples that need the real model and the committed index (the engine's and the package's own)
are slow; the rest run in the fast set. The modules whose imports need the web stack are left to
the web tests.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import sys
from pathlib import Path

import pytest

import taixin_qa

ROOT = Path(__file__).resolve().parents[1]
# Their examples load the real model over the shipped corpus and index.
REAL_ENGINE = {"taixin_qa", "taixin_qa.engine", "taixin_qa.evaluation"}
SKIP_PREFIXES = ("taixin_qa.web",)  # importing gradio is the web tests' business (and 5 s)


def _modules() -> list[str]:
    names = ["taixin_qa"]
    for info in pkgutil.walk_packages(taixin_qa.__path__, "taixin_qa."):
        if not info.name.startswith(SKIP_PREFIXES) and not info.name.endswith(".__main__"):
            names.append(info.name)
    return sorted(names)


def _params() -> list[object]:
    return [pytest.param(name, marks=pytest.mark.slow) if name in REAL_ENGINE else name for name in _modules()]


@pytest.mark.parametrize("name", _params())
def test_package_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (output above)"


@pytest.mark.parametrize(
    "path",
    [ROOT / "benchmarks" / "common.py", ROOT / "tests" / "helpers.py"],
    ids=["benchmarks/common.py", "tests/helpers.py"],
)
def test_benchmark_and_test_helper_examples_run(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(path.parent))
    module = importlib.import_module(path.stem)
    assert module.__file__ is not None and Path(module.__file__).resolve() == path.resolve(), sys.path[:3]
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0 and result.attempted > 0
