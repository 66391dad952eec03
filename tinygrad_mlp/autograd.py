"""Reverse mode: sort the graph, then run each node's backward rule from the loss down.

The sort is iterative (an explicit stack), so a chain of any depth works without touching
Python's recursion limit. Broadcasting is undone here, in :func:`unbroadcast`, and nowhere
else. After a node's backward has run, its op drops its inputs and saved buffers unless
``retain_graph=True``, so intermediate tensors are freed by reference counting alone.

Two modes share one loop: on the plain path gradients are numpy arrays; with
``create_graph=True`` the same rules run on Tensors, so the gradient has a graph of its own
and can be differentiated again (:func:`grad`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .grad_mode import enable_grad
from .tensor import Tensor

__all__ = ["backward", "grad", "toposort", "unbroadcast"]

_FREED = (
    "backward through a graph that has already been freed: a previous backward() released "
    "its buffers. Pass retain_graph=True to the first backward() to go through it twice."
)


def toposort(roots: Tensor | Sequence[Tensor]) -> list[Tensor]:
    """The non-leaf tensors the roots depend on, each after its inputs (the roots last).

    Raises RuntimeError if any of them belongs to an already released graph.
    """
    order: list[Tensor] = []
    seen: set[int] = set()
    starts = [roots] if isinstance(roots, Tensor) else list(roots)
    stack: list[tuple[Tensor, bool]] = [(r, False) for r in reversed(starts) if r._ctx is not None]
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
    This is the only place in the engine where broadcasting is undone (arrays or Tensors).

    Example::

        >>> unbroadcast(np.ones((4, 3)), (3,))
        array([4., 4., 4.])
    """
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead == 1 and g.shape[1:] == shape:  # the common case: a bias broadcast over the batch
        return np.add.reduce(g, axis=0) if type(g) is np.ndarray else g.sum(axis=0)
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


def _seed(root: Tensor, grad: Any, create_graph: bool) -> Any:
    """d(root)/d(root): ones for a one-element root, else the given ``grad`` (checked)."""
    if not root.requires_grad:
        raise RuntimeError(
            "backward() on a tensor that does not require grad: none of its inputs requires "
            "grad, or it was computed under no_grad()"
        )
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward() on a tensor of shape {root.shape} needs grad=: an implicit "
                "gradient exists only for a scalar (one-element) output"
            )
        seed: Any = _ones(root.dtype, root.shape)
    else:
        if isinstance(grad, Tensor) and create_graph:
            seed = grad if grad.dtype == root.dtype else grad.astype(root.dtype)
        else:
            arr = grad.data if isinstance(grad, Tensor) else grad
            seed = np.array(arr, dtype=root.dtype, copy=True)
        if seed.shape != root.shape:
            raise ValueError(f"backward: grad has shape {seed.shape}, the tensor has {root.shape}")
    if create_graph and not isinstance(seed, Tensor):
        seed = Tensor._make(seed, False)
    return seed


def _run(
    seeds: dict[int, Any],
    roots: list[Tensor],
    retain_graph: bool,
    create_graph: bool,
    capture: dict[int, Any] | None,
) -> None:
    """The backward loop. Leaves get ``.grad`` unless ``capture`` (id -> gradient) is given,
    in which case only the captured tensors' gradients are collected there."""
    grads = seeds
    for r in roots:  # a leaf root receives its seed directly (a copy: the seed may be shared)
        if r._ctx is None and id(r) in grads:
            _deliver(r, grads.pop(id(r)), False, create_graph, capture)
    order = toposort(roots)
    needed = set() if capture is None else _leading_to(order, capture)
    pop, get, ndarray = grads.pop, grads.get, np.ndarray
    while order:
        node = order.pop()  # popping drops the list's reference: data is freed as we go
        op: Any = node._ctx  # never None here: toposort only lists nodes made by an op
        g = pop(id(node), None)
        if capture is not None:
            if id(node) in capture and g is not None:
                capture[id(node)] = g  # complete: every consumer of node has run already
            if id(node) not in needed:
                continue  # no asked-for input lies behind it: neither run nor release it
        if g is not None:
            parents = op.parents
            if create_graph:
                in_grads = op.backward(g, parents, node)
            else:
                if type(g) is not ndarray:
                    g = np.asarray(g)  # numpy returns scalars for 0-d sums
                in_grads = op.backward(g, [p.data for p in parents], node.data)
            for p, pg, need in zip(parents, in_grads, op.needs, strict=True):
                if pg is None or not need:
                    continue
                data = p.data
                if create_graph:
                    fresh = False
                    if not isinstance(pg, Tensor):
                        pg = Tensor._make(np.asarray(pg), False)
                elif type(pg) is not ndarray:
                    pg = np.asarray(pg)
                    fresh = True
                else:
                    # Fresh: allocated by the rule for this input alone: a leaf may keep it.
                    fresh = pg is not g and pg.base is None
                if pg.shape != data.shape:
                    pg, fresh = unbroadcast(pg, data.shape), True
                    if type(pg) is not ndarray and not create_graph:
                        pg = np.asarray(pg)
                if pg.dtype is not data.dtype and pg.dtype != data.dtype:
                    pg, fresh = pg.astype(data.dtype), True
                if p._ctx is None:
                    if capture is None and not create_graph:  # the common case, inlined
                        if not p.requires_grad:  # frozen after the forward pass
                            continue
                        if p.grad is None:
                            p.grad = pg if fresh else pg.copy()
                        else:
                            p.grad += pg
                    else:
                        _deliver(p, pg, fresh, create_graph, capture)
                else:
                    prev = get(id(p))
                    grads[id(p)] = pg if prev is None else prev + pg
        if not retain_graph:
            op.release()  # drop inputs and saved buffers: what lies behind can be freed


