"""The benchmark sections, in the order a full run measures them.

A section is a module here with

* ``run(ctx: common.Context) -> dict``: measure, return JSON-ready numbers;
* ``report(result: dict) -> str``: its markdown table(s) for the printed report and the README;
* optionally ``targets(result: dict) -> list[dict]``: rows ``{"target", "measured", "met"}``;
* optionally ``applies(ctx) -> bool``: whether a default run includes it (e.g. only with ``--store milvus``).

To add a section, write the module and add its name to ``SECTIONS``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

SECTIONS = ("quality", "latency", "coldstart", "rebuild", "memory", "scale", "http", "milvus")


def load(name: str) -> ModuleType:
    """The module of section ``name``."""
    if name not in SECTIONS:
        raise KeyError(name)
    return importlib.import_module(f"sections.{name}")
