"""Fixtures: a fake encoder that counts its work, and a copy of the corpus to edit or damage.

Shared helpers live in helpers.py; tests import them from there, not from this file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import CORPUS, FakeEncoder


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped corpus, safe to edit or damage."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target
