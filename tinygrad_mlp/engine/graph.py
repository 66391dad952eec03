"""The graph behind a Tensor: its topological order, and how broadcasting is undone.

A non-leaf Tensor's ``_ctx`` is the op that made it, and the op's ``parents`` are its input
Tensors: following them from a loss back to the leaves walks the graph. The sort is
iterative (an explicit stack), so a chain of any depth works without touching Python's
recursion limit. ``unbroadcast`` is the one place in the engine where broadcasting is
undone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .tensor_core import TensorCore

__all__ = ["toposort", "unbroadcast", "FREED"]

_add_reduce = np.add.reduce  # what ndarray.sum calls, for gradients summed every step

FREED = (
    "backward through a graph that has already been freed: a previous backward() released "
    "its buffers. Pass retain_graph=True to the first backward() to go through it twice."
)


def toposort(roots: TensorCore | Sequence[TensorCore]) -> list[TensorCore]:
    """The non-leaf tensors the roots depend on, each after its inputs (the roots last).

    Raises RuntimeError if any of them belongs to an already released graph.
    """
    starts = [roots] if isinstance(roots, TensorCore) else list(roots)
    if len(starts) == 1:
        chain = _chain(starts[0])
        if chain is not None:
            return chain
    order: list[TensorCore] = []
    seen: set[int] = set()
    stack: list[tuple[TensorCore, bool]] = [
        (r, False) for r in reversed(starts) if r._ctx is not None
    ]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)  # post-order: after everything it depends on
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        op = node._ctx
        assert op is not None
        parents = op.parents
        if parents is None:
            raise RuntimeError(FREED)
        stack.append((node, True))
        for p in parents:
            if p._ctx is not None and id(p) not in seen:
                stack.append((p, False))
    return order


def _chain(root: TensorCore) -> list[TensorCore] | None:
    """The sort of a graph that is one path (each node has at most one input made by an op,
    as in a plain MLP): the walk from the root, reversed. None at the first branch, where
    the general sort takes over. Ten times cheaper than the general sort on such a graph,
    which is most training steps: no set of visited nodes and no stack entries to build.
    """
    order: list[TensorCore] = []
    node = root
    while node._ctx is not None:
        parents = node._ctx.parents
        if parents is None:
            raise RuntimeError(FREED)
        order.append(node)
        made = None
        for p in parents:
            if p._ctx is not None:
                if made is not None and p is not made:
                    return None  # two inputs made by ops: not a path
                made = p
        if made is None:
            break
        node = made
    order.reverse()
    return order


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` over the axes that broadcasting added or stretched, to give it ``shape``.

    Formula: for y = broadcast(x), dE/dx = sum of dE/dy over every copy of each x element.
    This is the only place in the engine where broadcasting is undone (arrays or Tensors).

    Example::

        >>> unbroadcast(np.ones((4, 3)), (3,))
        array([4., 4., 4.])
    """
    have = g.shape
    if have == shape:
        return g
    if have[1:] == shape and type(g) is np.ndarray:  # one leading axis: a bias over a batch
        return _add_reduce(g, axis=0)
    lead = g.ndim - len(shape)
    if lead < 0:
        raise RuntimeError(f"gradient of shape {g.shape} cannot belong to an input {shape}")
    stretched = (
        tuple(i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1)
        if 1 in shape  # no axis of size 1: none stretched (a bias, the common case)
        else ()
    )
    if not stretched:
        axes = tuple(range(lead))  # an array: numpy's reduction without ndarray.sum's wrapper
        g = _add_reduce(g, axis=axes) if type(g) is np.ndarray else g.sum(axis=axes)
    else:
        g = g.sum(axis=tuple(range(lead)) + stretched, keepdims=True).reshape(shape)
    if g.shape != shape:
        raise RuntimeError(f"a gradient reduced to shape {g.shape} cannot belong to {shape}")
    return g
