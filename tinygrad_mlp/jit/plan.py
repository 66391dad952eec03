"""A resolved trace compiled into a list of kernels over named slots, and the replay.

Every value the step uses is a ``Slot`` (``jit/slots.py``): one per argument, per extern
(parameters read live, constants, values derived from arguments) and per op output. A
slot also carries the gradient summed into it during ``backward()``. Compiling
(``jit/build.py``) turns each record into a kernel over the slots it reads and writes
(source lines, ``jit/code.py``, or a closure):

- an op's forward: fused (``kernels``) for Linear, LinearReLU and CrossEntropy on 2-D
  operands of one float dtype, else *generic*: a fresh op object's own ``forward``;
- ``backward()``: the seed, then one kernel per node in the order the engine's sort gave
  when traced, each the engine's own per-node step (``engine.chain.node_step``) for a
  generic node, then summed into a slot or delivered to a leaf (``engine.delivery.deliver``);
- ``zero_grad`` and ``opt.step()``: ``updates``.

Before any kernel runs, ``Plan.run`` checks what the trace assumed and the signature
does not cover: every parameter still has its shape, dtype and ``requires_grad``, and every
optimizer the same parameter list. A failed check raises ``Stale`` before anything
changed, and the caller traces again. Then ``replay`` runs every kernel: one generated
function, the same lines the generated entry (``jit/entry.py``) runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from operator import attrgetter, is_
from typing import Any

import numpy as np

from ..tensor import Tensor
from .build import compile_all
from .code import body
from .guard_check import Guard, failed
from .kernels import handed
from .results import result_builder
from .slots import Kernel, Slot
from .trace import JitError, Ref, StepRec, Trace
from .updates import Flat

__all__ = ["Plan", "Stale", "kept_check"]

_data = attrgetter("data")
_requires_grad = attrgetter("requires_grad")


class Stale(Exception):
    """A guard failed before the replay changed anything: trace this call again."""


class Derived:
    """A slot recomputed on every call, as ``Tensor(x, dtype)`` copies: from an argument's
    slot (``source``) or from an array the step copies (``array``)."""

    __slots__ = ("slot", "source", "array", "dtype")

    def __init__(
        self, slot: Slot, source: Slot | None, array: np.ndarray | None, dtype: np.dtype[Any]
    ) -> None:
        self.slot, self.source, self.array, self.dtype = slot, source, array, dtype


class Plan:
    """The compiled replay of one resolved trace, with its slots and buffers."""

    def __init__(self, trace: Trace, args: Sequence[Any], guards: Sequence[Guard] = ()) -> None:
        self.trace = trace
        self.py_guards = list(guards)  # the step's globals and closure cells (jit/guards.py)
        self.count = [1]  # calls of this signature so far (the run on call 2 makes it 2)
        self.recheck = 3  # re-verify when this many calls are done: calls 4, 8, 16, ...
        self.args: Sequence[Any] = tuple(args)  # this call's arguments (objects)
        self._arguments(args)
        self._externs()
        self.outputs = [Slot(f"op {k}") for k in range(len(trace.records))]
        self.derived: list[Derived] = []
        self.kernels: list[Kernel] = []
        # filled by compile_all (jit/build.py):
        self.fused: dict[int, tuple[Any, ...]] = {}  # record -> what its fused backward needs
        self.fresh: set[Slot] = set()  # slots whose kernel makes a new array on every call
        self.scratch: dict[Slot, np.ndarray] = {}  # slot -> the fused buffer its gradient is
        self.owned: set[tuple[int, int]] = set()  # (node, input): see routing
        # a backward's leaf gradients other than owned ones, as (leaf, gradient, fresh) in
        # arrival order: delivered once its last kernel has run (routing.sink, apply)
        self.pending: list[tuple[Callable[[], Tensor], np.ndarray, bool]] = []
        self.flat: dict[tuple[int, int], np.ndarray] = {}  # (node, input) -> flat view
        self.flat_of: dict[int, Flat] = {}  # id(StepRec) -> (flat array, [(param, view)])
        compile_all(self)
        self.result: Callable[[], Any] = result_builder(self, trace.result)
        # every kernel in one function (jit/code.py): the same lines the entry runs
        ns: dict[str, Any] = {}
        lines = ["def replay():", *body(self.kernels, ns, "    "), "    return None"]
        exec(compile("\n".join(lines) + "\n", "<tm.jit replay>", "exec"), ns)
        self.replay: Kernel = ns["replay"]
        self.kept, self._counts, self._base = kept_check(self.kernels)

    def _arguments(self, args: Sequence[Any]) -> None:
        """One slot per argument; ``bind`` lists those holding an array each call."""
        self.arg_slots: list[Slot] = []
        self.bind: list[tuple[Slot, int, bool]] = []  # (slot, argument, is a Tensor)
        for i, a in enumerate(args):
            arr = a.data if isinstance(a, Tensor) else a
            if isinstance(arr, np.ndarray):
                s = Slot(f"arg {i}", arr.shape, arr.dtype)
                self.bind.append((s, i, isinstance(a, Tensor)))
            else:
                s = Slot(f"arg {i}")
            self.arg_slots.append(s)

    def _externs(self) -> None:
        """Live parameters (guarded), live arrays and baked Python values into slots."""
        self.ext_slots: list[Slot] = []
        self.guards: list[tuple[Tensor, Slot, bool]] = []
        for j, e in enumerate(self.trace.externs):
            s = Slot(f"ext {j} ({e.how})", e.value.shape, e.value.dtype)
            self.ext_slots.append(s)
            if e.how == "live" and e.tensor is not None:
                self.guards.append((e.tensor, s, e.tensor.requires_grad))
                s.value = e.tensor.data
            elif e.how == "live":
                s.value = e.array
            elif e.how == "value":  # a Python value, baked (guarded or re-verified)
                s.value = e.value
        self.guard_tensors = [t for t, _, _ in self.guards]
        self.guard_data = [t.data for t in self.guard_tensors]
        self.guard_rg = [rg for _, _, rg in self.guards]
        self.opt_guards = [  # the list, and its items: opt.params[0] = t replaces one
            (r.opt, r.opt.params, tuple(r.opt.params))
            for r in self.trace.records
            if isinstance(r, StepRec)
        ]

    # --- slots --------------------------------------------------------------------------
    def slot(self, ref: Ref) -> Slot:
        """The slot behind ``ref``: an argument, an extern or an op's output."""
        if ref.kind == "arg":
            return self.arg_slots[ref.index]
        if ref.kind == "ext":
            return self.ext_slots[ref.index]
        return self.outputs[ref.index]

    def use(self, ref: Ref) -> Slot:
        """The slot of ``ref``, whose value a kernel reads: a derived one is computed."""
        s = self.slot(ref)
        if ref.kind == "ext" and all(d.slot is not s for d in self.derived):
            e = self.trace.externs[ref.index]
            if e.how == "derived" and e.source is not None:
                self.derived.append(Derived(s, self.arg_slots[e.source[0]], None, e.source[1]))
            elif e.how == "copy":
                self.derived.append(Derived(s, None, e.origin[1], e.value.dtype))
        return s

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

    # --- running ------------------------------------------------------------------------
    def _check_leaves(self) -> None:
        """The guards in detail: a parameter's data rebound to an array of the same shape
        and dtype is fine (read from now on); anything else makes the plan stale."""
        for j, (t, s, rg) in enumerate(self.guards):
            d = t.data
            if d is not s.value:
                if d.shape != s.shape or d.dtype != s.dtype:
                    raise Stale
                s.value = self.guard_data[j] = d
            if t.requires_grad is not rg:
                raise Stale

    def run(self, flat: Sequence[Any], checked: bool = False) -> Any:
        """Replay the step on these arguments (same signature as traced); ``checked``:
        ``check`` has just passed (a re-verification, whose snapshots hold the .grads)."""
        if not checked:
            self.check()
        self.count[0] += 1
        self.args = flat
        for s, i, is_tensor in self.bind:
            s.value = flat[i].data if is_tensor else flat[i]
        if self.derived:
            self.derive()
        self.replay()
        return self.result()

    def settle(self) -> None:
        """Count the references the jit itself holds to each gradient buffer it hands out
        as a parameter's ``.grad``; from now on, one more means the caller kept it."""
        self._base[:] = self._counts()

    def check(self) -> None:
        """Raise ``Stale`` unless what the trace assumed still holds (module docstring)."""
        if self.kept():  # a .grad handed out by the last replay is still held by the caller
            raise Stale
        ts = self.guard_tensors
        # the guards, as C-level loops: each parameter's data and requires_grad unchanged
        if not (
            all(map(is_, map(_data, ts), self.guard_data))
            and all(map(is_, map(_requires_grad, ts), self.guard_rg))
        ):
            self._check_leaves()
        for opt, params, items in self.opt_guards:
            if opt.params is not params or len(params) != len(items):
                raise Stale
            if not all(map(is_, params, items)):
                raise Stale
        if failed(self.py_guards):
            raise Stale

    def derive(self) -> None:
        """The values computed from this call's arguments (a Tensor made from an array)."""
        for d in self.derived:  # as Tensor(x, dtype) copies
            src = d.array if d.source is None else d.source.value
            d.slot.value = np.array(src, dtype=d.dtype, order="C")


