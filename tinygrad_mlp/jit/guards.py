"""Guards on the Python state a step reads by name, checked before every replay.

A replay runs none of the step's Python, so a Python value it read when traced would be
baked in. What the step's code reads by name is guarded instead: each global and closure
cell it loads, and each chain of plain attributes it loads from one (``cfg.lam``,
``model.fc``), read from the object's ``__dict__`` (never a property: no code runs).
Numbers, strings, ``None`` and tuples of those are guarded by value (same type, ``==``);
Tensors, arrays and other objects by identity. Functions the step calls that are globals of
user code are followed, to a depth of three. A model (an ``nn.Module``) is guarded with
its structure: every Tensor and child module in its ``__dict__``, and the items of a list
of them (a Sequential's layers), by identity, so that a layer replaced in place retraces.
A failed guard makes the plan stale: the call is traced again. What is not read this way
(an attribute read inside a method, a value computed in Python) is re-verified instead
(``api``, docs/jit.md).
"""

from __future__ import annotations

import dis
import operator
import types
from collections.abc import Callable, Sequence
from typing import Any

from ..nn.module import Module
from ..tensor import Tensor

__all__ = ["Guard", "Item", "python_guards", "current", "failed", "reachable", "a_key"]

_PLAIN = (int, float, bool, str, bytes, complex, type(None))
_MISSING = object()

# (a globals dict or a closure cell, the global's name or None for a cell, the attribute
# chain read from it, how it is compared: "value", "id", or "items" (a list's items, each
# by identity), the value when traced: for "items", the tuple of the items)
Guard = tuple[Any, str | None, tuple[str, ...], str, Any]


def _by_value(v: Any) -> bool:
    if type(v) is tuple:
        return all(_by_value(i) for i in v)
    return type(v) in _PLAIN


def _reads(code: types.CodeType) -> list[tuple[str, str, tuple[str, ...]]]:
    """(``global`` or ``deref``, name, attribute chain) for every load in ``code``."""
    out = []
    chain: list[Any] | None = None
    base: tuple[str, str] | None = None
    key: list[Any] = []  # a constant just loaded after a chain: maybe a subscript's key
    for ins in dis.get_instructions(code):
        if ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and chain is not None and not key:
            chain.append(ins.argval)
            continue
        if ins.opname == "LOAD_CONST" and chain is not None and not key:
            key = [ins.argval]
            continue
        if ins.opname == "BINARY_SUBSCR" and chain is not None and len(key) == 1:
            if isinstance(key[0], (str, int)) and not isinstance(key[0], bool):
                chain.append(Item(key[0]))  # d["lam"]: a dict item with a constant key
                key = []
                continue
        key = []
        if base is not None and chain is not None:
            out.append((base[0], base[1], tuple(chain)))
        base = chain = None
        if ins.opname == "LOAD_GLOBAL":
            base, chain = ("global", ins.argval), []
        elif ins.opname == "LOAD_DEREF" and ins.argval in code.co_freevars:
            base, chain = ("deref", ins.argval), []
    if base is not None and chain is not None:
        out.append((base[0], base[1], tuple(chain)))
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            out += [r for r in _reads(c) if r[0] == "global"]  # nested: its own cells
    return out


class Item(tuple[Any]):
    """A dict item with a constant key in an attribute chain (``LAMS["lam"]``)."""

    __slots__ = ()

    def __new__(cls, key: Any) -> Item:
        return super().__new__(cls, (key,))


def _guardable(v: Any) -> bool:
    return not isinstance(v, (types.ModuleType, types.MethodType, types.BuiltinFunctionType))


def python_guards(fn: Callable[..., Any], depth: int = 3) -> list[Guard]:
    """The globals, closure cells and plain attribute chains ``fn`` reads, with their values.

    Example: for ``def step(x): return x * cfg.lam``, the global ``cfg`` by identity and
    ``cfg.lam`` by value.
    """
    fn = getattr(fn, "__func__", fn)
    code = getattr(fn, "__code__", None)
    if code is None or depth <= 0:
        return []
    glob = fn.__globals__
    cells = dict(zip(code.co_freevars, fn.__closure__ or (), strict=True))
    guards: list[Guard] = []
    seen: set[tuple[Any, ...]] = set()
    for kind, name, attrs in _reads(code):
        space: Any = glob if kind == "global" else cells.get(name)
        key = (kind, name, attrs)
        if space is None or key in seen:
            continue
        seen.add(key)
        value = _value(space, name if kind == "global" else None, ())
        if value is _MISSING or not _guardable(value):
            continue
        g_name = name if kind == "global" else None
        _add(guards, space, g_name, (), value)
        if isinstance(value, types.FunctionType) and not _ours(value):
            guards += python_guards(value, depth - 1)  # a helper the step calls
        for i in range(1, len(attrs) + 1):
            v = _value(space, g_name, attrs[:i])
            if v is _MISSING or not _guardable(v):
                break
            _add(guards, space, g_name, attrs[:i], v)
    walked: set[int] = set()
    for g in list(guards):
        if isinstance(g[4], Module):
            _structure(guards, g[0], g[1], g[2], g[4], 4, walked)
    return guards


