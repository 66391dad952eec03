"""Reverse mode: sort the graph, then run each node's backward rule from the loss down.

The sort and ``unbroadcast`` (the one place broadcasting is undone) live in
``graph``. After a node's backward has run, its op drops its inputs and saved buffers unless
``retain_graph=True``, so intermediate tensors are freed by reference counting alone.

Two modes share one loop: on the plain path gradients are numpy arrays; with
``create_graph=True`` the same rules run on Tensors, so the gradient has a graph of its own
and can be differentiated again (``grad``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, cast

import numpy as np

from . import state as _state
from .anomaly import checked_backward, on_in_this_thread, raise_in_backward
from .chain import accumulate, node_step
from .delivery import apply, gather
from .grad_mode import enable_grad
from .graph import toposort
from .saved import check as check_saved
from .tensor_core import TensorCore

__all__ = ["backward", "grad", "node_step", "accumulate"]  # the last two: from .chain

T = TypeVar("T", bound=TensorCore)


def _seed(root: TensorCore, grad: Any, create_graph: bool) -> Any:
    """d(root)/d(root): ones for a one-element root, else the given ``grad`` (checked)."""
    if not root.requires_grad:
        raise RuntimeError(
            "backward() on a tensor that does not require grad: none of its inputs requires "
            "grad, or it was computed under no_grad()"
        )
    if grad is None:
        data = root.data
        if data.size != 1:
            raise RuntimeError(
                f"backward() on a tensor of shape {data.shape} needs grad=: an implicit "
                "gradient exists only for a scalar (one-element) output"
            )
        seed: Any = np.empty(data.shape, dtype=data.dtype)
        seed.fill(1)  # np.ones, without its Python-level wrapper
    else:
        if isinstance(grad, TensorCore) and create_graph:
            g: Any = grad  # a Tensor: astype is one of its methods
            seed = g if g.dtype == root.dtype else g.astype(root.dtype)
        else:
            arr = np.asarray(grad.data if isinstance(grad, TensorCore) else grad)
            if arr.dtype.kind not in "biuf":  # numpy would drop an imaginary part, warning only
                raise TypeError(f"backward: grad must hold real numbers, got dtype {arr.dtype}")
            seed = np.array(arr, dtype=root.dtype, copy=True)
        if seed.shape != root.shape:
            raise ValueError(f"backward: grad has shape {seed.shape}, the tensor has {root.shape}")
    if create_graph and not isinstance(seed, TensorCore):
        seed = root._make_output(seed, False)
    return seed


def _run(
    seeds: dict[int, Any],
    roots: list[TensorCore],
    retain_graph: bool,
    create_graph: bool,
    capture: dict[int, Any] | None,
) -> None:
    """The backward loop: the chain rule node by node, accumulation, release.

    Leaves get ``.grad`` unless ``capture`` (id -> gradient) is given, in which case only the
    captured tensors' gradients are collected there. Leaf gradients are gathered during the
    pass and written to ``.grad`` only once it has succeeded: a rule that raises part-way
    leaves every ``.grad`` as it was (no half-applied backward).
    """
    grads = seeds
    pending: list[tuple[Any, Any, bool]] = []  # (leaf, gradient, fresh), as they arrive
    anomaly = on_in_this_thread()  # read once per pass, not per node
    for r in roots:  # a leaf root receives its seed directly
        if r._ctx is None and id(r) in grads:
            gather(r, grads.pop(id(r)), False, create_graph, pending, capture)
    order = toposort(roots)
    needed = None if capture is None else _leading_to(order, capture)
    while order:
        node = order.pop()  # popping drops the list's reference: data is freed as we go
        op: Any = node._ctx  # never None here: toposort only lists nodes made by an op
        g = grads.pop(id(node), None)
        if needed is not None and not _captured(node, g, capture, needed):
            continue  # no asked-for input lies behind it: neither run nor release it
        if g is not None:
            parents = op.parents
            # the forward's input arrays; raises if data was rebound or updated since
            inputs = check_saved(op, parents, node)
            try:  # free unless raised: an error is renamed after the op (engine/anomaly.py)
                # the rule's call with its gradients checked (engine/anomaly.py)
                rule = _checked_rule(op, parents, node, create_graph) if anomaly else None
                # 1. The chain rule: the op's rule maps dE/d(out) to dE/d(input), per input.
                if create_graph:
                    steps = node_step(op, g, parents, node, inputs, True, rule)
                else:
                    steps = node_step(op, g, inputs, node.data, inputs, False, rule)
                # 2. Accumulation: sum over the ops that use each input.
                for j, pg, fresh in steps:
                    p = parents[j]
                    if p._ctx is not None:
                        accumulate(grads, id(p), pg)
                    elif capture is None:  # a leaf's: delivered once the pass succeeded
                        pending.append((p, pg, fresh))  # gather's, without a call per leaf
                    else:
                        gather(p, pg, fresh, create_graph, pending, capture)
            except Exception as e:
                raise_in_backward(op, parents, e)  # again, naming the op and its site
        # 3. Release: drop the op's inputs and saved buffers, so what lies behind can be freed.
        if not retain_graph:
            op.release()
    # 4. The whole pass succeeded: only now does any leaf's .grad change.
    apply(pending, create_graph)


def _captured(node: TensorCore, g: Any, capture: Any, needed: set[int]) -> bool:
    """``tm.grad``: record an asked-for node's gradient; True if the node must run."""
    if id(node) in capture and g is not None:
        capture[id(node)] = g  # complete: every consumer of node has run already
    return id(node) in needed


