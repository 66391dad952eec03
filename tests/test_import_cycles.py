"""Imports go one way: no import cycle between the library's modules (issue 19).

The graph is read from the source (``ast``): an edge for each import statement of a module,
at its top level and inside its functions (a function-level import that dodges a cycle is a
cycle all the same); imports under ``if TYPE_CHECKING:`` are no edges (they never run). An
import of a parent package is no edge either: Python has run the parent's ``__init__``
before any of its modules. A cycle is a strongly connected component of more than one module.

The layers, bottom to top: the engine (``engine/``: the Tensor's graph core, the graph node
``Op``, backward, grad mode, saved arrays, state) -> ``ops`` (the op classes) -> the public
``Tensor`` with its methods, creation functions and numpy interop (``tensor/``) ->
``functional`` -> ``nn``, ``optim``, ``jit``, ``checks``, ... -> ``cli``. ``KNOWN`` lists
cycles that are allowed: none.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

KNOWN: frozenset[str] = frozenset()  # modules allowed in a cycle: none, and it stays so


def _module(path: Path, top: Path) -> str:
    parts = list(path.relative_to(top).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``): a block that never runs."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: top level and in functions, not type-only."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If) and _type_checking(node):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    """module -> the modules of the package its imports (top level or in functions) run."""
    files = {_module(p, package.parent): p for p in package.rglob("*.py")}
    edges: dict[str, set[str]] = {m: set() for m in files}
    for m, path in files.items():
        here = m.split(".") if path.name == "__init__.py" else m.split(".")[:-1]
        for node in _imports(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                up = here[: len(here) - node.level + 1] if node.level else []
                base = ".".join(up + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base
                           for a in node.names]  # fmt: skip
            for t in targets:
                if t in files and t != m and not m.startswith(t + "."):
                    edges[m].add(t)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[set[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = set()
                while True:
                    x = stack.pop()
                    on.discard(x)
                    comp.add(x)
                    if x == v:
                        break
                if len(comp) > 1:
                    found.append(comp)
    return found


def test_no_import_cycle() -> None:
    found = cycles(import_graph(ROOT / "tinygrad_mlp"))
    new = [sorted(c) for c in found if not c <= KNOWN]
    assert not new, f"an import cycle: {new}"


def test_the_engine_imports_nothing_above_it() -> None:
    """The engine's modules import only the engine and ``utils`` (no ops, no Tensor class)."""
    graph = import_graph(ROOT / "tinygrad_mlp")
    allowed = ("tinygrad_mlp.engine", "tinygrad_mlp.utils")
    upward = {
        m: sorted(t for t in targets if not t.startswith(allowed))
        for m, targets in graph.items()
        if m.startswith("tinygrad_mlp.engine")
    }
    assert not {m: t for m, t in upward.items() if t}, upward


def _cycles_with(tmp_path: Path, module: str, line: str) -> list[set[str]]:
    """The cycles of a copy of the library with ``line`` appended to ``module`` (a path)."""
    copy = tmp_path / "tinygrad_mlp"
    shutil.copytree(ROOT / "tinygrad_mlp", copy)
    with (copy / module).open("a") as f:
        f.write(line)
    return cycles(import_graph(copy))


def test_a_function_level_import_that_closes_a_cycle_is_caught(tmp_path: Path) -> None:
    late = "\n\ndef _late() -> None:\n    from ..tensor import tensor  # noqa: F401\n"
    found = _cycles_with(tmp_path, "engine/graph.py", late)
    assert any("tinygrad_mlp.engine.graph" in c for c in found)


def test_a_new_cycle_is_caught(tmp_path: Path) -> None:
    up = "from ..nn import module  # utils reaching up: nn -> engine -> utils\n"
    found = _cycles_with(tmp_path, "utils/axes.py", up)
    assert any("tinygrad_mlp.utils.axes" in c and not c <= KNOWN for c in found)


def test_the_cycle_finder_finds_a_cycle_and_only_cycles() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(edges) == [{"a", "b", "c"}]
    assert cycles({"a": {"b"}, "b": set()}) == []
