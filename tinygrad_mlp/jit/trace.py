"""What one traced call of a step did, as data: its ops, backward passes and updates.

A ``Trace`` is a list of records in the order the step made them: ``OpRec`` (an op's
forward), ``BackwardRec`` (``loss.backward()``), ``ZeroRec`` (a gradient set to
None or zero) and ``StepRec`` (``opt.step()``). Records name their operands by
``Ref``: the output of an earlier op (``slot``), the data of an argument of the step
(``arg``), or an *extern* (``ext``): a leaf tensor or an array attribute that came from
elsewhere, described by an ``Extern``.

One trace cannot tell what an extern is: a parameter that lives across calls, a constant made
inside the step, or a value computed from an argument. Two traces can: ``resolve``
compares the first call's trace with the second's and decides, or refuses with a
``JitError``. The same comparison (``first_difference``) detects a graph whose
structure changed between calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = [
    "JitError",
    "Ref",
    "Extern",
    "OpRec",
    "BackwardRec",
    "ZeroRec",
    "StepRec",
    "Record",
    "Trace",
    "first_difference",
    "resolve",
    "same_sources",
    "same_bits",
]


class JitError(RuntimeError):
    """A step that ``tm.jit`` cannot replay exactly; the message says what and why."""


@dataclass(frozen=True)
class Ref:
    """An operand: ``slot`` k (output of record k), ``arg`` i (argument i's data), ``ext`` j."""

    kind: str
    index: int


@dataclass
class Extern:
    """A leaf tensor (``tensor``) or an array attribute (``array``) the step used.

    ``value`` is a copy taken when the trace first met it; ``origin`` is where the tracer
    saw it made inside the step: ``("arg", i)`` (converted from argument i), ``("array",
    a, dtype)`` (copied from the numpy array ``a``), ``("value",)`` (from Python numbers),
    ``("leaf",)`` (a parameter), or ``()`` (not seen made). ``resolve`` sets ``how``:
    ``live`` (the same object on every call: read it when replaying), ``derived``
    (argument ``source[0]`` converted to ``source[1]``), ``copy`` (``origin[1]`` copied on
    every call) or ``value`` (a Python value, baked: see docs/jit.md). ``check``: what the
    step checks the converted value against (cross_entropy's labels' range), run again on
    each call's value before the op that reads it.
    """

    tensor: Tensor | None
    array: np.ndarray | None
    value: np.ndarray
    requires_grad: bool
    origin: tuple[Any, ...]
    how: str = ""
    source: tuple[int, np.dtype[Any]] | None = None
    check: Callable[[np.ndarray], None] | None = field(default=None, compare=False)

    def meta(self) -> tuple[Any, ...]:
        kind = "tensor" if self.tensor is not None else "array"
        how = self.origin[:2] if self.origin[:1] == ("arg",) else self.origin[:1]
        baked = self.value.tobytes() if how == ("value",) else None
        return (kind, self.value.shape, self.value.dtype, self.requires_grad, how, baked)

    def describe(self) -> str:
        kind = "a tensor" if self.tensor is not None else "an array attribute"
        return f"{kind} of shape {self.value.shape} and dtype {self.value.dtype}"


@dataclass
class OpRec:
    """``cls.apply(*inputs, **attrs)``; ``needs`` is None when no graph was recorded.

    ``checks``: (input j, check) for an input the step checked just before this op read it
    (a probability target that requires grad): run on each call's value before the op.
    """

    cls: type
    inputs: tuple[Ref, ...]
    attrs: dict[str, Any]
    needs: tuple[bool, ...] | None
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    checks: tuple[tuple[int, Callable[[np.ndarray], None]], ...] = field(
        default=(), compare=False
    )

    def key(self) -> tuple[Any, ...]:
        return ("op", self.cls, self.inputs, freeze(self.attrs), self.needs, self.shape, self.dtype)

    def describe(self) -> str:
        return f"{self.cls.__name__} of {_names(self.inputs)} giving {self.shape} {self.dtype}"


@dataclass
class BackwardRec:
    """``backward()`` from slot ``root``; ``order`` is the engine's sort (inputs first)."""

    root: int
    order: tuple[int, ...]
    retain: bool

    def key(self) -> tuple[Any, ...]:
        return ("backward", self.root, self.order, self.retain)

    def describe(self) -> str:
        return f"backward() from the output of op {self.root} through {len(self.order)} ops"


@dataclass
class ZeroRec:
    """``zero_grad``: ``target``'s grad set to None (``set_to_none``) or to zeros."""

    target: Ref
    set_to_none: bool

    def key(self) -> tuple[Any, ...]:
        return ("zero", self.target, self.set_to_none)

    def describe(self) -> str:
        return f"zero_grad of {_names((self.target,))}"


@dataclass
class StepRec:
    """``opt.step()``; ``params`` are the optimizer's parameters, as refs."""

    opt: Any
    params: tuple[Ref, ...]

    def key(self) -> tuple[Any, ...]:
        return ("step", id(self.opt), self.params)

    def describe(self) -> str:
        return f"{type(self.opt).__name__}.step() over {len(self.params)} parameters"


Record = OpRec | BackwardRec | ZeroRec | StepRec


@dataclass
class Trace:
    """The records of one call, its externs, and what it returned (refs in place of tensors)."""

    records: list[Record] = field(default_factory=list)
    externs: list[Extern] = field(default_factory=list)
    result: Any = None
    keep: list[Any] = field(default_factory=list)  # objects named by id() in the keys

    def key(self) -> tuple[Any, ...]:
        """Everything that must be equal for two calls to be the same program."""
        return (
            tuple(r.key() for r in self.records),
            tuple(e.meta() for e in self.externs),
            freeze(self.result),
        )


def _names(refs: tuple[Ref, ...]) -> str:
    words = {"slot": "op", "arg": "argument", "ext": "extern"}
    return ", ".join(f"{words[r.kind]} {r.index}" for r in refs)


def freeze(v: Any) -> Any:
    """A value comparable with ``==`` for structure keys: arrays by bits, objects by id."""
    if isinstance(v, Ref) or v is None or isinstance(v, (str, bool, int, type, np.dtype, slice)):
        return v
    if isinstance(v, float):
        return ("float", repr(v))  # repr: NaN equals NaN, -0.0 differs from 0.0
    if isinstance(v, (tuple, list)):
        return (type(v).__name__, tuple(freeze(i) for i in v))
    if isinstance(v, dict):
        return ("dict", tuple(sorted((k, freeze(i)) for k, i in v.items())))
    if isinstance(v, (np.ndarray, np.generic)):
        a = np.asarray(v)
        return ("array", a.dtype, a.shape, a.tobytes())
    if v is Ellipsis:
        return "..."
    return ("object", id(v))  # the trace keeps the object, so the id is not reused


_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """True when both arrays have the same shape, dtype and bytes (NaNs and -0.0 included).

    Numbers are compared as unsigned integers of their width (one vectorised comparison,
    no copy of either array's bytes); other dtypes by their bytes.
    """
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    u = _UINT.get(a.dtype.itemsize) if a.dtype.kind in "biufc" else None
    if u is None:
        return a.tobytes() == b.tobytes()
    return bool(np.array_equal(a.view(u), b.view(u)))


def first_difference(first: Trace, second: Trace) -> str:
    """A sentence saying where two traces part, or '' when they are the same program."""
    if first.key() == second.key():
        return ""
    for i, (a, b) in enumerate(zip(first.records, second.records, strict=False)):
        if a.key() != b.key():
            return f"step {i} was {a.describe()} on one call and {b.describe()} on the other"
    if len(first.records) != len(second.records):
        return f"one call made {len(first.records)} steps, the other {len(second.records)}"
    for j, (e, f) in enumerate(zip(first.externs, second.externs, strict=False)):
        if e.meta() != f.meta():
            return f"extern {j} was {e.describe()} on one call and {f.describe()} on the other"
    if freeze(first.result) != freeze(second.result):
        return "the step returned something different (return Tensors, not Python numbers)"
    return "the externs differ"


def resolve(first: Trace, second: Trace) -> Trace:
    """``second`` with every extern decided from where the tracer saw it come from.

    Nothing is decided from values being equal: a parameter (or any tensor or array) is
    *live* when it is the same object on both calls; a tensor made inside the step is
    followed to the argument or array it was converted from, or to Python numbers (baked,
    and guarded or re-verified: docs/jit.md). Anything else is refused with a
    ``JitError`` naming it: replaying it would silently reuse a stale value.
    """
    for j, (a, b) in enumerate(zip(first.externs, second.externs, strict=True)):
        same = (a.tensor is not None and a.tensor is b.tensor) or (
            a.array is not None and a.array is b.array
        )
        if same:
            b.how = "live"
            continue
        if b.requires_grad:
            raise JitError(
                f"jit: the step creates a new tensor that requires grad on every call "
                f"(extern {j}, {b.describe()}); its gradient would go nowhere on replay. "
                "Create parameters outside the step."
            )
        kind = b.origin[:1]
        if kind == ("arg",) and a.origin == b.origin:
            b.how, b.source = "derived", (b.origin[1], b.value.dtype)
        elif kind == ("array",) and a.origin[:1] == kind and a.origin[1] is b.origin[1]:
            b.how = "copy"
        elif kind == ("value",) and a.origin == b.origin and same_bits(a.value, b.value):
            b.how = "value"
        elif kind == ("value",):
            raise JitError(
                f"jit: a Python number or list the step turns into {b.describe()} (extern "
                f"{j}) differs between two calls; a replay cannot recompute Python values. "
                "Pass it as an argument, or make it a global or closure variable of the step "
                "(those are guarded and retrace on a change)."
            )
        else:
            raise JitError(
                f"jit: the step uses {b.describe()} (extern {j}) made inside the step from "
                "values the trace cannot follow (numpy on arrays, a new array on every call, "
                "a copy of a computed tensor). Replaying would reuse a stale value: compute it "
                "with Tensor operations, pass it as an argument, or keep it in a global."
            )
    return second


def same_sources(resolved: Trace, again: Trace) -> str:
    """Where a new trace of a resolved step reads other sources; '' when the same.

    A live extern must be the same object, a copied one copied from the same array, a
    derived one converted from the same argument.
    """
    for j, (a, b) in enumerate(zip(resolved.externs, again.externs, strict=True)):
        if a.how == "live":
            same = (a.tensor is not None and a.tensor is b.tensor) or (
                a.array is not None and a.array is b.array
            )
        elif a.how == "copy":
            same = b.origin[:1] == ("array",) and b.origin[1] is a.origin[1]
        else:
            same = a.origin == b.origin
        if not same:
            return f"extern {j} ({a.describe()}) now comes from elsewhere"
    return ""
