"""Checking a guard: the value at a guarded path now, and whether each guard still holds.

A guard (``jit/guards.py`` builds them) names a path: a globals dict and a name, or a
closure cell, then a chain of attributes and constant items. ``read`` follows it through
``__dict__``s and dict/list items only, never running a property's code; ``failed``
compares each guard's value now with the one traced, in the guard's mode.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .reads import Item, a_key

__all__ = ["Guard", "NOKEY", "by_value", "read", "current", "failed"]

_PLAIN = (int, float, bool, str, bytes, complex, type(None))
NOKEY: Any = object()  # what reading an absent attribute or key gives (generated entries too)

# (a globals dict or a closure cell, the global's name or None for a cell, the attribute
# chain read from it, how it is compared: "value", "id", "items" (a list's items, each
# by identity), "contents" (a list or dict of numbers, by ==), "bytes" (a small numpy
# array, by its shape and bytes) or "pinned" (by identity, in a cell the jit made for an
# item of a guarded list: it holds by construction, the generated entry skips it; the
# guards on the item's attributes start from it), the value when traced: for "items",
# the tuple of the items; for "contents", a copy; for "bytes", (shape, bytes))
Guard = tuple[Any, str | None, tuple[str, ...], str, Any]


def by_value(v: Any) -> bool:
    """Whether ``v`` is guarded by value: a number, string, None, or a tuple of those."""
    if type(v) is tuple:
        return all(by_value(i) for i in v)
    return type(v) in _PLAIN


def read(space: Any, name: str | None, attrs: tuple[str, ...]) -> Any:
    """The value at ``attrs`` of the global ``name`` in ``space`` (a cell if ``name`` is
    None), read from ``__dict__``s and dict/list items only; ``NOKEY`` where it is absent."""
    if name is None:
        try:
            v = space.cell_contents
        except ValueError:  # an empty cell
            return NOKEY
    else:
        v = space.get(name, NOKEY)
    for a in attrs:
        if isinstance(a, Item) and type(v) in (list, tuple) and _index(a[0], len(v)):
            v = v[a[0]]  # lst[0]: an item of a list by a constant index
            continue
        d = _space(v, a)
        if d is None or a_key(a) not in d:
            return NOKEY  # a property, a slot, a method, not a dict: not read here
        v = d[a_key(a)]
    return v


def _index(k: Any, n: int) -> bool:
    """Whether ``k`` is an integer index into a sequence of length ``n``."""
    return type(k) is int and -n <= k < n


def _space(v: Any, a: Any) -> dict[Any, Any] | None:
    """The dict that element ``a`` of a chain is read from: ``v``'s ``__dict__``, or ``v``."""
    d = v if isinstance(a, Item) else getattr(v, "__dict__", None)
    return d if type(d) is dict else None


def current(g: Guard) -> Any:
    """The guarded value now."""
    return read(g[0], g[1], g[2])


def failed(guards: list[Guard]) -> str:
    """The first guard whose value changed, in words; '' when all hold."""
    for g in guards:
        v, old = current(g), g[4]
        if g[3] == "items":
            if isinstance(v, list) and len(v) == len(old) and all(map(operator.is_, v, old)):
                continue
        elif g[3] == "contents":
            if type(v) is type(old) and v == old:
                continue
        elif g[3] == "bytes":
            if type(v) is np.ndarray and v.shape == old[0] and v.tobytes() == old[1]:
                continue
        elif v is old or (g[3] == "value" and type(v) is type(old) and v == old):
            continue
        path = (g[1] or "a closure variable") + "".join(
            f"[{a[0]!r}]" if isinstance(a, Item) else f".{a}" for a in g[2]
        )
        return f"{path} changed"
    return ""
