"""Imports go one way: no new import cycle between the library's modules (issue 19).

The graph is read from the source (``ast``): an edge for each import statement at a module's
top level, the ones that run when it is imported (imports inside functions, and under
``if TYPE_CHECKING:``, are not edges). An import of a parent package is no edge either: Python
has run the parent's ``__init__`` before any of its modules. A cycle is a strongly connected
component of more than one module.

One cycle exists today and is listed in ``KNOWN``: the engine (the Tensor and its method
mixins, backward, the numpy interop) and ``ops`` import each other. Issue 19 is to remove it
(the Tensor's graph core below ``ops``, its methods above); until then this test fails on any
other cycle and on any module that joins this one, and the list may only shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_ENGINE = "tinygrad_mlp.engine."
_OPS = "tinygrad_mlp.ops"
KNOWN = frozenset(
    [f"{_ENGINE}{m}" for m in (
        "anomaly", "backward", "chain", "conversion", "graph", "tensor", "numpy_interop",
        "numpy_interop.adapters", "numpy_interop.names", "numpy_interop.support",
        "methods.arith", "methods.extrema", "methods.math", "methods.reduce", "methods.shape",
        # methods.math split in three (issue 19 item 4): the same methods, the same imports
        "methods.unary", "methods.activations",
    )]
    + [_OPS]
    + [f"{_OPS}.{m}" for m in (
        "activation", "activation_smooth", "base", "bce", "binary", "elementwise", "index",
        "loss", "math", "nn", "reduce", "shape", "trig",
        "product",  # reduce.py split in two (issue 19 item 6): the same imports
    )]
)  # fmt: skip


def _module(path: Path, top: Path) -> str:
    parts = list(path.relative_to(top).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path) -> dict[str, set[str]]:
    """module -> the modules of the package its top-level imports run."""
    files = {_module(p, package.parent): p for p in package.rglob("*.py")}
    edges: dict[str, set[str]] = {m: set() for m in files}
    for m, path in files.items():
        here = m.split(".") if path.name == "__init__.py" else m.split(".")[:-1]
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                up = here[: len(here) - node.level + 1] if node.level else []
                base = ".".join(up + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base
                           for a in node.names]  # fmt: skip
            else:
                continue
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


def test_no_import_cycle_but_the_known_engine_ops_one() -> None:
    found = cycles(import_graph(ROOT / "tinygrad_mlp"))
    new = [sorted(c) for c in found if not c <= KNOWN]
    assert not new, f"a new import cycle: {new}"


def test_a_new_cycle_is_caught(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "tinygrad_mlp"
    shutil.copytree(ROOT / "tinygrad_mlp", copy)
    with (copy / "utils" / "axes.py").open("a") as f:
        f.write("from ..nn import module  # utils reaching up: nn -> engine -> utils\n")
    found = cycles(import_graph(copy))
    assert any("tinygrad_mlp.utils.axes" in c and not c <= KNOWN for c in found)


def test_the_cycle_finder_finds_a_cycle_and_only_cycles() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(edges) == [{"a", "b", "c"}]
    assert cycles({"a": {"b"}, "b": set()}) == []
