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
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["Hold", "hold", "check", "writing", "restoring", "MODIFIED"]

MODIFIED = (
    "one of the arrays needed for gradient computation has been modified by an in-place operation"
)

# id(array) -> how many live Holds froze it; each Hold keeps its arrays alive, so no id is
# reused while counted
_count: dict[int, int] = {}
_held = _count  # the name tm.jit's update reads (jit/updates.py): empty means nothing is held
# id(array) -> its version, bumped by writing(); only arrays updated while held are listed
_version: dict[int, int] = {}
_lock = threading.RLock()  # graphs are built and freed from several threads, and a Hold may
# be freed by the garbage collector inside a locked region of the same thread
# ndarray.setflags(write): numpy parses it given positionally in half the time it takes for
# the keyword, which its type stubs do not declare; this runs for every array a graph
# freezes and again when it is released
_set_writeable: Callable[[np.ndarray, bool], None] = np.ndarray.setflags  # type: ignore[assignment]


class Hold:
    """The arrays one recorded op froze; dropping this object (at release) unfreezes them."""

    __slots__ = ("arrays", "versions")

    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.arrays = arrays
        self.versions = [_version.get(id(a), 0) for a in arrays] if _version else None

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


def check(op: Any, parents: Sequence[Tensor], node: Tensor) -> tuple[np.ndarray, ...]:
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
        return Hold(frozen) if frozen else None
    finally:
        _lock.release()


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


def _unlock(arrays: Iterable[np.ndarray]) -> list[np.ndarray]:
    """Make held arrays writeable for a sanctioned in-place update, bumping their versions.

    Returns the arrays to pass to ``_relock`` afterwards (usually none: after a plain
    ``backward`` no graph holds the parameters). A graph that saved one of them then
    refuses its backward (``check``). Used only through ``writing``.
    """
    if not _count:
        return []
    out = []
    with _lock:
        for a in arrays:
            group = _with_roots([a])  # a view's base first: a view is writeable only then
            if not any(id(b) in _count for b in group):
                continue
            for b in group:  # memory shared with a held array: the held one's version moves
                k = id(b)
                if k in _count:
                    _version[k] = _version.get(k, 0) + 1
                if not b.flags.writeable:
                    b.setflags(write=True)
                    out.append(b)
    return out


def _relock(arrays: list[np.ndarray]) -> None:
    """Read-only again, after ``_unlock``, the arrays a graph still holds."""
    if not arrays:
        return
    with _lock:
        for a in arrays:  # held, or a view of a held base (read-only before unlock too)
            if any(id(b) in _count for b in _with_roots([a])):
                a.setflags(write=False)


def writing(arrays: Iterable[np.ndarray]) -> AbstractContextManager[None]:
    """Context manager: the one sanctioned way to write into arrays a live graph may hold.

    Entry makes the held ones (or a view's held base) writeable and bumps their versions;
    exit, also on an exception, makes those a graph still holds read-only again. A backward
    through a graph that saved one before the write then raises ``MODIFIED``, as torch does.
    ``Optimizer.step`` (a user's optimizer's too) and ``load_state_dict`` write through it.

    Example::

        >>> w = Tensor(np.ones(2), requires_grad=True)
        >>> y = (w * w).sum()  # its graph holds w.data, read-only
        >>> with writing([w.data]):
        ...     w.data -= 0.5
        >>> y.backward()
        Traceback (most recent call last):
        RuntimeError: one of the arrays needed for gradient computation has been modified...
    """
    return _Writing(arrays) if _count else _IDLE  # no graph holds anything: nothing to do


class _Writing:
    __slots__ = ("arrays", "opened")

    def __init__(self, arrays: Iterable[np.ndarray]) -> None:
        self.arrays = arrays
        self.opened: list[np.ndarray] = []

    def __enter__(self) -> None:
        self.opened = _unlock(self.arrays)

    def __exit__(self, *exc: object) -> None:
        _relock(self.opened)


class _Idle:
    __slots__ = ()

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        pass


_IDLE = _Idle()


class restoring:
    """Context manager: held arrays writeable for a change undone before the block ends.

    For a finite-difference check that perturbs an input in place and puts every value back:
    not a modification, so no version is bumped. Create any view to write through inside
    the block (a view made of a read-only array is read-only).

    Example::

        >>> from tinygrad_mlp import Tensor
        >>> x = Tensor(np.ones(2), requires_grad=True)
        >>> y = (x * x).sum()
        >>> with restoring([x.data]):
        ...     x.data[0] = 5.0
        ...     x.data[0] = 1.0
        >>> y.backward(); x.grad
        array([2., 2.])
    """

    def __init__(self, arrays: Iterable[np.ndarray]) -> None:
        self.arrays = list(arrays)
        self.opened: list[np.ndarray] = []

    def __enter__(self) -> None:
        with _lock:
            self.opened = []
            for a in self.arrays:
                group = _with_roots([a])  # a view's base first, as in _unlock
                if any(id(b) in _count for b in group):
                    for b in group:
                        if not b.flags.writeable:
                            b.flags.writeable = True
                            self.opened.append(b)

    def __exit__(self, *exc: object) -> None:
        _relock(self.opened)
