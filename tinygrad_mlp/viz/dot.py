"""Graphviz DOT source for the graph behind a Tensor or a scalar ``Value``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from .walk import Node, module_of, param_names, walk

__all__ = ["to_dot"]

_STYLE = {  # how each kind of node looks
    "op": 'shape=box, style="rounded,filled", fillcolor="#dbe9f6"',
    "param": 'shape=box, style=filled, fillcolor="#fdf1c7"',
    "leaf": "shape=box",
    "const": 'shape=box, style=dashed, color="#888888", fontcolor="#555555"',
}


def to_dot(
    root: Any,
    *,
    params: Any = None,
    show_data: bool | None = None,
    show_grad: bool = True,
    cluster: bool = False,
    max_values: int = 4,
    rankdir: str = "LR",
    name: str = "graph",
) -> str:
    """The Graphviz DOT source of the graph behind ``root`` (a Tensor, a scalar Value, or a
    list of either); render it with ``draw`` or the ``dot`` program.

    One node per graph node: an op shows its name, output shape and dtype; a leaf its
    parameter name (from ``params``: a Module, a scalar MLP, or a mapping name -> Tensor or
    Value), shape and dtype. Edges run from inputs to the ops that use them, labelled with
    the argument's position when an op has 2 to 4 inputs. ``show_data`` adds each node's
    values (default: on for Values, off for Tensors); ``show_grad`` adds ``.grad`` where it
    exists (after ``backward(retain_graph=True)``). A tensor summary lists up to
    ``max_values`` values, else the range and mean. ``cluster=True`` boxes each module's
    parameters together with the ops that read them directly.

    Example::

        >>> x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
        >>> src = to_dot((x * 3).relu().sum())
        >>> src.count('[label="'), src.count("->")    # x, 3, Mul, ReLU, Sum; four edges
        (5, 4)
    """
    if max_values < 0:
        raise ValueError(f"to_dot: max_values must be >= 0, got {max_values}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"to_dot: rankdir must be LR, TB, RL or BT, got {rankdir!r}")
    names, types = param_names(params)
    nodes, objs = walk(root, names)
    tensors = isinstance(objs[0], Tensor)
    data = (not tensors) if show_data is None else show_data
    for node, obj in zip(nodes, objs, strict=True):
        _add_values(node, obj, data, show_grad, max_values)
    if cluster:
        _assign_clusters(nodes)
    return _render(nodes, types, rankdir, name)


def _add_values(node: Node, obj: Any, data: bool, grad: bool, limit: int) -> None:
    if isinstance(obj, Tensor):
        if data or (node.kind == "const" and obj.numel() == 1):  # a constant's value says a lot
            node.lines.append(_summary(obj.data, limit))
        if grad and obj.grad is not None:
            g = obj.grad.data if isinstance(obj.grad, Tensor) else np.asarray(obj.grad)
            node.lines.append("grad " + _summary(g, limit))
    else:  # a scalar Value: one number each
        if data:
            node.lines.append(f"data {obj.data:.4g}")
        if grad:
            node.lines.append(f"grad {obj.grad:.4g}")


def _assign_clusters(nodes: list[Node]) -> None:
    """A parameter joins its module; an op joins the one module whose parameters it reads."""
    for node in nodes:
        if node.kind == "param":
            node.cluster = module_of(node.title)
    for node in nodes:
        if node.kind == "op":
            owners = {nodes[i].cluster for i in node.inputs if nodes[i].kind == "param"}
            if len(owners) == 1:
                node.cluster = owners.pop()


def _summary(a: np.ndarray, limit: int) -> str:
    """All the values of a small array; the range and mean of a large one; NaN/inf counted."""
    if a.size <= limit:
        text = np.array2string(a, separator=", ", formatter={"float_kind": _number})
        return text.replace("\n", "")
    finite = a[np.isfinite(a)] if a.dtype.kind == "f" else a
    text = "no finite values"
    if finite.size:
        text = f"[{finite.min():.4g} .. {finite.max():.4g}] mean {finite.mean():.4g}"
    bad = a.size - finite.size
    return text + (f", {bad} NaN/inf" if bad else "")


def _number(v: Any) -> str:
    return f"{v:.4g}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _render(nodes: Sequence[Node], types: dict[str, str], rankdir: str, name: str) -> str:
    out = [
        f"digraph {_quote(name)} {{",
        f"  rankdir={rankdir};",
        '  graph [fontname="Helvetica", fontsize=11];',
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=8, color="#555555"];',
    ]
    for i, node in enumerate(nodes):
        label = "\n".join([node.title, *node.lines])
        out.append(f"  n{i} [label={_quote(label)}, {_STYLE[node.kind]}];")
    members: dict[str, list[int]] = {}
    for i, node in enumerate(nodes):
        if node.cluster is not None:
            members.setdefault(node.cluster, []).append(i)
    for k, (module, ids) in enumerate(members.items()):
        title = f"{module} ({types[module]})" if module in types else module
        out.append(f"  subgraph cluster_{k} {{")
        out.append(f'    label={_quote(title)}; style="rounded,dashed"; color="#999999";')
        out.append("    " + " ".join(f"n{i};" for i in ids))
        out.append("  }")
    for i, node in enumerate(nodes):
        numbered = 2 <= len(node.inputs) <= 4  # argument order matters (a - b, a / b, a @ b)
        for pos, j in enumerate(node.inputs):
            attrs = f" [label={pos}]" if numbered else ""
            out.append(f"  n{j} -> n{i}{attrs};")
    out.append("}")
    return "\n".join(out) + "\n"
