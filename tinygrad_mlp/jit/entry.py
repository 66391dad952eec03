"""A plan's fast entry: the signature, the guards and the kernel calls as one generated function.

At the seed network's small sizes a replay's numpy work is a few dozen microseconds, so the
Python around it counts: building a signature key and hashing it, looping over guards and
kernels. ``fast_entry`` writes, for one plan, a function that checks this call against
the plan's own signature and guards with straight-line comparisons, then calls each kernel
in turn; it returns ``MISS`` (having changed nothing) whenever anything differs, and
the caller takes the general path (``_call``), which looks the signature
up, refreshes a rebound parameter, or traces again.

The source is kept on the function (``entry.source``) for anyone who wants to read it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations
from typing import Any

import numpy as np

from ..engine import state as _engine_state
from ..engine.grad_mode import _grad_mode
from ..tensor import Tensor
from .code import body
from .guard_check import NOKEY, by_value
from .reads import Item
from .signature import aliases

__all__ = ["MISS", "fast_entry"]

MISS = object()  # returned by an entry when this call is not its plan's to replay


def fast_entry(plan: Any, args: Sequence[Any], lock: Any) -> Callable[[tuple[Any, ...]], Any]:
    """The generated entry of ``plan`` for calls shaped like ``args`` (positional only).

    Example: ``fast_entry(plan, (x, y), lock)((x, y))`` replays, or gives ``MISS``.
    """
    ns: dict[str, Any] = {
        "MISS": MISS,
        "NOKEY": NOKEY,
        "Tensor": Tensor,
        "ndarray": np.ndarray,
        "ES": _engine_state,
        "GM": _grad_mode,
        "GRAD": _grad_mode.enabled,
        "LOCK": lock,
        "PLAN": plan,
        "GD": plan.guard_data,
        "DERIVE": plan.derive,
        "RESULT": plan.result,
        "COUNT": plan.count,
    }
    check, bind = _argument_checks(plan, args, ns)
    # anomaly mode on in any thread (a module attribute, not this thread's own flag): the
    # general path looks closer
    check.append("ES.tracer is not None or ES.anomaly_active or GM.tangents is not None")
    check.append("GM.enabled is not GRAD")
    for j, t in enumerate(plan.guard_tensors):
        ns[f"T{j}"] = t
        check.append(f"T{j}.data is not GD[{j}] or T{j}.requires_grad is not {plan.guard_rg[j]}")
    for j, (opt, params, items) in enumerate(plan.opt_guards):
        ns[f"O{j}"], ns[f"P{j}"] = opt, params
        check.append(f"O{j}.params is not P{j} or len(P{j}) != {len(items)}")
        for i, p in enumerate(items):  # each parameter still the one traced
            ns[f"P{j}_{i}"] = p
            check.append(f"P{j}[{i}] is not P{j}_{i}")
    check += _python_checks(plan.py_guards, ns)
    ns["KEPT"] = plan.kept
    check.append("KEPT()")  # a .grad of the last replay still held: the general path
    check.append("COUNT[0] == PLAN.recheck")  # due for re-verification: the general path
    calls = body(plan.kernels, ns, "        ")  # the same lines as plan.replay's
    unpack = ", ".join(f"a{i}" for i in range(len(args))) + ","
    lines = [
        "def entry(args):",
        *[f"    if {c}:\n        return MISS" for c in check[:1]],
        *([f"    {unpack} = args"] if args else []),
        *[f"    if {c}:\n        return MISS" for c in check[1:]],
        "    if not LOCK.acquire(False):",
        "        return MISS  # another thread is replaying this plan",
        "    try:",
        *[f"        {b}" for b in bind],
        "        PLAN.args = args",
        "        COUNT[0] += 1",
        *(["        DERIVE()"] if plan.derived else []),
        *calls,
        f"        return {_result(plan, ns)}",
        "    finally:",
        "        LOCK.release()",
    ]
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<tm.jit entry of {getattr(plan, 'name', 'a step')}>", "exec"), ns)
    entry: Callable[[tuple[Any, ...]], Any] = ns["entry"]
    entry.source = source  # type: ignore[attr-defined]
    return entry


def _result(plan: Any, ns: dict[str, Any]) -> str:
    """The expression giving what the step returns: a fresh loss wrapped inline, else
    the plan's builder (``jit/results.py``) called."""
    slot = getattr(plan.result, "slot", None)
    if slot is None:
        return "RESULT()"
    ns["MAKE"], ns["RS"] = Tensor._make, slot
    return "MAKE(RS.value, False)"


