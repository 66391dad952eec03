"""Guards on the Python state a step reads: its globals and closure cells, checked per call.

A replay runs none of the step's Python, so a Python value it read when traced would be
baked in. The values the step function's own code reads by name are guarded instead:
numbers, strings, ``None`` and tuples of those by value (``type`` and ``==``), everything
else (a Tensor, an array, a model, a function) by identity. A failed guard makes the plan
stale: the call is traced again. Attributes of objects (``cfg.lam``) are not guarded; they
are re-verified (see :mod:`.api` and docs/jit.md).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["Guard", "python_guards", "failed"]

_PLAIN = (int, float, bool, str, bytes, complex, type(None))

# (namespace: a globals dict or a closure cell, name or None for a cell, by_value, value)
Guard = tuple[Any, str | None, bool, Any]
_MISSING = object()


def _codes(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            yield from _codes(c)


def _by_value(v: Any) -> bool:
    if type(v) is tuple:
        return all(_by_value(i) for i in v)
    return type(v) in _PLAIN


def python_guards(fn: Callable[..., Any]) -> list[Guard]:
    """The globals and closure cells ``fn``'s code reads, with their values now.

    Example: for ``def step(x): return x * lam``, the global ``lam`` by value.
    """
    fn = getattr(fn, "__func__", fn)
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    glob = fn.__globals__
    guards: list[Guard] = []
    seen: set[str] = set()
    for c in _codes(code):
        for name in c.co_names:
            if name in seen or name not in glob:
                continue
            seen.add(name)
            v = glob[name]
            if isinstance(v, types.ModuleType):
                continue  # np, tm, F: rebinding a module is not a change of state
            guards.append((glob, name, _by_value(v), v))
    for cell in fn.__closure__ or ():
        try:
            v = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if not isinstance(v, types.ModuleType):
            guards.append((cell, None, _by_value(v), v))
    return guards


def current(g: Guard) -> Any:
    space, name, _, _ = g
    if name is None:
        try:
            return space.cell_contents
        except ValueError:
            return _MISSING
    return space.get(name, _MISSING)


def failed(guards: list[Guard]) -> str:
    """The first guard whose value changed, in words; '' when all hold."""
    for g in guards:
        v, (_, name, by_value, old) = current(g), g
        same = v is old or (by_value and type(v) is type(old) and v == old)
        if not same:
            return f"the {'global ' + name if name else 'closure variable'} changed"
    return ""
