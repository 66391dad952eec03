"""Recording a step while it runs eagerly: the hooks the engine calls during a trace.

While ``tracing`` is active, ``engine.state.tracer`` is a ``Tracer``. The engine calls it
from ``Op.apply`` (every op's forward), ``backward()``, ``tm.grad``, ``zero_grad`` and the
optimizers' ``step``; each call appends a record to the ``Trace`` (or refuses
with a ``JitError``). The step runs exactly as without jit: the tracer only
watches.

A replay never runs the step's Python, so a step whose Python reads tensor *values*
(``loss.item()``, ``float(t)``, ``if t > 0``, ``t.numpy()``, ``t.data`` outside this
package) cannot be replayed. The tracer catches those reads: the tensors the step computes,
its Tensor arguments and the parameters it reaches get ``Guarded`` mixed into
their class for the duration of the call (``watch``), whose value reads and writes
raise. Their class is restored when the trace ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..engine import state as _engine_state
from ..engine.graph import toposort
from ..engine.tensor_core import TensorCore
from ..ops.base import Op
from ..tensor import Tensor
from .origins import UPDATED, Origins, updated_error
from .trace import BackwardRec, Extern, JitError, OpRec, Ref, StepRec, Trace, ZeroRec
from .watch import Guarded, guarded

__all__ = ["Tracer", "tracing", "TRACE_LOCK"]

TRACE_LOCK = threading.Lock()  # one trace at a time: the hook slot engine.state.tracer is global
_DATA = TensorCore.__dict__["data"]  # the slot descriptor behind Tensor.data


class Tracer(Origins):
    """Receives the engine's events during one traced call and builds its ``Trace``."""

    def __init__(self, args: Sequence[Any]) -> None:
        self.thread = threading.get_ident()
        self.trace = Trace()
        self.args = list(args)
        self.arrays: list[np.ndarray | None] = [
            a.data if isinstance(a, Tensor) else a if isinstance(a, np.ndarray) else None
            for a in self.args
        ]
        self.slot_of: dict[int, int] = {}
        self.ext_of: dict[int, int] = {}
        self.arg_of = {id(a): i for i, a in enumerate(self.args) if isinstance(a, Tensor)}
        self.array_arg_of = {id(a): i for i, a in enumerate(self.arrays) if a is not None}
        self.marked: list[tuple[Tensor, type]] = []
        self.data_slot: dict[int, int] = {}  # id of an op output's array -> its slot
        self.origin: dict[int, tuple[Any, ...]] = {}  # id of a tensor made here -> source
        self.checks: dict[int, Callable[[np.ndarray], None]] = {}  # id -> its check (converted)
        self.on_read: dict[int, Callable[[np.ndarray], None]] = {}  # id of a tensor -> check
        self.opts: list[Any] = []  # the optimizers whose step() this trace recorded
        for a in self.args:
            if isinstance(a, Tensor):
                self.mark(a)

    # --- bookkeeping ---------------------------------------------------------------
    def mine(self) -> bool:
        return threading.get_ident() == self.thread

    def mark(self, t: Tensor) -> None:
        """Make ``t`` refuse value reads until the trace ends (its class is restored then)."""
        cls = type(t)
        if issubclass(cls, Guarded):
            return
        try:
            t.__class__ = guarded(cls)
        except TypeError:  # a Tensor subclass with a layout of its own: left unguarded
            return
        self.marked.append((t, cls))

    def unmark(self) -> None:
        for t, cls in reversed(self.marked):
            t.__class__ = cls
        self.marked.clear()

    def _extern(self, obj: Any, tensor: Tensor | None, array: np.ndarray) -> Ref:
        j = self.ext_of.get(id(obj))
        if j is None:
            j = len(self.trace.externs)
            value = np.array(array, copy=True)
            rg = bool(tensor is not None and tensor.requires_grad)
            origin = self.origin.get(id(obj), ())
            if origin == UPDATED:
                raise updated_error()
            held = None if tensor is not None else array
            check = self.checks.get(id(obj))
            self.trace.externs.append(Extern(tensor, held, value, rg, origin, check=check))
            self.ext_of[id(obj)] = j
            self.trace.keep.append(obj)
            if tensor is not None:
                self.mark(tensor)  # its .data and .grad are guarded from now on
        return Ref("ext", j)

    def check_on_read(self, t: Tensor, check: Callable[[np.ndarray], None]) -> None:
        """The step checked ``t``'s values (``check`` raises for a bad one) where a replay
        sees no Python: the next op that reads ``t`` runs ``check`` on it first."""
        if self.mine():
            self.on_read[id(t)] = check
            self.trace.keep.append(t)

    def ref(self, t: Tensor) -> Ref:
        """Where an op's input comes from."""
        slot = self.slot_of.get(id(t))
        if slot is not None:
            return Ref("slot", slot)
        i = self.arg_of.get(id(t))
        if i is not None:
            return Ref("arg", i)
        k = self.data_slot.get(id(_DATA.__get__(t, Tensor)))
        if k is not None and not t.requires_grad:
            return Ref("slot", k)  # a tensor wrapping an op's output (a view made in here)
        if t._ctx is not None:
            raise JitError(
                "jit: the step uses a tensor computed before the call, with a graph behind "
                f"it (shape {t.shape}); the replay cannot reach that graph. Compute it inside "
                "the step or pass it detach()ed."
            )
        data = _DATA.__get__(t, Tensor)
        i = self.array_arg_of.get(id(data))
        if i is not None and not t.requires_grad:
            return Ref("arg", i)  # a tensor wrapping an argument's array, e.g. from_numpy
        return self._extern(t, t, data)

    def attr(self, v: Any) -> Any:
        """An op attribute with its arrays replaced by refs (argument or extern)."""
        if type(v) is tuple:
            return tuple(self.attr(i) for i in v)
        if isinstance(v, np.ndarray):
            i = self.array_arg_of.get(id(v))
            if i is not None:
                return Ref("arg", i)
            k = self.data_slot.get(id(v))
            if k is not None:
                return Ref("slot", k)  # a computed index or mask, replayed live
            return self._extern(v, None, v)
        if isinstance(v, Tensor):
            raise JitError("jit: an op attribute that is a Tensor cannot be replayed")
        if not isinstance(v, (str, bool, int, float, type, np.dtype, slice, type(None))):
            self.trace.keep.append(v)  # compared by identity between calls (a Generator)
        return v

    def result(self, value: Any) -> Any:
        """What the step returned, with refs in place of its tensors."""
        if isinstance(value, Tensor):
            return self.ref(value)
        if isinstance(value, (tuple, list)):
            return type(value)(self.result(v) for v in value)
        if isinstance(value, dict):
            return {k: self.result(v) for k, v in value.items()}
        if isinstance(value, (np.ndarray, np.generic)):
            raise JitError(
                "jit: the step returned a numpy value; return Tensors (the replay returns "
                "fresh Tensors holding the values of that call)"
            )
        return value  # a Python value: it must be the same on every call

    # --- the engine's events ----------------------------------------------------------
    def op(self, op: Op, inputs: Sequence[Tensor], attrs: dict[str, Any], out: Tensor) -> None:
        if not self.mine():
            return
        refs = tuple(self.ref(t) for t in inputs)
        frozen = {k: self.attr(v) for k, v in attrs.items()}
        needs = op.needs if out._ctx is op else None
        data = _DATA.__get__(out, Tensor)
        rec = OpRec(type(op), refs, frozen, needs, data.shape, data.dtype)
        if self.on_read:  # checks waiting for one of these inputs (check_on_read): taken
            pending = self.on_read
            rec.checks = tuple(
                (j, pending.pop(id(t))) for j, t in enumerate(inputs) if id(t) in pending
            )
        self.slot_of[id(out)] = len(self.trace.records)
        self.data_slot[id(data)] = len(self.trace.records)
        self.trace.records.append(rec)
        self.trace.keep.append(out)
        self.mark(out)

    def backward(self, root: Tensor, grad: Any, retain: bool | None, create: bool) -> None:
        if not self.mine():
            return
        if create:
            raise JitError("jit: backward(create_graph=True) inside a jitted step is not replayed")
        if grad is not None:
            raise JitError(
                "jit: backward(grad=...) inside a jitted step is not replayed; call "
                "backward() on a one-element loss"
            )
        slot = self.slot_of.get(id(root))
        if slot is None:
            raise JitError("jit: backward() on a tensor the step did not compute")
        nodes = toposort(root)
        outside = [n for n in nodes if id(n) not in self.slot_of]
        if outside:  # an argument with a graph behind it: the replay cannot reach that graph
            raise JitError(
                "jit: backward() inside the step reaches a tensor computed before the call, "
                f"with a graph behind it (shape {outside[-1].shape}, an argument or what made "
                "it); the replay cannot reach that graph. Pass it detach()ed, or compute it "
                "inside the step"
            )
        order = tuple(self.slot_of[id(n)] for n in nodes)
        self.trace.records.append(BackwardRec(slot, order, bool(retain)))

    def grad_call(self) -> None:
        if self.mine():
            raise JitError("jit: tm.grad inside a jitted step is not replayed; use backward()")

    def zero_grad(self, p: Tensor, set_to_none: bool) -> None:
        if self.mine():
            self.trace.records.append(ZeroRec(self._target(p), set_to_none))

    def optimizer_step(self, opt: Any) -> None:
        if self.mine():
            params = tuple(self._target(p) for p in opt.params)
            self.trace.records.append(StepRec(opt, params))
            self.trace.keep.append(opt)
            self.opts.append(opt)

    def made_here(self, t: Tensor) -> bool:
        """Whether ``t`` is the step's own (an op's output or a tensor made in the step): an
        in-place operator on it is then recorded as the op it computes (``written``)."""
        return self.mine() and (
            id(t) in self.slot_of or self.origin.get(id(t), ("leaf",)) != ("leaf",)
        )

    def written(self, t: Tensor, result: Tensor) -> None:
        """``t op= v`` on the step's own tensor (``made_here``): the op's output ``result``
        stands for ``t`` from now on, in every later read and in the step's return, as the
        in-place write gives ``t`` (and each alias of it) the output's values."""
        slot = self.slot_of[id(result)]
        self.slot_of[id(t)] = slot
        self.data_slot[id(_DATA.__get__(t, Tensor))] = slot
        self.trace.keep.append(t)

    def in_optimizer_step(self) -> bool:
        """A recorded optimizer's step is running (Optimizer._stepping): its Python reads
        of .data and .grad are repeated on replay, which calls that step itself."""
        return self.mine() and any(o._stepping for o in self.opts)

    def _target(self, p: Tensor) -> Ref:
        i = self.arg_of.get(id(p))
        if i is not None:
            return Ref("arg", i)
        if id(p) in self.slot_of or p._ctx is not None:
            raise JitError("jit: zero_grad or an optimizer on a non-leaf tensor")
        self.origin.setdefault(id(p), ("leaf",))
        return self._extern(p, p, _DATA.__get__(p, Tensor))


@contextmanager
def tracing(args: Sequence[Any], watch: Sequence[Tensor] = ()) -> Iterator[Tracer]:
    """Record what runs in this thread inside the block (one trace at a time).

    ``watch``: tensors the step can reach (a model's parameters), guarded from the start,
    so that a write such as ``p.grad = None`` before their first use is seen.
    """
    with TRACE_LOCK:
        tracer = Tracer(args)
        for t in watch:
            tracer.mark(t)
        _engine_state.tracer = tracer
        try:
            yield tracer
        finally:
            _engine_state.tracer = None
            tracer.unmark()
