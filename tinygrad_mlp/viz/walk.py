"""The graph behind a Tensor or a scalar ``Value``, as a flat list of nodes for drawing.

Every node of the graph becomes one ``Node``, inputs before the ops that use them (data-
flow order), each with the indices of its inputs in argument order. Nothing is pruned: a
ReLU's input is kept whatever the ReLU's output, constants are kept, and a tensor used twice
by one op gives two edges. Parameter names come from a Module, a scalar MLP or a mapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..scalar.value import Value
from ..tensor import Tensor

__all__ = ["Node", "walk", "param_names"]

_INDEX = re.compile(r"\[[^\]]*\]$")  # "0.weight[3,1]" names one number of "0.weight"


@dataclass
class Node:
    """One node to draw: what it is, its text, its inputs (indices into the node list)."""

    kind: str  # "op", "param", "leaf" (requires grad, unnamed) or "const"
    title: str  # the op's name, or the parameter's name
    lines: list[str] = field(default_factory=list)
    inputs: list[int] = field(default_factory=list)
    cluster: str | None = None  # the module it belongs to, when clustering


def param_names(params: Any) -> tuple[dict[int, str], dict[str, str]]:
    """(id of each parameter -> its name, module name -> module type) from ``params``.

    ``params`` is a tensor ``nn.Module`` (dotted names as in ``named_parameters``), a scalar
    ``MLP`` (``"0.weight[k,j]"``, ``"0.bias[k]"``, as its ``state_dict`` names them), or a
    mapping of names to Tensors, Values or (nested) lists of Values.
    """
    names: dict[int, str] = {}
    types: dict[str, str] = {}
    if params is None:
        return names, types
    if hasattr(params, "named_parameters") and hasattr(params, "named_children"):
        names = {id(p): n for n, p in params.named_parameters()}
        _module_types(params, "", types)
    elif hasattr(params, "layers") and all(hasattr(la, "neurons") for la in params.layers):
        for i, layer in enumerate(params.layers):  # the scalar MLP: nn.MLP's names per number
            types[str(2 * i)] = type(layer).__name__
            for k, neuron in enumerate(layer.neurons):
                for j, w in enumerate(neuron.w):
                    names[id(w)] = f"{2 * i}.weight[{k},{j}]"
                names[id(neuron.b)] = f"{2 * i}.bias[{k}]"
    elif isinstance(params, Mapping):
        for name, value in params.items():
            _name_values(str(name), value, names)
    else:
        raise TypeError(
            "params must be an nn.Module, a scalar MLP, or a mapping of names to Tensors or "
            f"Values, got {type(params).__name__}"
        )
    return names, types


def _module_types(module: Any, prefix: str, types: dict[str, str]) -> None:
    for name, child in module.named_children():
        types[prefix + name] = type(child).__name__
        _module_types(child, prefix + name + ".", types)


def _name_values(name: str, value: Any, names: dict[int, str]) -> None:
    if isinstance(value, (Tensor, Value)):
        names[id(value)] = name
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for i, v in enumerate(value):  # a list of Values: "w[0]", "w[1]", ...; nested: "[i,j]"
            inner = f"{name[:-1]},{i}]" if name.endswith("]") else f"{name}[{i}]"
            _name_values(inner, v, names)
    else:
        raise TypeError(f"params[{name!r}]: expected a Tensor, a Value or a list of Values")


def module_of(name: str) -> str | None:
    """The module a parameter name belongs to: "0.weight" -> "0", "w" -> None."""
    base = _INDEX.sub("", name)
    return base.rsplit(".", 1)[0] if "." in base else None


def walk(roots: Any, names: Mapping[int, str]) -> tuple[list[Node], list[Any]]:
    """Every node behind ``roots`` (a Tensor, a Value, or a list of either), inputs first;
    and the graph objects in the same order."""
    starts = list(roots) if isinstance(roots, (list, tuple)) else [roots]
    if not starts:
        raise ValueError("to_dot: nothing to draw (an empty list of roots)")
    if all(isinstance(r, Value) for r in starts):
        values = _values(starts)
        index = {id(v): i for i, v in enumerate(values)}
        return [_value_node(v, names, index) for v in values], list(values)
    if all(isinstance(r, Tensor) for r in starts):
        tensors = _tensors(starts)
        index = {id(t): i for i, t in enumerate(tensors)}
        return [_tensor_node(t, names, index) for t in tensors], list(tensors)
    kinds = sorted({type(r).__name__ for r in starts})
    raise TypeError(f"to_dot: expected Tensors or scalar Values (not mixed), got {kinds}")


def _tensor_inputs(t: Tensor) -> tuple[Tensor, ...]:
    op = t._ctx
    if op is None:
        return ()
    if op.parents is None:
        raise RuntimeError(
            f"to_dot: the graph behind this tensor ({type(op).__name__}) was freed by backward(); "
            "call backward(retain_graph=True) to draw the graph with its gradients"
        )
    return op.parents


def _tensors(starts: Iterable[Tensor]) -> list[Tensor]:
    """Post-order, iteratively (a graph of any depth): each tensor after all its inputs."""
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(r, False) for r in reversed(list(starts))]
    while stack:
        t, done = stack.pop()
        if done:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        for p in reversed(_tensor_inputs(t)):  # reversed: argument 0 is visited first
            if id(p) not in seen:
                stack.append((p, False))
    return order


def _values(starts: Iterable[Value]) -> list[Value]:
    """Every Value reachable, in creation order (which is topological: parents come first)."""
    seen: dict[int, Value] = {}
    stack = list(starts)
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen[id(v)] = v
            stack.extend(v._prev)
    return sorted(seen.values(), key=lambda v: v._order)


def _tensor_node(t: Tensor, names: Mapping[int, str], index: Mapping[int, int]) -> Node:
    shape = f"{t.shape} {t.dtype}"
    if t._ctx is not None:
        node = Node("op", type(t._ctx).__name__, [shape])
        node.inputs = [index[id(p)] for p in _tensor_inputs(t)]
    elif id(t) in names:
        node = Node("param", names[id(t)], [shape])
    elif t.requires_grad:
        node = Node("leaf", "leaf", [shape])
    else:
        node = Node("const", "const", [shape])
    return node


def _value_node(v: Value, names: Mapping[int, str], index: Mapping[int, int]) -> Node:
    if v._op:
        node = Node("op", v._op)
        node.inputs = [index[id(p)] for p in v._prev]
        if v._op == "relu" and not v._prev:
            node.lines.append("input <= 0: Value.relu keeps no edge")
    elif id(v) in names:
        node = Node("param", names[id(v)])
    else:
        node = Node("leaf", "leaf")
    return node
