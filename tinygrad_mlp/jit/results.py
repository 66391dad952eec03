"""What a replay returns: fresh Tensors holding copies of the step's returned values.

A returned op output is copied (the next call writes its buffer again) unless its kernel
makes a new array on every call (the loss); a returned argument or live parameter is
that object itself (for an array argument, a Tensor sharing it, as ``from_numpy``);
tuples, lists and dicts are rebuilt around them; anything else is the traced Python value
(baked, see docs/jit.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..tensor import Tensor
from .trace import Ref

if TYPE_CHECKING:
    from .plan import Plan

__all__ = ["result_builder", "refs_in"]


def result_builder(plan: Plan, t: Any) -> Callable[[], Any]:
    """A function building what the step returns, from the plan's slots after a replay."""
    for r in refs_in(t):
        plan.use(r)
    return _builder(plan, t)


def _builder(plan: Plan, t: Any) -> Callable[[], Any]:
    if isinstance(t, Ref):
        return _ref_builder(plan, t)
    if isinstance(t, (tuple, list)):
        parts = [_builder(plan, i) for i in t]
        kind = type(t)
        return lambda: kind(f() for f in parts)
    if isinstance(t, dict):
        items = [(k, _builder(plan, v)) for k, v in t.items()]
        return lambda: {k: f() for k, f in items}
    return lambda: t


def _ref_builder(plan: Plan, t: Ref) -> Callable[[], Any]:
    make = Tensor._make
    if t.kind == "arg":
        i = t.index

        def argument() -> Any:  # an array argument: a Tensor sharing it (from_numpy's)
            a = plan.args[i]
            return a if isinstance(a, Tensor) else make(a, False)

        return argument
    e = plan.trace.externs[t.index] if t.kind == "ext" else None
    if e is not None and e.how == "live":
        return lambda: e.tensor
    s = plan.slot(t)
    if s in plan.fresh:  # a new array on every call: nothing reuses it
        fresh = lambda: make(s.value, False)  # noqa: E731
        fresh.slot = s  # type: ignore[attr-defined]  # the generated entry inlines this
        return fresh
    return lambda: make(s.value.copy(), False)  # the next call reuses the buffer


def refs_in(v: Any) -> list[Ref]:
    """Every ref in a returned structure (tuples, lists, dict values)."""
    if isinstance(v, Ref):
        return [v]
    if isinstance(v, (tuple, list)):
        return [r for i in v for r in refs_in(i)]
    if isinstance(v, dict):
        return [r for i in v.values() for r in refs_in(i)]
    return []
