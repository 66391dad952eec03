"""What a backward pass delivers to its leaves: ``.grad``, or what ``tm.grad`` captures.

A leaf's gradients are gathered during the pass (``gather``) and delivered only once the
whole pass has succeeded (``apply``), in arrival order, with the arithmetic an immediate
delivery would have had: the first becomes ``.grad`` (itself when ``engine/chain.py``
judged it *fresh*, owned by this leaf alone; else a copy), each later one is added into it
in place, as torch accumulates. Every leaf is checked before the first ``.grad`` changes
(an integer tensor made to require grad, a ``.grad`` set by hand that does not fit), so a
refused pass changes nothing. tm.jit's generic path delivers through ``deliver``
(jit/routing.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor_core import TensorCore
from .writes import writing

__all__ = ["gather", "apply", "deliver"]


def gather(
    leaf: TensorCore,
    g: Any,
    fresh: bool,
    create_graph: bool,
    pending: list[tuple[Any, Any, bool]],
    capture: dict[int, Any] | None,
) -> None:
    """Add a leaf's gradient to the capture, or to what the pass delivers at its end.

    The pass's gradients for ``.grad`` are kept in arrival order and delivered one by one
    after the pass (``apply``), with the arithmetic an immediate delivery had
    (``.grad`` += each in turn), so a step's numbers stay bit for bit the same (tm.jit's
    replay checks that).
    """
    if capture is not None:
        deliver(leaf, g, fresh, create_graph, capture)
    else:
        pending.append((leaf, g, fresh))


def apply(pending: list[tuple[Any, Any, bool]], create_graph: bool) -> None:
    """Deliver what ``gather`` kept, in arrival order: a leaf's first gradient becomes its
    ``.grad`` (itself if fresh, else a copy), each later one is added into it. The arithmetic
    lives here alone (``deliver`` comes here for it), without a call per leaf. Every leaf is
    checked before the first ``.grad`` changes: all or nothing."""
    for leaf, _, _ in pending:
        if leaf.requires_grad:
            _check_leaf(leaf)
    if create_graph:  # a new recorded tensor: never one another leaf or the caller holds
        for leaf, g, _ in pending:
            if leaf.requires_grad:
                leaf.grad = g * 1 if leaf.grad is None else g + leaf.grad
        return
    for leaf, g, fresh in pending:
        if not leaf.requires_grad:
            continue
        held = leaf.grad
        if held is None:
            leaf.grad = g if fresh else np.array(g, copy=True)
        elif type(held) is np.ndarray and held.flags.writeable:
            held += g
        else:
            _add_into(held, g)


def _add_into(held: Any, g: Any) -> None:
    """grad <- grad + g in the ``.grad``'s memory, as torch's plain accumulation, for a Tensor
    ``.grad`` (create_graph's, maybe on the graph) or an array a live graph holds read-only:
    a sanctioned write, so that graph then refuses its backward (torch's version counter)."""
    array = held.data if isinstance(held, TensorCore) else held
    with writing([array]):
        np.add(array, g, out=array)


def deliver(
    leaf: TensorCore, g: Any, fresh: bool, create_graph: bool, capture: dict[int, Any] | None
) -> None:
    """Accumulate into ``leaf.grad`` (``apply``), or into the capture of ``tm.grad``, which
    leaves every ``.grad`` alone."""
    if capture is None:
        apply([(leaf, g, fresh)], create_graph)
        return
    if leaf.requires_grad:
        _check_dtype(leaf)
    if id(leaf) in capture:
        prev = capture[id(leaf)]
        capture[id(leaf)] = g if prev is None else prev + g


def _check_leaf(leaf: TensorCore) -> None:
    """Refuse a leaf that requires grad but cannot take a gradient: an integer tensor
    (``x.requires_grad = True`` skips ``requires_grad_``'s check; its gradient would be
    rounded to integers), or a ``.grad`` set by hand that does not fit (``_check_held``)."""
    _check_dtype(leaf)
    if leaf.grad is not None:
        _check_held(leaf)


def _check_dtype(leaf: TensorCore) -> None:
    """Refuse an integer tensor that requires grad (see ``_check_leaf``)."""
    if leaf.data.dtype.kind != "f":
        raise TypeError(
            f"backward: a tensor of dtype {leaf.data.dtype} requires grad, so its gradient "
            "would be rounded to integers; only floating-point tensors can require grad "
            "(make it one: Tensor(x, dtype=np.float64), or x.astype(np.float32))"
        )


def _check_held(leaf: TensorCore) -> None:
    """Refuse a ``.grad`` set by hand that cannot take the gradient in place (another shape,
    another dtype, not an array): torch refuses such an assignment; numpy would fail deep
    inside, or silently round a float64 gradient into a float32 ``.grad``."""
    held = leaf.grad
    array = held.data if isinstance(held, TensorCore) else held
    if isinstance(array, np.ndarray) and array.shape == leaf.data.shape:
        if array.dtype == leaf.data.dtype:
            return
    what = (
        f"an array of shape {held.shape} and dtype {held.dtype}"
        if isinstance(held, np.ndarray)
        else f"a {type(held).__name__}"
    )
    raise TypeError(
        f"backward: .grad was set to {what}, but the tensor has shape {leaf.data.shape} and "
        f"dtype {leaf.data.dtype}; set .grad to None or to an array of the tensor's shape and "
        "dtype (np.zeros_like(x.data))"
    )
