"""Compiling a plan: each record of a resolved trace into kernels over the plan's slots.

- ``OpRec``: a fused forward (``kernels``) for Linear, LinearReLU (2-D input, 2-D weight,
  1-D bias) and CrossEntropy with integer labels, all operands of one float dtype; else a
  generic one (``generic``), the op's own ``forward``;
- ``BackwardRec``: the seed, then each node's backward in the traced order: the fused
  kernel's, or the engine's per-node step (``generic``);
- ``ZeroRec``: runs of them make one ``updates.Zero`` kernel;
- ``StepRec``: the optimizer's own ``step()`` (``updates``).

Before compiling, ``routing`` decides which gradient buffers may be parameters' ``.grad``
themselves and lays out one flat array per SGD optimizer; after, the ``zero_grad`` that a
fused kernel makes redundant (it sets that ``.grad`` itself) is dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..ops.loss import CrossEntropy
from ..ops.nn import Linear, LinearReLU
from ..optim import SGD
from . import kernels
from .code import Code, compiled
from .generic import generic_backward, generic_forward
from .routing import apply, flat_gradients, owned_deliveries, owner, sink
from .slots import Kernel, Slot
from .trace import BackwardRec, OpRec, Ref, StepRec, ZeroRec
from .updates import Zero, update

if TYPE_CHECKING:
    from .plan import Plan

__all__ = ["compile_all"]


def compile_all(plan: Plan) -> None:
    """Every record into ``plan.kernels``, with the flat SGD gradients and the zeroing
    they spare."""
    plan.owned = owned_deliveries(plan)
    records = plan.trace.records
    for step in records:
        if isinstance(step, StepRec) and type(step.opt) is SGD:
            flat_gradients(plan, step)
    for k, rec in enumerate(records):
        _compile(plan, k, rec)
    # parameters whose grad a fused linear kernel sets itself need no zeroing before
    set_by_kernel = [
        plan.trace.externs[ref.index].tensor
        for k, j in plan.owned
        if j in (1, 2) and _fused_linear(plan, k)
        for ref in [records[k].inputs[j]]  # type: ignore[union-attr]
        if ref.kind == "ext"
    ]
    dropped = [t for t in set_by_kernel if t is not None]
    for i, kernel in enumerate(plan.kernels):
        if isinstance(kernel, Zero) and _quiet(plan.kernels[i + 1 :], dropped):
            kernel.drop(dropped)
    # a zero_grad whose every parameter a fused kernel sets is no kernel at all
    plan.kernels = [k for k in plan.kernels if not (isinstance(k, Zero) and k.tensors == [])]


def _quiet(later: list[Kernel], tensors: list[Any]) -> bool:
    """Whether some kernel in ``later`` sets one of ``tensors``' grads, and nothing that
    may raise (a label check, a generic op) runs before the last one: only then is skipping
    their ``zero_grad`` invisible, also on a call that fails (eagerly the grads are None by
    then)."""
    codes: list[Code | None] = [getattr(k, "code", None) for k in later]
    last = -1  # none after it (a zero_grad after opt.step()): that one must run
    for i, kernel in enumerate(later):
        if any(p is t for p, _ in kernels.handed(kernel) for t in tensors):
            last = i
    return last >= 0 and all(code is not None and not code.raises for code in codes[:last])


def _fused_linear(plan: Plan, k: int) -> bool:
    """Whether record k's backward is a fused linear kernel (which sets owned grads)."""
    entry = plan.fused.get(k)
    return entry is not None and entry[0] == "linear"


def _compile(plan: Plan, k: int, rec: Any) -> None:
    if isinstance(rec, OpRec):
        out = plan.outputs[k]
        out.shape, out.dtype = rec.shape, rec.dtype
        plan.kernels.append(_fused_forward(plan, k, rec) or generic_forward(plan, out, rec))
    elif isinstance(rec, BackwardRec):
        plan.kernels.append(_seed(plan, rec))
        for node in reversed(rec.order):
            plan.kernels.append(_backward(plan, node, rec.retain))
        plan.kernels.append(apply(plan))  # the leaves' gradients, once every rule has run
    elif isinstance(rec, ZeroRec):
        leaf = plan.leaf(rec.target)
        assert leaf is not None
        last = plan.kernels[-1] if plan.kernels else None
        if not isinstance(last, Zero):  # one kernel for a run of them (opt.zero_grad())
            last = Zero()
            plan.kernels.append(last)
        ext = rec.target.kind == "ext"
        tensor = plan.trace.externs[rec.target.index].tensor if ext else None
        last.add(leaf, rec.set_to_none, tensor)
    else:
        plan.kernels.append(update(rec.opt, plan.flat_of.get(id(rec))))


