"""A resolved trace compiled into a list of kernels, and the replay that runs them.

Every operand has a position in one list, ``env``: first the arguments' data, then the
externs (parameters read live, constants, values derived from arguments), then one slot per
op output. Gradients flowing backward have a parallel list, ``grads``. Compiling turns each
record into a kernel (a closure):

- an op's forward: fused (``kernels``) for Linear, LinearReLU and CrossEntropy on 2-D
  operands of one float dtype, else *generic*: a fresh op object's own ``forward``;
- ``backward()``: the seed, then one kernel per node in the order the engine's sort gave
  when traced, each repeating the engine's loop for that node (``engine/backward.py``):
  the engine's own per-node step (``engine.chain.node_step``: the rule, the gradient brought
  to its input's shape and dtype), then summed into a slot or delivered to a leaf
  (``engine.chain.deliver``);
- ``zero_grad`` and ``opt.step()``: ``updates``.

Before any kernel runs, ``Plan.run`` checks what the trace assumed and the signature
does not cover: every parameter still has its shape, dtype and ``requires_grad``, and every
optimizer the same parameter list. A failed check raises ``Stale`` before anything
changed, and the caller traces again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter, is_
from typing import Any

import numpy as np

from ..ops.loss import CrossEntropy
from ..ops.nn import Linear, LinearReLU
from ..optim import SGD
from ..tensor import Tensor
from . import kernels
from .generic import generic_backward, generic_forward
from .guards import Guard, failed
from .routing import flat_gradients, owned_deliveries, owner, sink
from .trace import BackwardRec, JitError, OpRec, Ref, StepRec, Trace, ZeroRec
from .updates import Zero, update

__all__ = ["Plan", "Stale"]

Kernel = Callable[[], None]


_data = attrgetter("data")
_requires_grad = attrgetter("requires_grad")


class Stale(Exception):
    """A guard failed before the replay changed anything: trace this call again."""


class Plan:
    """The compiled replay of one resolved trace, with its buffers."""

    def __init__(self, trace: Trace, args: Sequence[Any], guards: Sequence[Guard] = ()) -> None:
        self.trace = trace
        self.py_guards = list(guards)  # the step's globals and closure cells (jit/guards.py)
        self.count = [1]  # calls of this signature so far (the run on call 2 makes it 2)
        self.recheck = 3  # re-verify when this many calls are done: calls 4, 8, 16, ...
        self._layout(args)
        self._externs()
        self._compile_all()
        for r in _refs_in(trace.result):
            self.use(r)
        self.result = self._builder(trace.result)

    def _layout(self, args: Sequence[Any]) -> None:
        """One position per argument, extern and op output, in ``env``, ``grads``, ``meta``."""
        self.n_args = len(args)
        size = self.n_args + len(self.trace.externs) + len(self.trace.records)
        self.env: list[Any] = [None] * size
        self.grads: list[Any] = [None] * size
        self.ops: list[Any] = [None] * size
        self.args: Sequence[Any] = tuple(args)  # this call's arguments (objects)
        self.meta: list[tuple[tuple[int, ...], np.dtype[Any]] | None] = [None] * size
        self.arg_slots = [
            (i, isinstance(a, Tensor))
            for i, a in enumerate(args)
            if isinstance(a, (Tensor, np.ndarray))
        ]
        for i, a in enumerate(args):
            arr = a.data if isinstance(a, Tensor) else a
            if isinstance(arr, np.ndarray):
                self.meta[i] = (arr.shape, arr.dtype)

    def _externs(self) -> None:
        """Live parameters (guarded), live arrays and baked Python values into ``env``."""
        self.guards: list[tuple[Tensor, int, bool]] = []
        # computed on every call, when used: (position, argument or -1, array or None, dtype)
        self.derived: list[tuple[int, int, np.ndarray | None, np.dtype[Any]]] = []
        for j, e in enumerate(self.trace.externs):
            p = self.n_args + j
            self.meta[p] = (e.value.shape, e.value.dtype)
            if e.how == "live" and e.tensor is not None:
                self.guards.append((e.tensor, p, e.tensor.requires_grad))
                self.env[p] = e.tensor.data
            elif e.how == "live":
                self.env[p] = e.array
            elif e.how == "value":  # a Python value, baked (guarded or re-verified)
                self.env[p] = e.value
        self.guard_tensors = [t for t, _, _ in self.guards]
        self.guard_data = [t.data for t in self.guard_tensors]
        self.guard_rg = [rg for _, _, rg in self.guards]
        self.opt_guards = [
            (r.opt, r.opt.params, len(r.opt.params))
            for r in self.trace.records
            if isinstance(r, StepRec)
        ]

    def _compile_all(self) -> None:
        """Every record into kernels, with the flat SGD gradients and the zeroing they spare."""
        self.fused: dict[int, Any] = {}  # slot position -> what its backward kernel needs
        self.fresh: set[int] = set()  # slots whose kernel makes a new array on every call
        self.scratch: dict[int, np.ndarray] = {}  # slot -> the fused buffer its gradient is
        self.kernels: list[Kernel] = []
        self.owned = owned_deliveries(self)
        self.flat: dict[tuple[int, int], np.ndarray] = {}
        self.flat_of: dict[int, tuple[np.ndarray, list[tuple[Tensor, np.ndarray]]]] = {}
        records = self.trace.records
        for step in records:
            if isinstance(step, StepRec) and type(step.opt) is SGD:
                flat_gradients(self, step)
        for k, rec in enumerate(records):
            self._compile(k, rec)
        # parameters whose grad a fused linear kernel sets itself need no zeroing before
        set_by_kernel = [
            self.trace.externs[ref.index].tensor
            for k, j in self.owned
            if j in (1, 2) and self._fused_linear(k)
            for ref in [records[k].inputs[j]]  # type: ignore[union-attr]
            if ref.kind == "ext"
        ]
        for kernel in self.kernels:
            if isinstance(kernel, Zero):
                kernel.drop([t for t in set_by_kernel if t is not None])

    def _fused_linear(self, k: int) -> bool:
        """Whether record k's backward is a fused linear kernel (which sets owned grads)."""
        entry = self.fused.get(self.pos(Ref("slot", k)))
        return entry is not None and entry[0] == "linear"

    # --- positions ----------------------------------------------------------------------
    def pos(self, ref: Ref) -> int:
        if ref.kind == "arg":
            return ref.index
        if ref.kind == "ext":
            return self.n_args + ref.index
        return self.n_args + len(self.trace.externs) + ref.index

    def use(self, ref: Ref) -> int:
        """The position of ``ref``, whose value a kernel reads: a derived one is computed."""
        p = self.pos(ref)
        if ref.kind == "ext":
            e = self.trace.externs[ref.index]
            entry: tuple[int, int, np.ndarray | None, np.dtype[Any]] | None = None
            if e.how == "derived" and e.source is not None:
                entry = (p, e.source[0], None, e.source[1])
            elif e.how == "copy":
                entry = (p, -1, e.origin[1], e.value.dtype)
            if entry is not None and all(d[0] != p for d in self.derived):
                self.derived.append(entry)
        return p

    def leaf(self, ref: Ref) -> Callable[[], Tensor] | None:
        """A function giving the tensor behind a ref that is a leaf, or None for a slot."""
        if ref.kind == "arg":
            i = ref.index
            return lambda: self.args[i]
        if ref.kind == "ext":
            t = self.trace.externs[ref.index].tensor
            if t is None:
                raise JitError("jit: an array attribute cannot receive a gradient")
            return lambda: t
        return None

    # --- gradients flowing to inputs ----------------------------------------------------
    # --- compiling ----------------------------------------------------------------------
    def _compile(self, k: int, rec: Any) -> None:
        if isinstance(rec, OpRec):
            p = self.pos(Ref("slot", k))
            self.meta[p] = (rec.shape, rec.dtype)
            self.kernels.append(self._fused_forward(p, rec) or generic_forward(self, p, rec))
        elif isinstance(rec, BackwardRec):
            self.kernels.append(self._seed(rec))
            for node in reversed(rec.order):
                self.kernels.append(self._backward(node, rec.retain))
        elif isinstance(rec, ZeroRec):
            leaf = self.leaf(rec.target)
            assert leaf is not None
            last = self.kernels[-1] if self.kernels else None
            if not isinstance(last, Zero):  # one kernel for a run of them (opt.zero_grad())
                last = Zero()
                self.kernels.append(last)
            ext = rec.target.kind == "ext"
            tensor = self.trace.externs[rec.target.index].tensor if ext else None
            last.add(leaf, rec.set_to_none, tensor)
        else:
            self.kernels.append(update(rec.opt, self.flat_of.get(id(rec))))

    def _fused_forward(self, p: int, rec: OpRec) -> Kernel | None:
        metas = [self.meta[self.pos(r)] for r in rec.inputs]
        if rec.dtype.kind != "f" or any(m is None or m[1] != rec.dtype for m in metas):
            return None
        if rec.cls in (Linear, LinearReLU):
            ps = [self.use(r) for r in rec.inputs]
        else:
            ps = [self.pos(r) for r in rec.inputs]
        if rec.cls in (Linear, LinearReLU) and not rec.attrs and len(ps) in (2, 3):
            ndims = [len(m[0]) for m in metas if m is not None]
            if ndims[:2] != [2, 2] or (len(ps) == 3 and ndims[2] != 1):
                return None
            out = np.empty(rec.shape, dtype=rec.dtype)
            relu = rec.cls is LinearReLU
            self.fused[p] = ("linear", relu)
            bp = ps[2] if len(ps) == 3 else None
            return kernels.linear_forward(self.env, ps[0], ps[1], bp, p, relu, out)
        if rec.cls is CrossEntropy and set(rec.attrs) == {"labels"} and len(rec.shape) == 0:
            labels = self._labels(rec.attrs["labels"])
            if labels is None or len(metas[0][0]) != 2:  # type: ignore[index]
                return None
            shape = metas[0][0]  # type: ignore[index]
            flat = kernels.Labels(self.env, labels, (shape[0], shape[1]))
            run, softmax = kernels.cross_entropy_forward(
                self.env, ps[0], p, flat, (shape[0], shape[1]), rec.dtype
            )
            self.fused[p] = ("cross_entropy", softmax, flat)
            self.fresh.add(p)  # the loss: a new 0-d array on every call
            return run
        return None

    def _labels(self, ref: Any) -> tuple[int, np.dtype[Any]] | np.ndarray | None:
        """Integer labels as (argument position, its dtype) or a constant array; else None."""
        if not isinstance(ref, Ref) or ref.kind != "ext":
            return None
        e = self.trace.externs[ref.index]
        if e.how == "value":
            return e.value
        if e.how == "derived" and e.source is not None:
            m = self.meta[e.source[0]]
            if m is not None and m[1].kind in "iu":
                return (e.source[0], m[1])
        return None

    def _seed(self, rec: BackwardRec) -> Kernel:
        grads, size = self.grads, len(self.grads)
        p = self.pos(Ref("slot", rec.root))
        meta = self.meta[p]
        assert meta is not None
        seed = np.ones(meta[0], dtype=meta[1])  # rules never write into g: one is enough
        nones = [None] * size

        def run() -> None:
            grads[:] = nones
            grads[p] = seed

        return run

    def _backward(self, k: int, retain: bool) -> Kernel:
        rec = self.trace.records[k]
        assert isinstance(rec, OpRec) and rec.needs is not None
        p = self.pos(Ref("slot", k))
        ins = [self.pos(r) for r in rec.inputs]
        fused = self.fused.get(p)
        sinks = [
            sink(self, k, j, r, fused is not None) if need else None
            for j, (r, need) in enumerate(zip(rec.inputs, rec.needs, strict=True))
        ]
        if fused is not None and fused[0] == "linear":
            m = self.meta[ins[0]]
            assert m is not None
            width = rec.shape[1]
            s3 = [*sinks, None][:3]
            owners = [owner(self, k, j, r) for j, r in enumerate(rec.inputs)] + [None]
            run, gx = kernels.linear_backward(
                self.env,
                self.grads,
                p,
                ins[0],
                ins[1],
                fused[1],
                (s3[0], s3[1], s3[2]),
                (owners[1], owners[2]),
                ((rec.shape[0], width), m[0], width),
                rec.dtype,
                (self.flat.get((k, 1)), self.flat.get((k, 2))),
                self.scratch.get(p),
            )
            xslot = getattr(s3[0], "slot", None)
            if xslot is not None:  # the next kernel down may apply its mask in place
                self.scratch[xslot] = gx
            return run
        if fused is not None and sinks[0] is not None:
            _, softmax, flat = fused
            return kernels.cross_entropy_backward(self.grads, p, softmax, flat, sinks[0])
        return generic_backward(self, p, ins, rec.needs, sinks, retain)

    # --- running ------------------------------------------------------------------------
    def _check_leaves(self) -> None:
        """The guards in detail: a parameter's data rebound to an array of the same shape
        and dtype is fine (read from now on); anything else makes the plan stale."""
        env = self.env
        for j, (t, p, rg) in enumerate(self.guards):
            d = t.data
            if d is not env[p]:
                m = self.meta[p]
                assert m is not None
                if d.shape != m[0] or d.dtype != m[1]:
                    raise Stale
                env[p] = self.guard_data[j] = d
            if t.requires_grad is not rg:
                raise Stale

    def run(self, flat: Sequence[Any]) -> Any:
        """Replay the step on these arguments (same signature as traced)."""
        env, ts = self.env, self.guard_tensors
        # the guards, as C-level loops: each parameter's data and requires_grad unchanged
        if not (
            all(map(is_, map(_data, ts), self.guard_data))
            and all(map(is_, map(_requires_grad, ts), self.guard_rg))
        ):
            self._check_leaves()
        for opt, params, n in self.opt_guards:
            if opt.params is not params or len(params) != n:
                raise Stale
        if failed(self.py_guards):
            raise Stale
        self.count[0] += 1
        self.args = flat
        for i, is_tensor in self.arg_slots:
            env[i] = flat[i].data if is_tensor else flat[i]
        if self.derived:
            self.derive()
        for k in self.kernels:
            k()
        return self.result()

    def derive(self) -> None:
        """The values computed from this call's arguments (a Tensor made from an array)."""
        env = self.env
        for p, i, src, dtype in self.derived:  # as Tensor(x, dtype) copies
            env[p] = np.array(env[i] if src is None else src, dtype=dtype, order="C")

    def _builder(self, t: Any) -> Callable[[], Any]:
        """A function building what the step returns: fresh Tensors holding copies."""
        if isinstance(t, Ref):
            if t.kind == "arg":
                i = t.index
                return lambda: self.args[i]
            e = self.trace.externs[t.index] if t.kind == "ext" else None
            if e is not None and e.how == "live":
                return lambda: e.tensor
            env, p, make = self.env, self.pos(t), Tensor._make
            if p in self.fresh:  # a new array on every call: nothing reuses it
                return lambda: make(env[p], False)
            return lambda: make(env[p].copy(), False)  # the next call reuses the buffer
        if isinstance(t, (tuple, list)):
            parts = [self._builder(i) for i in t]
            kind = type(t)
            return lambda: kind(f() for f in parts)
        if isinstance(t, dict):
            items = [(k, self._builder(v)) for k, v in t.items()]
            return lambda: {k: f() for k, f in items}
        return lambda: t


def _refs_in(v: Any) -> list[Ref]:
    """Every ref in a returned structure (tuples, lists, dict values)."""
    if isinstance(v, Ref):
        return [v]
    if isinstance(v, (tuple, list)):
        return [r for i in v for r in _refs_in(i)]
    if isinstance(v, dict):
        return [r for i in v.values() for r in _refs_in(i)]
    return []
