"""Arrays a live graph saved stay unchanged until its backward has run: read-only meanwhile.

A recorded op's backward reads its inputs' arrays, its output's array and any array it was
given as an attribute (an index, a mask), at some later time. numpy offers no hook on
writes, so the engine makes those arrays read-only (``flags.writeable = False``) while a
graph holds them, counting holders per array, and restores writeability when the last holder
is released (``Op.release`` during backward) or freed (the output dropped without a
backward). A write in between, ``x.data[...] = 0``, then fails at the write with numpy's
"assignment destination is read-only" instead of giving a silently wrong gradient.

Two changes are not writes into the array and are caught at backward instead
(``check``): ``x.data`` rebound to another array, and a sanctioned in-place update made
inside ``with writing(arrays):`` while the graph was alive (an optimizer step, a user's
own optimizer's ``step``, ``load_state_dict``). ``writing`` is the only way the library
writes into an array a graph may hold: it makes the held arrays writeable, bumps their
*version*, as torch's version counters do, and makes them read-only again on exit (also
when the block raises). A backward through a graph that saved an array before the bump
then raises torch's "modified by an in-place operation" error (``MODIFIED``).

A view shares its memory with its *base* (the array that owns the memory: ``W.data`` behind
``W.T``, ``W[0:2]``, ``W.reshape(...)``), so holding a view holds its base too: the base is
frozen and counted alongside, an update of the base inside ``writing`` (``SGD.step``)
bumps the version a graph that saved the view checks, and an update inside ``writing``
of a view whose base a graph holds bumps the base's version.

What is not caught: a raw write through another view of the same memory made before the
graph froze it (numpy's flag belongs to each array object, not to the memory, and an array
does not know its views).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .state import saved_count, saved_lock, saved_version

if TYPE_CHECKING:
    from .tensor_core import TensorCore

__all__ = ["Hold", "hold", "check", "MODIFIED"]

MODIFIED = (
    "one of the arrays needed for gradient computation has been modified by an in-place operation"
)

# the process-wide state (engine/state.py): id(array) -> how many live Holds froze it,
# id(array) -> its version (bumped by writing), and the lock around both
_count = saved_count
_held = _count  # the name tm.jit's update reads (jit/updates.py): empty means nothing is held
_version = saved_version
_lock = saved_lock
# ndarray.setflags(write): numpy parses it given positionally in half the time it takes for
# the keyword, which its type stubs do not declare; this runs for every array a graph
# freezes and again when it is released
_set_writeable: Callable[[np.ndarray, bool], None] = np.ndarray.setflags  # type: ignore[assignment]


class Hold:
    """The arrays one recorded op froze; dropping this object (at release) unfreezes them."""

    __slots__ = ("arrays", "versions")

    # made by hold() alone (object.__new__ and the two slots: no __init__ call per op)
    arrays: list[np.ndarray]
    versions: list[int] | None  # None: no array had been updated through writing() yet

    def check_versions(self, name: str) -> None:
        """Raise if a sanctioned in-place update (``writing``) changed a frozen array."""
        saved = self.versions or [0] * len(self.arrays)
        for a, v in zip(self.arrays, saved, strict=True):
            now = _version.get(id(a), 0)
            if now != v:
                raise RuntimeError(
                    f"{MODIFIED}: an array of shape {a.shape} saved by {name} was "
                    f"updated in place (version {v} -> {now}) after the forward pass, e.g. "
                    "by an optimizer step between two backward passes through a retained graph"
                )

    def __del__(self) -> None:
        count = _count
        _lock.acquire()  # not `with`: this runs once per recorded op, and `with` costs more
        try:
            for a in self.arrays:
                k = id(a)
                n = count[k] - 1
                if n:
                    count[k] = n
                    continue
                del count[k]
                if _version:
                    _version.pop(k, None)
                try:
                    _set_writeable(a, True)
                except ValueError:
                    pass  # a view whose base another live graph still holds: stays read-only
        finally:
            _lock.release()


_data = operator.attrgetter("data")


def check(op: Any, parents: Sequence[TensorCore], node: TensorCore) -> tuple[np.ndarray, ...]:
    """Before ``op``'s backward: raise if an input's or the output's ``.data`` was rebound,
    or a frozen array updated inside ``writing``, since the forward pass.

    Returns the forward's input arrays: the parents' ``.data``, as just checked.
    """
    arrays, out = op._saved
    if not all(map(operator.is_, map(_data, parents), arrays)) or node.data is not out:
        name = type(op).__name__
        for i, (p, a) in enumerate(zip(parents, arrays, strict=True)):
            if p.data is not a:
                raise RuntimeError(
                    f"{name}: input {i}'s .data was replaced (an array of shape {a.shape} "
                    f"by one of shape {p.data.shape}) after the graph used it and before "
                    "backward; rebind .data only when no graph that uses the tensor is alive"
                )
        raise RuntimeError(f"{name}: the output's .data was replaced before backward")
    if _version:  # some array a live graph holds was updated inside writing()
        h = op._hold
        if h is not None:
            h.check_versions(type(op).__name__)
    return arrays


def hold(
    inputs: tuple[np.ndarray, ...],
    out: np.ndarray,
    attrs: dict[str, Any],
    saves: tuple[int | str, ...] | None,
) -> Hold | None:
    """Make what backward reads read-only for a graph: ``saves`` names it (see ``Op.saves``).

    None means everything: every input, the output ("out") and the array attributes
    ("attrs", e.g. an index). Arrays that are read-only already are left alone. Returns
    None when nothing was frozen.
    """
    arrays = _saved_arrays(inputs, out, attrs, saves)
    if not arrays:
        return None
    frozen: list[np.ndarray] = []
    count = _count
    _lock.acquire()  # not `with`: this runs once per recorded op, and `with` costs more
    try:
        for a in arrays:
            if a.base is not None:  # a view: its memory's owner is held first (released first)
                _hold_root(a, frozen)
            k = id(a)
            n = count.get(k)
            if n is None:
                if not a.flags.writeable:
                    continue
                _set_writeable(a, False)
                count[k] = 1
            else:
                count[k] = n + 1
            frozen.append(a)
        if not frozen:
            return None
        h = _new(Hold)
        h.arrays = frozen  # versions read under the lock, as a writing() may bump one
        h.versions = [_version.get(id(a), 0) for a in frozen] if _version else None
        return h
    finally:
        _lock.release()


_new = object.__new__


def _saved_arrays(
    inputs: tuple[np.ndarray, ...],
    out: np.ndarray,
    attrs: dict[str, Any],
    saves: tuple[int | str, ...] | None,
) -> list[np.ndarray]:
    """The arrays ``saves`` names (see ``hold``), in its order."""
    if saves is None:
        return [*inputs, out, *_attr_arrays(attrs)]
    arrays = []
    for s in saves:
        if type(s) is int:
            arrays.append(inputs[s])
        elif s == "out":
            arrays.append(out)
        elif s == "attrs":
            arrays += _attr_arrays(attrs)
        else:
            raise ValueError(f"Op.saves: {s!r} is not an input index, 'out' or 'attrs'")
    return arrays


def _hold_root(a: np.ndarray, frozen: list[np.ndarray]) -> None:
    """Hold the array owning a view's memory (under the lock): counted, frozen if writeable."""
    root = _root(a)
    if root is None:
        return
    k = id(root)
    n = _count.get(k)
    if n is None:
        if root.flags.writeable:
            _set_writeable(root, False)
            _count[k] = 1
            frozen.append(root)
    else:
        _count[k] = n + 1
        frozen.append(root)


def _root(a: np.ndarray) -> np.ndarray | None:
    """The ndarray that owns the memory a view ``a`` looks into (None if no ndarray does)."""
    b = a.base
    root = None
    while isinstance(b, np.ndarray):
        root, b = b, b.base
    return root


def _with_roots(arrays: Iterable[np.ndarray]) -> list[np.ndarray]:
    """Each array preceded by the array owning its memory, if it is a view (bases first)."""
    out = []
    for a in arrays:
        if a.base is not None:
            root = _root(a)
            if root is not None:
                out.append(root)
        out.append(a)
    return out


def _attr_arrays(attrs: dict[str, Any]) -> list[np.ndarray]:
    """The arrays among an op's attributes (an index, labels)."""
    found: list[np.ndarray] = []
    for v in attrs.values():
        if type(v) is np.ndarray:
            found.append(v)
        elif type(v) is tuple:
            found += [i for i in v if type(i) is np.ndarray]
    return found
