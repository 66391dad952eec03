"""Generic kernels: any op replayed through its own ``forward`` and ``backward`` on arrays.

Exact by construction: the same code runs on the same arrays as in eager mode, and the
backward of a node is the engine's own per-node step (``engine.chain.node_step``: the rule,
broadcasting undone, dtype cast, which gradient a leaf may keep) before each gradient is
summed or delivered (``routing``). What a replay saves here is the Tensor objects, the graph
and the sort, not the op's own work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.anomaly import raise_in_backward
from ..engine.chain import node_step
from ..functional.losses import _check_target
from ..ops.loss import CrossEntropy
from ..tensor import Tensor
from . import kernels
from .routing import undo
from .slots import Kernel, Slot
from .trace import JitError, OpRec, Ref

if TYPE_CHECKING:
    from .plan import Plan

__all__ = ["generic_forward", "attributes", "generic_backward", "refs_of"]


def generic_forward(plan: Plan, out: Slot, rec: OpRec) -> Kernel:
    """A fresh ``rec.cls`` object's forward on this call's arrays (kept for its backward)."""
    ins = [plan.use(r) for r in rec.inputs]
    cls, needs, shape, dtype = rec.cls, rec.needs, rec.shape, rec.dtype
    attrs, attr_checks = attributes(plan, rec, ins)
    asarray = np.asarray
    # what the step checked its inputs and attributes against as it converted them (labels
    # in range, probabilities finite and non-negative), or just before this op read them:
    # checked again on each call before the op, raising as eagerly
    verified = _checks(plan, zip(rec.inputs, ins, strict=True)) + attr_checks
    verified += [(verify, ins[j]) for j, verify in rec.checks]

    def run() -> None:
        for verify, slot in verified:
            verify(slot.value)
        op = cls()
        data = op.forward(*[s.value for s in ins], **attrs())
        if type(data) is not np.ndarray:
            data = asarray(data)
        if data.shape != shape or data.dtype != dtype:
            raise JitError(
                f"jit: {cls.__name__} gave shape {data.shape} {data.dtype} on replay, "
                f"{shape} {dtype} when traced: its output depends on the data"
            )
        if needs is not None:
            op.needs = needs
            out.op = op
        out.value = data

    return run


Check = tuple[Callable[[np.ndarray], None], Slot]


def attributes(
    plan: Plan, rec: OpRec, ins: list[Slot]
) -> tuple[Callable[[], dict[str, Any]], list[Check]]:
    """The op's attributes on this call (refs replaced by the current arrays), and the
    checks the step ran on the arrays among them as it converted them."""
    refs = {k: v for k, v in rec.attrs.items() if refs_of(v)}
    if not refs:
        static = dict(rec.attrs)
        return (lambda: static), []
    if rec.cls is CrossEntropy and len(refs) == 1:
        (ref,) = refs.values()
        e = plan.trace.externs[ref.index] if ref.kind == "ext" else None
        if e is not None and e.how == "derived" and e.source is not None:
            # checked and converted as cross_entropy does, from the target as the step
            # made it (Tensor(y, dtype=...) converts first): this call's derived value
            t, z = plan.use(ref), ins[0]
            return (lambda: _check_target(Tensor._make(z.value, False), t.value)), []
    used = [(r, plan.use(r)) for v in refs.values() for r in refs_of(v)]

    def value(v: Any) -> Any:
        if isinstance(v, Ref):
            return plan.slot(v).value
        return tuple(value(i) for i in v) if type(v) is tuple else v

    return (lambda: {k: value(v) for k, v in rec.attrs.items()}), _checks(plan, used)


def _checks(plan: Plan, used: Iterable[tuple[Ref, Slot]]) -> list[Check]:
    """The check each extern among ``used`` carries (what the step checked as it converted
    it), with the slot whose value it checks."""
    return [
        (check, slot)
        for r, slot in used
        if r.kind == "ext" and (check := plan.trace.externs[r.index].check) is not None
    ]


def generic_backward(
    plan: Plan,
    node: Slot,
    ins: list[Slot],
    needs: tuple[bool, ...],
    sinks: list[kernels.Sink | None],
    retain: bool,
) -> Kernel:
    """The engine's step for one node (``node_step``), then each gradient sunk."""

    def run() -> None:
        g = node.grad
        node.grad = None
        op = node.op
        if g is not None:
            arrays = [s.value for s in ins]
            op.needs = needs  # as traced (a sink is None where no gradient is wanted)
            try:
                steps = node_step(op, g, arrays, node.value, arrays)
            except Exception as e:
                undo(plan)  # no .grad changed, as when the eager pass raises
                raise_in_backward(op, arrays, e)  # named after the op, as eagerly
            for j, pg, fresh in steps:
                sink = sinks[j]
                if sink is not None:
                    sink(pg, fresh)
        if not retain:
            node.op = None  # as Op.release: the saved arrays can go

    return run


def refs_of(v: Any) -> list[Ref]:
    """The refs in an attribute value (a ref, or a tuple holding some)."""
    if isinstance(v, Ref):
        return [v]
    return [r for i in v for r in refs_of(i)] if type(v) is tuple else []
