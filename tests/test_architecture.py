"""The code's shape, checked: one direction of imports, short functions, public API only from outside."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "taixin_qa"
MAX_FUNCTION_LINES = 60


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_imports(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    """Modules of the package imported when ``module`` runs (``if TYPE_CHECKING:`` blocks excluded)."""
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                out.update(a.name for a in child.names if a.name.startswith("taixin_qa"))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = module.split(".") if is_package else module.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                if base.startswith("taixin_qa"):
                    out.add(base)
                    out.update(f"{base}.{a.name}" for a in child.names)
            visit(child)

    visit(tree)
    return out


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = _runtime_imports(tree, name, path.name == "__init__.py")
        graph[name] = {m for m in imported if m in files and m != name}
    return graph


def test_no_module_imports_another_in_a_cycle():
    graph = _graph()
    # A package's __init__ re-exporting its own submodules is not a cycle between modules.
    for name in graph:
        graph[name] = {m for m in graph[name] if not m.startswith(name + ".") and not name.startswith(m + ".")}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def walk(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                walk(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            walk(start, [start])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_every_function_in_the_package_is_short():
    long = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines >= MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, "functions of 60 lines or more:\n" + "\n".join(long)


_PRIVATE_USE = re.compile(r"\b(?:engine|index|encoder|encoders|store|build|answering|query|web|_fs)\._[a-z]\w*")


def test_tests_and_benchmarks_use_only_public_names():
    offenders = []
    for folder in (ROOT / "tests", ROOT / "benchmarks"):
        for path in folder.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for m in re.finditer(r"from taixin_qa[\w.]* import ([^\n(]+|\([^)]*\))", text):
                names = re.findall(r"\b(\w+)\b", m.group(1))
                offenders += [f"{path.relative_to(ROOT)}: imports {n}" for n in names if n.startswith("_")]
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in _PRIVATE_USE.finditer(text)]
    assert not offenders, "\n".join(offenders)