def _checked_rule(op: Any, parents: Any, node: TensorCore, create_graph: bool) -> Any:
    """Anomaly mode: the node's rule as a call whose gradients are checked."""

    def rule(h: Any) -> Any:
        return checked_backward(op, h, parents, node, create_graph)

    return rule


def _leading_to(order: list[TensorCore], capture: dict[int, Any]) -> set[int]:
    """The nodes of ``order`` (inputs first) with an asked-for tensor among their inputs,
    directly or further back: the only ones ``tm.grad`` must run (as torch prunes too)."""
    needed: set[int] = set()
    for node in order:
        op = node._ctx
        assert op is not None and op.parents is not None  # toposort checked both
        if any(id(p) in capture or id(p) in needed for p in op.parents):
            needed.add(id(node))
    return needed


def backward(
    root: TensorCore, grad: Any = None, retain_graph: bool | None = None, create_graph: bool = False
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
    tracer = _state.tracer
    if tracer is not None:  # tm.jit is recording a step (jit/capture.py)
        tracer.backward(root, grad, retain_graph, create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    seed = _seed(root, grad, create_graph)
    if create_graph:
        with enable_grad():
            _run({id(root): seed}, [root], retain, True, None)
    else:
        _run({id(root): seed}, [root], retain, False, None)


def grad(
    outputs: TensorCore | Sequence[TensorCore],
    inputs: T | Sequence[T],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> list[T | None]:
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
    if _state.tracer is not None:  # tm.jit cannot replay tm.grad (jit/capture.py)
        _state.tracer.grad_call()
    outs = [outputs] if isinstance(outputs, TensorCore) else list(outputs)
    ins = [inputs] if isinstance(inputs, TensorCore) else list(inputs)
    gouts = _grad_outputs(outputs, len(outs), grad_outputs)
    for x in ins:
        if not isinstance(x, TensorCore) or not x.requires_grad:
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
    return _results(ins, capture, allow_unused)


def _grad_outputs(outputs: Any, n: int, grad_outputs: Any) -> list[Any]:
    """``tm.grad``'s grad_outputs as one entry per output (None: the implicit seed)."""
    if grad_outputs is None:
        gouts: list[Any] = [None] * n
    elif isinstance(outputs, TensorCore):
        gouts = [grad_outputs]
    else:
        gouts = list(grad_outputs)
    if len(gouts) != n:
        raise ValueError(f"grad: {n} outputs but {len(gouts)} grad_outputs")
    return gouts


def _results(ins: list[T], capture: dict[int, Any], allow_unused: bool) -> list[T | None]:
    """``tm.grad``'s answer: each input's captured gradient as a Tensor (None if unused)."""
    result: list[T | None] = []
    for i, x in enumerate(ins):
        g = capture[id(x)]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {x.shape}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            result.append(None)
        elif isinstance(g, TensorCore):
            result.append(cast(T, g))  # made by the ops from x's graph: x's class
        else:
            result.append(x._make_output(np.array(g, dtype=x.dtype, copy=True), False))
    return result
