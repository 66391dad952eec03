"""Reverse mode: sort the graph, then run each node's backward rule from the loss down.

The sort is iterative (an explicit stack), so a chain of any depth works without touching
Python's recursion limit. Broadcasting is undone here, in :func:`unbroadcast`, and nowhere
else. After a node's backward has run, its op drops its inputs and saved buffers unless
``retain_graph=True``, so intermediate tensors are freed by reference counting alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["backward", "toposort", "unbroadcast"]

_FREED = (
    "backward through a graph that has already been freed: a previous backward() released "
    "its buffers. Pass retain_graph=True to the first backward() to go through it twice."
)


def toposort(root: Tensor) -> list[Tensor]:
    """The non-leaf tensors that ``root`` depends on, each after its inputs (``root`` last).

    Raises RuntimeError if any of them belongs to an already released graph.
    """
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
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
            raise RuntimeError(_FREED)
        stack.append((node, True))
        for p in parents:
            if p._ctx is not None and id(p) not in seen:
                stack.append((p, False))
    return order


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` over the axes that broadcasting added or stretched, to give it ``shape``.

    Formula: for y = broadcast(x), dE/dx = sum of dE/dy over every copy of each x element.
    This is the only place in the engine where broadcasting is undone.
    """
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead == 1 and g.shape[1:] == shape:
        return g.sum(axis=0)  # the common case: a bias broadcast over the batch
    if lead < 0:
        raise RuntimeError(f"gradient of shape {g.shape} cannot belong to an input {shape}")
    stretched = tuple(i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1)
    if not stretched:
        g = g.sum(axis=tuple(range(lead)))
    else:
        g = g.sum(axis=tuple(range(lead)) + stretched, keepdims=True).reshape(shape)
    if g.shape != shape:
        raise RuntimeError(f"a gradient reduced to shape {g.shape} cannot belong to {shape}")
    return g


def _initial_grad(root: Tensor, grad: Any) -> np.ndarray:
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward() on a tensor of shape {root.shape} needs grad=: an implicit "
                "gradient exists only for a scalar (one-element) output"
            )
        return _ones(root.dtype, root.shape)
    arr = grad.data if isinstance(grad, Tensor) else grad
    arr = np.array(arr, dtype=root.dtype, copy=True)
    if arr.shape != root.shape:
        raise ValueError(f"backward: grad has shape {arr.shape}, the tensor has {root.shape}")
    return arr


_ONES: dict[tuple[np.dtype[Any], tuple[int, ...]], np.ndarray] = {}


def _ones(dtype: np.dtype[Any], shape: tuple[int, ...]) -> np.ndarray:
    """A read-only array of ones, cached: d(root)/d(root) for a one-element root.

    Read-only and shared is safe: rules never mutate ``g``, and a leaf that receives it
    unchanged copies it (it is not fresh).
    """
    key = (dtype, shape)
    ones = _ONES.get(key)
    if ones is None:
        ones = _ONES[key] = np.ones(shape, dtype=dtype)
        ones.flags.writeable = False
    return ones


def _accumulate(leaf: Tensor, g: np.ndarray, fresh: bool) -> None:
    """leaf.grad += g; a fresh (unshared, newly allocated) g becomes the buffer itself."""
    if leaf.grad is None:
        leaf.grad = g if fresh else np.array(g, copy=True)
    else:
        leaf.grad += g


def backward(root: Tensor, grad: Any = None, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into ``leaf.grad`` for every leaf requiring grad.

    Formula: the chain rule in reverse topological order, dE/dx = sum over the ops f that
    use x of (df/dx)^T dE/df.

    Example::

        >>> x = Tensor(np.array([3.0]), requires_grad=True)
        >>> backward((x * x).sum())
        >>> x.grad
        array([6.])
    """
    if not root.requires_grad:
        raise RuntimeError(
            "backward() on a tensor that does not require grad: none of its inputs requires "
            "grad, or it was computed under no_grad()"
        )
    g0 = _initial_grad(root, grad)
    if root._ctx is None:
        _accumulate(root, g0, fresh=grad is not None)
        return
    order = toposort(root)
    grads: dict[int, Any] = {id(root): g0}
    pop, get, ndarray = grads.pop, grads.get, np.ndarray
    while order:
        node = order.pop()  # popping drops the list's reference: data is freed as we go
        op: Any = node._ctx  # never None here: toposort only lists nodes made by an op
        g = pop(id(node), None)
        if g is not None:
            if type(g) is not ndarray:
                g = np.asarray(g)  # numpy returns scalars for 0-d sums
            parents = op.parents
            in_grads = op.backward(g, [p.data for p in parents], node.data)
            for p, pg, need in zip(parents, in_grads, op.needs, strict=True):
                if pg is None or not need:
                    continue
                if type(pg) is not ndarray:
                    pg = np.asarray(pg)
                data = p.data
                # Fresh: allocated by the rule for this input alone, so a leaf may keep it.
                fresh = pg is not g and pg.base is None
                if pg.shape != data.shape:
                    pg, fresh = np.asarray(unbroadcast(pg, data.shape)), True
                if pg.dtype != data.dtype:
                    pg, fresh = pg.astype(data.dtype), True
                if p._ctx is None:  # a leaf: accumulate, keeping a fresh array as the buffer
                    if p.grad is None:
                        p.grad = pg if fresh else pg.copy()
                    else:
                        p.grad += pg
                else:
                    prev = get(id(p))
                    grads[id(p)] = pg if prev is None else prev + pg
        if not retain_graph:
            op.__dict__.clear()  # Op.release, inlined: drop inputs and saved buffers
