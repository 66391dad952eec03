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

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine.tensor import Tensor

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

    ``value`` is a copy taken when the trace first met it; ``matches`` lists the arguments
    whose data, converted to this dtype, equals it bit for bit: the candidates it was
    computed from. ``resolve`` sets ``how`` to ``live`` (the same object on every
    call: read it when replaying), ``derived`` (argument ``source[0]`` converted to
    ``source[1]``) or ``const`` (the same value on every call).
    """

    tensor: Tensor | None
    array: np.ndarray | None
    value: np.ndarray
    requires_grad: bool
    matches: tuple[tuple[int, np.dtype[Any]], ...]
    how: str = ""
    source: tuple[int, np.dtype[Any]] | None = None

    def meta(self) -> tuple[Any, ...]:
        kind = "tensor" if self.tensor is not None else "array"
        return (kind, self.value.shape, self.value.dtype, self.requires_grad)

    def describe(self) -> str:
        kind = "a tensor" if self.tensor is not None else "an array attribute"
        return f"{kind} of shape {self.value.shape} and dtype {self.value.dtype}"


@dataclass
class OpRec:
    """``cls.apply(*inputs, **attrs)``; ``needs`` is None when no graph was recorded."""

    cls: type
    inputs: tuple[Ref, ...]
    attrs: dict[str, Any]
    needs: tuple[bool, ...] | None
    shape: tuple[int, ...]
    dtype: np.dtype[Any]

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


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """True when both arrays have the same shape, dtype and bytes (NaNs and -0.0 included)."""
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


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
    """``second`` with every extern decided from how it compares with ``first``'s.

    Raises ``JitError`` for a tensor requiring grad that is new on every call, and for a
    value that changes between calls without coming from an argument: replaying either
    would silently give a different result.
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
        common = [m for m in b.matches if m in a.matches]
        if common:
            b.how, b.source = "derived", common[0]
        elif same_bits(a.value, b.value):
            b.how = "const"
        else:
            raise JitError(
                f"jit: the step uses {b.describe()} whose values change between calls and "
                "do not come from its arguments (computed outside the engine's ops, e.g. "
                "with numpy on .data, or from Python state). Replaying would reuse stale "
                "values: pass it as an argument, or compute it with Tensor operations."
            )
    return second
