"""Everything is configured in pyproject.toml; this file only adds one build step.

A wheel carries the shipped corpus and its index as package data (``taixin_qa/data/corpus`` and
``taixin_qa/data/embeddings``), copied from the checkout's ``corpus/`` and ``embeddings/`` when the
wheel is built, so that ``pip install`` gives a package that answers outside the checkout
(``taixin_qa.settings.Paths`` falls back to them). An editable install keeps using the checkout's
folders and copies nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("corpus", "embeddings")


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        data = Path(self.build_lib) / "taixin_qa" / "data"
        for name in SHIPPED:
            if not (ROOT / name).is_dir():
                raise SystemExit(f"setup.py: {ROOT / name} is missing; a wheel must carry the shipped {name}")
            shutil.rmtree(data / name, ignore_errors=True)
            shutil.copytree(
                ROOT / name,
                data / name,
                ignore=shutil.ignore_patterns(".build.lock", ".gitignore", ".*.tmp", "__pycache__"),
            )


setup(cmdclass={"build_py": BuildPyWithData})