def _leading_to(order: list[Tensor], capture: dict[int, Any]) -> set[int]:
    """The nodes of ``order`` (inputs first) with an asked-for tensor among their inputs,
    directly or further back: the only ones ``tm.grad`` must run (as torch prunes too)."""
    needed: set[int] = set()
    for node in order:
        op = node._ctx
        assert op is not None and op.parents is not None  # toposort checked both
        if any(id(p) in capture or id(p) in needed for p in op.parents):
            needed.add(id(node))
    return needed


def _deliver(
    leaf: Tensor, g: Any, fresh: bool, create_graph: bool, capture: dict[int, Any] | None
) -> None:
    """Accumulate into ``leaf.grad`` (or the capture); a fresh array becomes the buffer."""
    if capture is not None:
        if id(leaf) in capture:
            prev = capture[id(leaf)]
            capture[id(leaf)] = g if prev is None else prev + g
        return
    if not leaf.requires_grad:
        return
    if create_graph:
        leaf.grad = g if leaf.grad is None else g + leaf.grad
    elif leaf.grad is None:
        leaf.grad = g if fresh else np.array(g, copy=True)
    else:
        leaf.grad += g


def backward(
    root: Tensor, grad: Any = None, retain_graph: bool | None = None, create_graph: bool = False
) -> None:
    """Accumulate d(root)/d(leaf) into ``leaf.grad`` for every leaf requiring grad.

    Formula: the chain rule in reverse topological order, dE/dx = sum over the ops f that
    use x of (df/dx)^T dE/df. With ``create_graph=True`` each ``.grad`` is a Tensor with
    a graph of its own; ``retain_graph`` defaults to ``create_graph``.

    Example::

        >>> x = Tensor(np.array([3.0]), requires_grad=True)
        >>> backward((x * x).sum())
        >>> x.grad
        array([6.])
    """
    retain = create_graph if retain_graph is None else retain_graph
    seed = _seed(root, grad, create_graph)
    if create_graph:
        with enable_grad():
            _run({id(root): seed}, [root], retain, True, None)
    else:
        _run({id(root): seed}, [root], retain, False, None)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> list[Tensor | None]:
    """d(outputs)/d(inputs) as a list of Tensors, without touching any ``.grad``.

    Formula: sum over outputs y_o of (dy_o/dx)^T grad_outputs[o] for each input x (a
    vector-Jacobian product; grad_outputs default to 1 for one-element outputs). Inputs
    may be leaves or intermediate tensors. ``create_graph=True`` returns gradients that can
    be differentiated again; ``retain_graph`` defaults to ``create_graph``.

    Example::

        >>> x = Tensor(np.array([2.0]), requires_grad=True)
        >>> g, = grad((x ** 3).sum(), [x], create_graph=True)   # 3 x^2 = 12
        >>> h, = grad(g.sum(), [x])                             # 6 x = 12
        >>> float(g.item()), float(h.item())
        (12.0, 12.0)
    """
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        gouts: list[Any] = [None] * len(outs)
    elif isinstance(outputs, Tensor):
        gouts = [grad_outputs]
    else:
        gouts = list(grad_outputs)
    if len(gouts) != len(outs):
        raise ValueError(f"grad: {len(outs)} outputs but {len(gouts)} grad_outputs")
    for x in ins:
        if not isinstance(x, Tensor) or not x.requires_grad:
            raise RuntimeError("grad: every input must be a Tensor that requires grad")
    retain = create_graph if retain_graph is None else retain_graph
    capture: dict[int, Any] = {id(x): None for x in ins}
    seeds: dict[int, Any] = {}
    for out, g in zip(outs, gouts, strict=True):
        s = _seed(out, g, create_graph)
        seeds[id(out)] = s if id(out) not in seeds else seeds[id(out)] + s
    if create_graph:
        with enable_grad():
            _run(seeds, outs, retain, True, capture)
    else:
        _run(seeds, outs, retain, False, capture)
    result: list[Tensor | None] = []
    for i, x in enumerate(ins):
        g = capture[id(x)]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {x.shape}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            result.append(None)
        elif isinstance(g, Tensor):
            result.append(g)
        else:
            result.append(Tensor._make(np.array(g, dtype=x.dtype, copy=True), False))
    return result
