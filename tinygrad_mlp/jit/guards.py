"""Guards on the Python state a step reads by name, checked before every replay.

A replay runs none of the step's Python, so a Python value it read when traced would be
baked in. What the step's code reads by name is guarded instead: each global and closure
cell it loads, and each chain of plain attributes, constant-key dict items and
constant-index list items it loads from one (``cfg.lam``, ``model.fc``, ``heads[0]``),
also through a local alias (``s = cfg.sched; s.lam``), read from the object's
``__dict__`` (never running a property's code).
Numbers, strings, ``None`` and tuples of those are guarded by value (same type, ``==``);
Tensors, arrays and other objects by identity. Followed the same way, to a depth of three:
functions of user code the step calls; methods and properties of user classes it calls on
a guarded object (``sched.value()``: the chains they read from ``self``); the attributes
the step reads from an object passed as an argument. A model (an ``nn.Module``) is
guarded with its structure: every Tensor and child module in its ``__dict__``, and the
items of a list of them (a Sequential's layers), by identity, so that a layer replaced in
place retraces; and with its settings: every plain value its ``forward`` (and the methods
it calls) reads from ``self`` (a temperature, ``training``), by value.

A list or dict of at most 64 numbers is also guarded by its contents (a schedule table
indexed by the epoch), a numpy array of at most 1024 entries by its bytes, a class
attribute read through an instance in its class. A failed guard makes the plan stale: the
call is traced again. A value drawn in Python (``random``, ``time``, a Generator's
method) is refused (``draws``). What is not read this way (an element of a larger array
or a longer list at a computed index, what other libraries return) is re-verified
instead (``api``, docs/jit.md).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..nn.module import Module
from ..tensor import Tensor
from .draws import refuse_drawn
from .guard_check import NOKEY, Guard, by_value, read
from .reads import Item, reads, self_reads

__all__ = ["python_guards", "reachable"]

_WHOLE = ("value", "id")  # the modes guarding a value itself (not its items or contents)
_CONTENTS = 64  # lists and dicts of numbers up to this size are guarded by their contents
# numpy arrays up to this size are guarded by their bytes too: an element read in Python
# (float(coefs[0])) is then never stale, even for a change undone before a re-verification
_ARRAY_CONTENTS = 1024


def _guardable(v: Any) -> bool:
    return not isinstance(v, (types.ModuleType, types.MethodType, types.BuiltinFunctionType))


def python_guards(
    fn: Callable[..., Any],
    depth: int = 3,
    args: Sequence[Any] = (),
    kwargs: dict[str, Any] | None = None,
) -> list[Guard]:
    """The globals, closure cells and plain attribute chains ``fn`` reads, with their values.

    ``args``, ``kwargs``: the call's arguments; the attribute chains the code reads from
    an argument that is an object (not a number, string, Tensor or array: those are in the
    signature) are guarded too, on that object (``step(x, cfg)`` reading ``cfg.lam``).

    Example: for ``def step(x): return x * cfg.lam``, the global ``cfg`` by identity and
    ``cfg.lam`` by value.
    """
    bound = getattr(fn, "__self__", None)
    fn = getattr(fn, "__func__", fn)
    code = getattr(fn, "__code__", None)
    if code is None or depth <= 0:
        return []
    glob = fn.__globals__
    cells: dict[str, Any] = dict(zip(code.co_freevars, fn.__closure__ or (), strict=True))
    given = (bound, *args) if bound is not None else tuple(args)
    named = dict(zip(code.co_varnames[: code.co_argcount], given, strict=False))
    named.update(kwargs or {})
    for name, a in named.items():
        if not by_value(a) and not isinstance(a, (Tensor, np.ndarray)):
            cells[name] = types.CellType(a)  # read from the object this call was given
    guards: list[Guard] = []
    seen: set[tuple[Any, ...]] = set()
    for kind, name, attrs in reads(code, cells.keys() - set(code.co_freevars)):
        space: Any = glob if kind == "global" else cells.get(name)
        key = (kind, name, attrs)
        if space is None or key in seen:
            continue
        seen.add(key)
        value = read(space, name if kind == "global" else None, ())
        if value is NOKEY:
            continue
        refuse_drawn(value, attrs, f"through {name}")
        if not _guardable(value):
            continue
        g_name = name if kind == "global" else None
        _add(guards, space, g_name, (), value)
        if isinstance(value, types.FunctionType) and not _ours(value):
            guards += python_guards(value, depth - 1)  # a helper the step calls
        _chain(guards, space, g_name, attrs, depth)
    walked: set[int] = set()
    for g in list(guards):
        if isinstance(g[4], Module):
            _structure(guards, g[0], g[1], g[2], g[4], 4, walked)
    return guards


def _chain(
    guards: list[Guard], space: Any, name: str | None, attrs: tuple[Any, ...], depth: int
) -> None:
    """Guards on each prefix of an attribute chain read from ``space``; where the chain
    reaches a method or a property of user code (``sched.value()``), the attribute
    chains that method reads from ``self`` are guarded too, and its own globals."""
    for i in range(1, len(attrs) + 1):
        v = read(space, name, attrs[:i])
        if v is not NOKEY and _guardable(v):
            _add(guards, space, name, attrs[:i], v)
            continue
        owner = read(space, name, attrs[: i - 1])
        if owner is not NOKEY:
            refuse_drawn(owner, attrs[i - 1 :], f"through {name or 'a closure variable'}")
        f = getattr(type(owner), str(attrs[i - 1]), None) if owner is not NOKEY else None
        plain = by_value(f) or type(f) in (list, dict, np.ndarray)
        if owner is not NOKEY and not isinstance(attrs[i - 1], Item) and plain:
            if hasattr(type(owner), str(attrs[i - 1])):  # not an absent name (None above)
                _class_attribute(guards, space, name, attrs[:i], type(owner))
            return
        f = f.fget if isinstance(f, property) else f
        if isinstance(f, types.FunctionType) and not _ours(f) and depth > 1:
            code = f.__code__
            me = code.co_varnames[0] if code.co_argcount else None
            for kind, _, more in reads(code, (me,) if me else ()):
                if kind == "fast":
                    _chain(guards, space, name, (*attrs[: i - 1], *more), depth - 1)
            guards += python_guards(f, depth - 1)
        return


def _class_attribute(
    guards: list[Guard], space: Any, name: str | None, attrs: tuple[Any, ...], cls: type
) -> None:
    """A read of ``attrs[-1]`` that the object at ``attrs[:-1]`` (of class ``cls``) does not
    hold itself: the object guarded to keep not holding it (``cfg.lam = ...`` later
    retraces), and a plain value its class holds (``lam = 0.5`` on the class) guarded in
    the class's namespace."""
    _add(guards, space, name, attrs, NOKEY)  # absent from the object, as when traced
    key = str(attrs[-1])
    holder = next((c for c in cls.__mro__ if key in vars(c)), None)
    v = vars(holder)[key] if holder is not None else None
    if holder is not None and (by_value(v) or type(v) in (list, dict, np.ndarray)):
        _add(guards, vars(holder), key, (), v)


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
    own = vars(m)
    _settings(guards, space, name, attrs, m)
    for k, v in own.items():
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
                    cell = types.CellType(i)  # ours alone: it cannot change (``pinned``)
                    guards.append((cell, None, (), "pinned", i))
                    _structure(guards, cell, None, (), i, depth - 1, walked)