def _argument_checks(
    plan: Any, args: Sequence[Any], ns: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """The signature as comparisons (the count first), and the lines binding the
    arguments' arrays to their slots (``A{i}``)."""
    check: list[str] = [f"len(args) != {len(args)}"]
    bind: list[str] = []
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            d = a.data
            ns[f"S{i}"], ns[f"D{i}"], ns[f"C{i}"] = d.shape, d.dtype, type(a)
            check.append(
                f"type(a{i}) is not C{i} or a{i}.data.shape != S{i} "
                f"or a{i}.data.dtype is not D{i} or a{i}.requires_grad is not {a.requires_grad}"
            )
            ns[f"A{i}"] = plan.arg_slots[i]
            bind.append(f"A{i}.value = a{i}.data")
        elif type(a) is np.ndarray:
            ns[f"S{i}"], ns[f"D{i}"] = a.shape, a.dtype
            check.append(
                f"type(a{i}) is not ndarray or a{i}.shape != S{i} or a{i}.dtype is not D{i}"
            )
            ns[f"A{i}"] = plan.arg_slots[i]
            bind.append(f"A{i}.value = a{i}")
        elif by_value(a):
            ns[f"V{i}"], ns[f"C{i}"] = a, type(a)
            check.append(f"type(a{i}) is not C{i} or a{i} != V{i}")
        else:  # an object: this very one (the attributes the step reads are guarded)
            ns[f"V{i}"] = a
            check.append(f"a{i} is not V{i}")
    check += _alias_checks(args)
    return check, bind


def _alias_checks(args: Sequence[Any]) -> list[str]:
    """Which arguments hold one array, as traced (``signature.aliases``): the traced pairs
    still one, the others still apart. The trace named arrays by identity, and a step that
    writes one argument (an optimizer on a Tensor argument) and copies another after reads
    a different value when they are one; the general path traces such a call anew."""
    array = {
        i: f"a{i}.data" if isinstance(a, Tensor) else f"a{i}"
        for i, a in enumerate(args)
        if isinstance(a, Tensor) or type(a) is np.ndarray
    }
    pairs = aliases(args)
    check = [f"{array[i]} is not {array[j]}" for i, j in pairs]
    later = {j for _, j in pairs}  # one array with an earlier argument: compared above
    apart = [i for i in array if i not in later]
    one = [f"{array[i]} is {array[j]}" for i, j in combinations(apart, 2)]
    return check + ([" or ".join(one)] if one else [])


def _python_checks(py_guards: Sequence[Any], ns: dict[str, Any]) -> list[str]:
    """The guards on the step's Python state (``jit/guards.py``) as comparisons."""
    check: list[str] = []
    where: dict[tuple[int, str | None, tuple[str, ...]], int] = {}
    for j, (space, name, attrs, mode, value) in enumerate(py_guards):
        ns[f"GN{j}"], ns[f"GV{j}"], ns[f"GW{j}"] = space, value, type(value)
        if mode == "items":  # a list's items, each by identity (the list is guarded before)
            lst = f"GV{where[(id(space), name, attrs)]}"
            same = [f"len({lst}) != {len(value)}"]
            for i, item in enumerate(value):
                ns[f"GX{j}_{i}"] = item
                same.append(f"{lst}[{i}] is not GX{j}_{i}")
            check.append(" or ".join(same))
            continue
        if mode == "bytes":  # a small numpy array's bytes (the array is guarded before)
            ns[f"GS{j}"], ns[f"GB{j}"] = value
            arr = f"GV{where[(id(space), name, attrs)]}"
            check.append(f"{arr}.shape != GS{j} or {arr}.tobytes() != GB{j}")
            continue
        if mode == "contents":  # a small table of numbers (the table is guarded before)
            ns[f"GC{j}"] = value
            check.append(f"GV{where[(id(space), name, attrs)]} != GC{j}")
            continue
        where[(id(space), name, attrs)] = j
        if mode == "pinned":  # the jit's own cell: nothing else can change it
            continue
        now = _read(py_guards, where, j, ns)
        if mode == "value":
            check.append(f"not ((v := {now}) is GV{j} or (type(v) is GW{j} and v == GV{j}))")
        else:
            check.append(f"{now} is not GV{j}")
    return check


def _read(
    py_guards: Sequence[Any],
    where: dict[tuple[int, str | None, tuple[str, ...]], int],
    j: int,
    ns: dict[str, Any],
) -> str:
    """The expression reading guard j's current value."""
    space, name, attrs, _, _ = py_guards[j]
    if attrs:  # read from the __dict__ of an object guarded (by identity) before
        k = where[(id(space), name, attrs[:-1])]
        parent = py_guards[k][4]
        last = attrs[-1]
        if isinstance(last, Item) and type(parent) in (list, tuple):  # lst[0]
            ns[f"GI{j}"], k = parent, last[0]
            need = k + 1 if k >= 0 else -k
            return f"(GI{j}[{k}] if len(GI{j}) >= {need} else NOKEY)"
        if isinstance(last, Item):  # a dict item: read from the (guarded) dict itself
            ns[f"GI{j}"] = parent
            return f"GI{j}.get({last[0]!r}, NOKEY)"
        ns[f"GA{k}"] = parent.__dict__
        return f"GA{k}.get({last!r}, NOKEY)"
    if name is not None:
        return f"GN{j}.get({name!r}, NOKEY)"
    return f"GN{j}.cell_contents"
