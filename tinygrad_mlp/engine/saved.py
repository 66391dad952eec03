"""Arrays a live graph saved stay unchanged until its backward has run: read-only meanwhile.

A recorded op's backward reads its inputs' arrays, its output's array and any array it was
given as an attribute (an index, a mask), at some later time. numpy offers no hook on
writes, so the engine makes those arrays read-only (``flags.writeable = False``) while a
graph holds them, counting holders per array, and restores writeability when the last holder
is released (``Op.release`` during backward) or freed (the output dropped without a
backward). A write in between, ``x.data[...] = 0``, then fails at the write with numpy's
"assignment destination is read-only" instead of giving a silently wrong gradient.

Two changes are not writes into the array and are caught at backward instead
(:meth:`Hold.check`): ``x.data`` rebound to another array, and a library in-place update
(an optimizer step, ``load_state_dict``) that went through :func:`unlock` while the graph
was alive; the latter bumps the array's *version*, as torch's version counters do.

What is not caught: writes through another view of the same memory made before the graph
froze it (numpy's flag belongs to each array object, not to the memory).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["Hold", "hold", "unlock", "relock", "restoring", "MODIFIED"]

MODIFIED = (
    "one of the arrays needed for gradient computation has been modified by an in-place operation"
)

# id(array) -> [array, holders, version]; the entry keeps the array alive, so no id is reused
_held: dict[int, list[Any]] = {}
_lock = threading.Lock()  # graphs may be built and freed from several threads
_epoch = [0]  # bumped by every unlock(): a Hold made after the last bump needs no version check


class Hold:
    """The arrays one recorded op saved, read-only until this object is dropped."""

    __slots__ = ("inputs", "out", "entries", "versions", "epoch", "name")

    def __init__(self, name: str, inputs: tuple[np.ndarray, ...], out: np.ndarray) -> None:
        self.name, self.inputs, self.out = name, inputs, out
        self.entries: list[list[Any]] = []
        self.versions: list[int] = []
        self.epoch = _epoch[0]

    def check(self, parents: Sequence[Tensor], node: Tensor) -> None:
        """Raise if an input's or the output's data was rebound or updated in place since."""
        for i, (p, a) in enumerate(zip(parents, self.inputs, strict=True)):
            if p.data is not a:
                raise RuntimeError(
                    f"{self.name}: input {i}'s .data was replaced (an array of shape {a.shape} "
                    f"by one of shape {p.data.shape}) after the graph used it and before "
                    "backward; rebind .data only when no graph that uses the tensor is alive"
                )
        if node.data is not self.out:
            raise RuntimeError(f"{self.name}: the output's .data was replaced before backward")
        if self.epoch != _epoch[0]:
            for e, v in zip(self.entries, self.versions, strict=True):
                if e[2] != v:
                    raise RuntimeError(
                        f"{MODIFIED}: an array of shape {e[0].shape} used by {self.name} was "
                        f"updated in place (version {v} -> {e[2]}) after the forward pass, "
                        "e.g. by an optimizer step between two backward passes through a "
                        "retained graph"
                    )

    def __del__(self) -> None:
        entries = self.entries
        if not entries:
            return
        with _lock:
            for e in entries:
                e[1] -= 1
                if e[1] == 0:
                    del _held[id(e[0])]
                    try:
                        e[0].setflags(write=True)
                    except ValueError:
                        pass  # a view whose base another live graph still holds: stays read-only


def hold(
    name: str,
    inputs: tuple[np.ndarray, ...],
    out: np.ndarray,
    attrs: dict[str, Any],
    saves: tuple[int | str, ...] | None,
) -> Hold:
    """Make what backward reads read-only for a graph: ``saves`` names it (see ``Op.saves``).

    None means everything: every input, the output ("out") and the array attributes
    ("attrs", e.g. an index). Arrays that are read-only already are left alone.
    """
    h = Hold(name, inputs, out)
    if saves is None:
        arrays = [*inputs, out, *_attr_arrays(attrs)]
    else:
        arrays = []
        for s in saves:
            if s == "out":
                arrays.append(out)
            elif s == "attrs":
                arrays += _attr_arrays(attrs)
            else:
                arrays.append(inputs[s])  # type: ignore[index]
    if not arrays:
        return h
    entries, versions = h.entries, h.versions
    with _lock:
        for a in arrays:
            e = _held.get(id(a))
            if e is None:
                if not a.flags.writeable:
                    continue
                a.setflags(write=False)
                e = _held[id(a)] = [a, 0, 0]
            e[1] += 1
            entries.append(e)
            versions.append(e[2])
    return h


def _attr_arrays(attrs: dict[str, Any]) -> list[np.ndarray]:
    """The arrays among an op's attributes (an index, labels)."""
    found: list[np.ndarray] = []
    for v in attrs.values():
        if type(v) is np.ndarray:
            found.append(v)
        elif type(v) is tuple:
            found += [i for i in v if type(i) is np.ndarray]
    return found


def unlock(arrays: Iterable[np.ndarray]) -> list[np.ndarray]:
    """Make held arrays writeable for a library in-place update, bumping their versions.

    Returns the arrays to pass to :func:`relock` afterwards (usually none: after a plain
    ``backward`` no graph holds the parameters). A graph that saved one of them then
    refuses its backward (:meth:`Hold.check`).
    """
    if not _held:
        return []
    out = []
    with _lock:
        for a in arrays:
            e = _held.get(id(a))
            if e is not None:
                e[2] += 1
                _epoch[0] += 1
                a.flags.writeable = True
                out.append(a)
    return out


def relock(arrays: list[np.ndarray]) -> None:
    """Read-only again, after :func:`unlock`, the arrays a graph still holds."""
    if not arrays:
        return
    with _lock:
        for a in arrays:
            if id(a) in _held:
                a.flags.writeable = False


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
            self.opened = [a for a in self.arrays if id(a) in _held]
            for a in self.opened:
                a.flags.writeable = True

    def __exit__(self, *exc: object) -> None:
        relock(self.opened)