def _settings(
    guards: list[Guard], space: Any, name: str | None, attrs: tuple[str, ...], m: Any
) -> None:
    """Guards on the plain values a module's ``forward`` reads from ``self``, by value;
    one it reads from its class (``training`` before ``train()``/``eval()``) as absent."""
    own = vars(m)
    for k in self_reads(type(m)):  # the settings its forward reads (a scale, a flag)
        if k.startswith("_"):
            continue  # private: a cache its forward keeps itself (Sequential's _planned)
        v = own.get(k, NOKEY)
        if v is NOKEY and not callable(getattr(type(m), k, None)):
            _class_attribute(guards, space, name, (*attrs, k), type(m))  # a class default
        elif by_value(v):
            _add(guards, space, name, (*attrs, k), v)


def _ours(f: types.FunctionType) -> bool:
    mod = getattr(f, "__module__", "") or ""
    return mod == "tinygrad_mlp" or mod.startswith("tinygrad_mlp.")


def _add(guards: list[Guard], space: Any, name: str | None, attrs: tuple[str, ...], v: Any) -> None:
    if any(h[0] is space and h[1] == name and h[2] == attrs and h[3] in _WHOLE for h in guards):
        return
    guards.append((space, name, attrs, "value" if by_value(v) else "id", v))
    if type(v) is np.ndarray and v.size <= _ARRAY_CONTENTS:  # an element read in Python
        guards.append((space, name, attrs, "bytes", (v.shape, v.tobytes())))
    if type(v) in (list, dict) and 0 < len(v) <= _CONTENTS:
        items = v.values() if type(v) is dict else v
        if all(by_value(i) for i in items):  # a table of numbers the step may index
            guards.append((space, name, attrs, "contents", v.copy()))


def reachable(guards: Sequence[Guard]) -> list[Tensor]:
    """The Tensors the guarded values hold: themselves, and an optimizer's parameters."""
    out: list[Tensor] = []
    for g in guards:
        v = g[4]
        if isinstance(v, Tensor):
            out.append(v)
        params = getattr(v, "params", None) if g[3] in ("id", "pinned") else None
        if isinstance(params, list):
            out += [p for p in params if isinstance(p, Tensor)]
    return out
