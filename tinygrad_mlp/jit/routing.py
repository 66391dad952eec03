"""Where gradients go in a replay: into a slot, to a leaf, or into a buffer a leaf keeps.

The engine sums a node's gradients in a dict and hands each leaf its gradient as its
``.grad`` (a fresh array kept as is, anything else copied; later ones added in place). A
replay does the same (``sink``), with one shortcut proven safe by the trace
(``owned_deliveries``): a fused kernel's buffer may *be* the parameter's ``.grad``, and
the buffers of one optimizer's parameters may be views into one array
(``flat_gradients``), so that SGD scales them all with one call.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..engine.delivery import deliver as engine_deliver
from ..ops.nn import Linear, LinearReLU
from ..tensor import Tensor
from . import kernels
from .trace import BackwardRec, OpRec, Ref, StepRec, ZeroRec

if TYPE_CHECKING:
    from .plan import Plan

__all__ = ["owned_deliveries", "flat_gradients", "sink", "owner", "apply", "undo"]


def owned_deliveries(plan: Plan) -> set[tuple[int, int]]:
    """(node, input) pairs whose gradient may become the leaf's ``.grad`` buffer itself.

    True when the leaf is an extern (a parameter the step reads, not an argument), its
    grad was set to None earlier in the step and this is its first gradient in the step's
    only backward: then nothing else holds or adds to the buffer
    before the next call overwrites it, and eager mode would also have set ``.grad``
    to a fresh array here.
    """
    owned: set[tuple[int, int]] = set()
    if sum(isinstance(r, BackwardRec) for r in plan.trace.records) != 1:
        return owned
    cleared: set[Ref] = set()
    for rec in plan.trace.records:
        if isinstance(rec, ZeroRec):
            (cleared.add if rec.set_to_none else cleared.discard)(rec.target)
        elif isinstance(rec, StepRec):
            cleared.difference_update(rec.params)
        elif isinstance(rec, BackwardRec):
            for k in reversed(rec.order):
                node = plan.trace.records[k]
                assert isinstance(node, OpRec) and node.needs is not None
                for j, (ref, need) in enumerate(zip(node.inputs, node.needs, strict=True)):
                    if need and ref.kind != "slot":
                        # an argument is never owned: its tensor may differ per call, so
                        # neither the kept check nor ``undo`` could find its buffer
                        if ref in cleared and ref.kind == "ext":
                            owned.add((k, j))
                        cleared.discard(ref)
    return owned


def flat_gradients(plan: Plan, rec: StepRec) -> None:
    """One array holding every gradient of ``rec.opt``'s parameters, as views.

    Possible when each parameter gets its gradient from one owned delivery of a linear
    node (a weight or a bias), all in one dtype. The fused kernels then write straight
    into the views, and SGD computes lr * g for all parameters with one call. Each view
    starts on a 64-byte boundary, like an array numpy allocates; the gaps stay zero.
    """
    where: dict[Ref, tuple[int, int]] = {}
    for k, j in plan.owned:
        node = plan.trace.records[k]
        if isinstance(node, OpRec) and node.cls in (Linear, LinearReLU) and j in (1, 2):
            where[node.inputs[j]] = (k, j)
    slots = [plan.slot(r) for r in rec.params]
    if not all(r in where and r.kind == "ext" for r in rec.params):
        return
    if len({s.dtype for s in slots}) != 1 or any(where[r] in plan.flat for r in rec.params):
        return  # mixed dtypes, or a parameter already in another optimizer's array
    dtype = slots[0].dtype
    assert dtype is not None
    step = max(1, 64 // dtype.itemsize)
    sizes = [math.prod(s.shape or ()) for s in slots]
    starts = np.cumsum([0] + [-(-n // step) * step for n in sizes])
    flat = np.zeros(int(starts[-1]), dtype=dtype)
    views = []
    for r, s, n, start in zip(rec.params, slots, sizes, starts[:-1], strict=True):
        view = flat[start : start + n].reshape(s.shape)
        plan.flat[where[r]] = view
        tensor = plan.trace.externs[r.index].tensor
        assert tensor is not None  # an owned delivery goes to a parameter
        views.append((tensor, view))
    plan.flat_of[id(rec)] = (flat, views)


def sink(plan: Plan, k: int, j: int, ref: Ref, fused: bool) -> kernels.Sink:
    """Where input j of node k sends its gradient (already of the input's shape/dtype):
    summed into a slot (``prev + g``, as the engine does), or delivered to a leaf.

    ``fresh`` says the array belongs to this input alone (the engine's own notion).
    A fused kernel's buffer is not fresh, since the next call writes into it again: a
    leaf gets a copy, unless the delivery is *owned* (see ``owned_deliveries``).
    """
    leaf = plan.leaf(ref)
    if leaf is None:
        s = plan.slot(ref)

        def accumulate(g: np.ndarray, fresh: bool) -> None:
            prev = s.grad
            s.grad = g if prev is None else prev + g

        accumulate.slot = s  # type: ignore[attr-defined]  # fused kernels inline this
        return accumulate
    get = leaf
    if fused and (k, j) in plan.owned:

        def own(g: np.ndarray, fresh: bool) -> None:
            get().grad = g

        return own

    pending = plan.pending

    def deliver(g: np.ndarray, fresh: bool) -> None:
        pending.append((get, g, fresh))  # delivered by ``apply`` once the backward succeeded

    return deliver


def apply(plan: Plan) -> Callable[[], None]:
    """The kernel ending a backward: each leaf gradient ``sink`` kept is delivered, in
    arrival order (kept, copied, or added in place), as the eager pass does after its last
    rule (engine/delivery.py: apply), so a rule that raises part-way changes no ``.grad``."""
    pending = plan.pending

    def run() -> None:
        if pending:
            for get, g, fresh in pending:
                engine_deliver(get(), g, fresh, False, None)
            pending.clear()

    return run


def undo(plan: Plan) -> None:
    """A rule raised during a backward: nothing it gathered is delivered, and each owned
    ``.grad`` (None before the backward: ``owned_deliveries``) is None again, as eagerly."""
    plan.pending.clear()
    for k, j in plan.owned:
        rec = plan.trace.records[k]
        assert isinstance(rec, OpRec)
        t = owner(plan, k, j, rec.inputs[j])
        if t is not None:
            t.grad = None


def owner(plan: Plan, k: int, j: int, ref: Ref) -> Tensor | None:
    """The parameter whose ``.grad`` input j of fused node k may set to its buffer."""
    if (k, j) in plan.owned and ref.kind == "ext":
        return plan.trace.externs[ref.index].tensor
    return None
