"""Every example in a docstring runs and shows what it says.

Examples that need the real model and the committed index (the engine's, the package's own and the
evaluators') are slow; the rest run in the fast set.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil
import sys
from pathlib import Path

import pytest

import taixin_qa

ROOT = Path(__file__).resolve().parents[1]
# Their examples load the real model over the shipped corpus and index.
REAL_ENGINE = {"taixin_qa", "taixin_qa.engine", "taixin_qa.evaluation"}


def _modules_with_examples() -> list[str]:
    """Every module of the package whose source has an example (found without importing it)."""
    names = []
    for info in pkgutil.walk_packages(taixin_qa.__path__, "taixin_qa."):
        spec = importlib.util.find_spec(info.name)
        if spec is not None and spec.origin and ">>>" in Path(spec.origin).read_text(encoding="utf-8"):
            names.append(info.name)
    return sorted(["taixin_qa", *names])


def _params() -> list[object]:
    return [
        pytest.param(name, marks=pytest.mark.slow) if name in REAL_ENGINE else name for name in _modules_with_examples()
    ]


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