def _fused_forward(plan: Plan, k: int, rec: OpRec) -> Kernel | None:
    ins = [plan.slot(r) for r in rec.inputs]
    if rec.checks or rec.dtype.kind != "f" or any(s.dtype != rec.dtype for s in ins):
        return None  # (an input checked first: the generic kernel runs the check)
    if rec.cls in (Linear, LinearReLU):
        return _fused_linear_forward(plan, k, rec, ins)
    if rec.cls is CrossEntropy and set(rec.attrs) == {"labels"} and len(rec.shape) == 0:
        labels = _labels(plan, rec.attrs["labels"])
        shape = ins[0].shape
        if labels is None or shape is None or len(shape) != 2:
            return None
        flat = kernels.Labels(labels, (shape[0], shape[1]))
        out = plan.outputs[k]
        run, softmax = kernels.cross_entropy_forward(ins[0], out, flat, rec.dtype)
        plan.fused[k] = ("cross_entropy", softmax, flat)
        plan.fresh.add(out)  # the loss: a new 0-d array on every call
        return run
    return None


def _fused_linear_forward(plan: Plan, k: int, rec: OpRec, ins: list[Slot]) -> Kernel | None:
    ndims = [len(s.shape) if s.shape is not None else -1 for s in ins]
    if rec.attrs or ndims not in ([2, 2], [2, 2, 1]):
        return None
    ins = [plan.use(r) for r in rec.inputs]
    relu = rec.cls is LinearReLU
    plan.fused[k] = ("linear", relu)
    out = np.empty(rec.shape, dtype=rec.dtype)
    bias = ins[2] if len(ins) == 3 else None
    return kernels.linear_forward(ins[0], ins[1], bias, plan.outputs[k], relu, out)


def _labels(plan: Plan, ref: Any) -> Slot | np.ndarray | None:
    """Integer labels as an argument's slot or a constant array; else None."""
    if not isinstance(ref, Ref) or ref.kind != "ext":
        return None
    e = plan.trace.externs[ref.index]
    if e.how == "value":
        return e.value
    if e.how == "derived" and e.source is not None:
        s = plan.arg_slots[e.source[0]]
        if s.dtype is not None and s.dtype.kind == e.value.dtype.kind:
            return s  # the argument's own labels: the same values as converted
        # made in another kind in the step (Tensor(y_float, dtype=int64), int64 labels made
        # uint64): this call's conversion, so a bad label is named as eagerly
        return plan.use(ref)
    return None


def _seed(plan: Plan, rec: BackwardRec) -> Kernel:
    root = plan.outputs[rec.root]
    assert root.shape is not None
    seed = np.ones(root.shape, dtype=root.dtype)  # rules never write into g: one is enough
    lines = ["for $s in $outputs:", "    $s.grad = None", "$root.grad = $seed"]
    # what a backward that raised in a fused kernel (no routing.undo there) left undelivered
    lines.append("$pending.clear()")
    names = {"outputs": plan.outputs, "root": root, "seed": seed, "pending": plan.pending}
    return compiled(Code(lines, names), "seed")


def _backward(plan: Plan, k: int, retain: bool) -> Kernel:
    rec = plan.trace.records[k]
    assert isinstance(rec, OpRec) and rec.needs is not None
    node = plan.outputs[k]
    ins = [plan.slot(r) for r in rec.inputs]
    fused = plan.fused.get(k)
    # only a fused linear kernel may hand its buffer over as a .grad (owned): the kept
    # check watches its buffers alone (kernels.handed)
    linear = fused is not None and fused[0] == "linear"
    sinks = [
        sink(plan, k, j, r, linear) if need else None
        for j, (r, need) in enumerate(zip(rec.inputs, rec.needs, strict=True))
    ]
    if fused is not None and fused[0] == "linear":
        owners = [owner(plan, k, j, r) for j, r in enumerate(rec.inputs)] + [None]
        s3 = [*sinks, None][:3]
        run, gx = kernels.linear_backward(
            node,
            ins[0],
            ins[1],
            fused[1],
            kernels.LinearSinks(s3[0], s3[1], s3[2], owners[1], owners[2]),
            (plan.flat.get((k, 1)), plan.flat.get((k, 2))),
            plan.scratch.get(node),
        )
        xslot = getattr(s3[0], "slot", None)
        if xslot is not None:  # the next kernel down may apply its mask in place
            plan.scratch[xslot] = gx
        return run
    if fused is not None and sinks[0] is not None:
        _, softmax, flat = fused
        return kernels.cross_entropy_backward(node, softmax, flat, sinks[0])
    return generic_backward(plan, node, ins, rec.needs, sinks, retain)
