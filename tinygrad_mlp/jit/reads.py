"""What a function's bytecode reads: the names and attribute chains a guard follows.

``reads`` lists, for a code object, every global, closure cell and chosen local (a
method's ``self``, a step's object argument) it loads, with the chain of attributes and
constant-key items loaded from it (``cfg.lam``, ``LAMS["lam"]``). ``self_reads`` gives the
attributes a class's ``forward`` reads from ``self``, following the methods and properties
it calls there. Both read bytecode only: no code of the step runs.

Example::

    >>> def step(x):
    ...     return x * cfg.lam
    >>> reads(step.__code__)
    [('global', 'cfg', ('lam',))]
"""

from __future__ import annotations

import dis
import types
from collections.abc import Collection
from typing import Any

__all__ = ["Item", "a_key", "reads", "self_reads"]


def reads(
    code: types.CodeType, fast: Collection[str] = ()
) -> list[tuple[str, str, tuple[str, ...]]]:
    """(``global``, ``deref`` or ``fast``, name, attribute chain) for every load in
    ``code``; ``fast`` chains are loads from the local variables named in ``fast`` (a
    method's ``self``, a step's object arguments). A local assigned a chain
    (``s = cfg.sched``) continues it where it is loaded (``s.lam``: ``cfg.sched.lam``)."""
    out = []
    chain: list[Any] | None = None
    base: tuple[str, str] | None = None
    key: list[Any] = []  # a constant just loaded after a chain: maybe a subscript's key
    aliases: dict[str, tuple[tuple[str, str], tuple[Any, ...]]] = {}  # s = cfg.sched
    for ins in dis.get_instructions(code):
        if chain is not None and _extends(ins, chain, key):
            continue
        key = []
        if base is not None and chain is not None:
            out.append((base[0], base[1], tuple(chain)))
            if ins.opname == "STORE_FAST":  # a local alias of the chain: followed below
                aliases[ins.argval] = (base, tuple(chain))
        elif ins.opname == "STORE_FAST":
            aliases.pop(ins.argval, None)  # rebound to something else
        base, chain = _start(ins, code, fast, aliases)
    if base is not None and chain is not None:
        out.append((base[0], base[1], tuple(chain)))
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            out += [r for r in reads(c) if r[0] == "global"]  # nested: its own cells
    return out


def _start(
    ins: dis.Instruction,
    code: types.CodeType,
    fast: Collection[str],
    aliases: dict[str, tuple[tuple[str, str], tuple[Any, ...]]],
) -> tuple[tuple[str, str] | None, list[Any] | None]:
    """The base and chain a load starts: a global, a closure cell, a chosen local, or a
    local alias of an earlier chain (its chain continues)."""
    if ins.opname == "LOAD_GLOBAL":
        return ("global", ins.argval), []
    if ins.opname == "LOAD_DEREF" and ins.argval in code.co_freevars:
        return ("deref", ins.argval), []
    if ins.opname == "LOAD_FAST" and ins.argval in aliases:
        base, chain = aliases[ins.argval]
        return base, list(chain)
    if ins.opname == "LOAD_FAST" and ins.argval in fast:
        return ("fast", ins.argval), []
    return None, None


def _extends(ins: dis.Instruction, chain: list[Any], key: list[Any]) -> bool:
    """Whether ``ins`` continues an attribute chain: an attribute, a constant key just
    loaded (kept in ``key``), or the subscript reading it (``d["lam"]``: a dict item)."""
    if ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and not key:
        chain.append(ins.argval)
        return True
    if ins.opname == "LOAD_CONST" and not key:
        key.append(ins.argval)
        return True
    if ins.opname == "BINARY_SUBSCR" and len(key) == 1:
        if isinstance(key[0], (str, int)) and not isinstance(key[0], bool):
            chain.append(Item(key[0]))
            key.clear()
            return True
    return False


class Item(tuple[Any]):
    """A dict item with a constant key in an attribute chain (``LAMS["lam"]``)."""

    __slots__ = ()

    def __new__(cls, key: Any) -> Item:
        return super().__new__(cls, (key,))


def self_reads(cls: Any, method: str = "forward", depth: int = 3) -> frozenset[str]:
    """The attributes ``cls.<method>`` reads from ``self``, and the methods and properties
    of ``cls`` it calls, to a depth of three (their own reads included)."""
    f = getattr(cls, method, None)
    f = f.fget if isinstance(f, property) else f
    code = getattr(f, "__code__", None)
    if code is None or not code.co_argcount or depth <= 0:
        return frozenset()
    names: set[str] = set()
    for kind, _, chain in reads(code, (code.co_varnames[0],)):
        if kind != "fast" or not chain or not isinstance(chain[0], str):
            continue
        k = chain[0]
        attr = getattr(cls, k, None)
        if isinstance(attr, (types.FunctionType, property)):
            names |= self_reads(cls, k, depth - 1)
        else:
            names.add(k)
    return frozenset(names)


def a_key(a: Any) -> Any:
    """The key an element of an attribute chain reads: the name, or the item's key."""
    return a[0] if isinstance(a, Item) else a