Kept = tuple[Callable[[], bool], Callable[[], list[int]], list[int]]


def kept_check(kernels: Sequence[Kernel]) -> Kept:
    """For the buffers the fused kernels hand out as a parameter's ``.grad``: a check that
    the caller still holds one (``kept``), the counts it compares, and their baseline.

    A replay writes its gradients into the same buffers on every call, where the eager
    step (after ``zero_grad()``) makes new arrays: a ``.grad`` the caller kept from one
    call (a list of gradients, a reference taken before ``zero_grad()``) would change under
    it on the next replay. ``sys.getrefcount`` of each buffer, less the parameter's own
    ``.grad``, is compared with the count the jit's own references make (measured by
    ``Plan.settle`` once the plan and its entry are built; before that the check never
    fires); one more reference means the caller kept it, and the plan goes stale: the
    call is traced again, with new buffers, and the kept array keeps its values.
    Both functions are generated with the same expressions, so a count means the same in
    each. Example: ``kept_check([])[0]()`` is False (nothing handed out).
    """
    pairs = [pair for kernel in kernels for pair in handed(kernel)]
    ns: dict[str, Any] = {"rc": sys.getrefcount, "BASE": [1 << 30] * len(pairs)}
    terms = []
    for j, (owner, buf) in enumerate(pairs):
        ns[f"P{j}"], ns[f"H{j}"] = owner, buf
        terms.append(f"rc(H{j}) - (P{j}.grad is H{j})")
    lines = [
        "def counts():",
        f"    return [{', '.join(terms)}]",
        "def kept():",
        "    return " + (" or ".join(f"{t} > BASE[{j}]" for j, t in enumerate(terms)) or "False"),
    ]
    exec(compile("\n".join(lines) + "\n", "<tm.jit kept gradients>", "exec"), ns)
    return ns["kept"], ns["counts"], ns["BASE"]