def _structure(
    guards: list[Guard],
    space: Any,
    name: str | None,
    attrs: tuple[str, ...],
    m: Any,
    depth: int,
    walked: set[int],
) -> None:
    """Guards on the Tensors and child modules a module holds (and lists of them)."""
    if id(m) in walked:
        return  # guarded already, through another path
    walked.add(id(m))
    for k, v in vars(m).items():
        here = (*attrs, k)
        if isinstance(v, (Tensor, Module)):
            _add(guards, space, name, here, v)
            if isinstance(v, Module) and depth > 1:
                _structure(guards, space, name, here, v, depth - 1, walked)
        elif (
            isinstance(v, (list, tuple))
            and v
            and all(isinstance(i, (Tensor, Module, tuple)) for i in v)
        ):
            _add(guards, space, name, here, v)
            if type(v) is list:
                guards.append((space, name, here, "items", tuple(v)))
            for i in v:
                if isinstance(i, Module) and depth > 1 and id(i) not in walked:
                    # pinned by the list's guard: its own contents guarded from a cell
                    cell = types.CellType(i)
                    _add(guards, cell, None, (), i)
                    _structure(guards, cell, None, (), i, depth - 1, walked)


def _ours(f: types.FunctionType) -> bool:
    mod = getattr(f, "__module__", "") or ""
    return mod == "tinygrad_mlp" or mod.startswith("tinygrad_mlp.")


def _add(guards: list[Guard], space: Any, name: str | None, attrs: tuple[str, ...], v: Any) -> None:
    if all(h[0] is not space or h[1] != name or h[2] != attrs or h[3] == "items" for h in guards):
        guards.append((space, name, attrs, "value" if _by_value(v) else "id", v))


def _value(space: Any, name: str | None, attrs: tuple[str, ...]) -> Any:
    if name is None:
        try:
            v = space.cell_contents
        except ValueError:  # an empty cell
            return _MISSING
    else:
        v = space.get(name, _MISSING)
    for a in attrs:
        d = _space(v, a)
        if d is None or a_key(a) not in d:
            return _MISSING  # a property, a slot, a method, not a dict: not read here
        v = d[a_key(a)]
    return v


def a_key(a: Any) -> Any:
    """The key an element of an attribute chain reads: the name, or the item's key."""
    return a[0] if isinstance(a, Item) else a


def _space(v: Any, a: Any) -> dict[Any, Any] | None:
    """The dict that element ``a`` of a chain is read from: ``v``'s ``__dict__``, or ``v``."""
    d = v if isinstance(a, Item) else getattr(v, "__dict__", None)
    return d if type(d) is dict else None


def current(g: Guard) -> Any:
    """The guarded value now."""
    return _value(g[0], g[1], g[2])


def failed(guards: list[Guard]) -> str:
    """The first guard whose value changed, in words; '' when all hold."""
    for g in guards:
        v, old = current(g), g[4]
        if g[3] == "items":
            if isinstance(v, list) and len(v) == len(old) and all(map(operator.is_, v, old)):
                continue
        elif v is old or (g[3] == "value" and type(v) is type(old) and v == old):
            continue
        path = (g[1] or "a closure variable") + "".join(
            f"[{a[0]!r}]" if isinstance(a, Item) else f".{a}" for a in g[2]
        )
        return f"{path} changed"
    return ""


def reachable(guards: Sequence[Guard]) -> list[Tensor]:
    """The Tensors the guarded values hold: themselves, and an optimizer's parameters."""
    out: list[Tensor] = []
    for g in guards:
        v = g[4]
        if isinstance(v, Tensor):
            out.append(v)
        params = getattr(v, "params", None) if g[3] == "id" else None
        if isinstance(params, list):
            out += [p for p in params if isinstance(p, Tensor)]
    return out
