"""Sanctioned writes: the one way the library writes into arrays a live graph may hold.

``engine/saved.py`` keeps the arrays a graph saved read-only until its backward has run.
An optimizer step, ``load_state_dict`` or a finite-difference check must still write into
them: each does so inside ``with writing(arrays):``, which makes the held arrays (and a
view's held base) writeable, bumps their versions so that a graph that saved them refuses
its backward, as torch's version counters do, and makes them read-only again on exit, also
when the block raises. ``Optimizer.step`` applies it around every optimizer's update.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext

import numpy as np

from .saved import _count, _lock, _version, _with_roots

__all__ = ["writing"]


def _unlock(arrays: Iterable[np.ndarray], bump: bool = True) -> list[np.ndarray]:
    """Make held arrays writeable for a sanctioned in-place update, bumping their versions
    (unless ``bump`` is False: a change that is undone before the update ends).

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
                if bump and k in _count:
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


def writing(arrays: Iterable[np.ndarray], *, undone: bool = False) -> AbstractContextManager[None]:
    """Context manager: the one sanctioned way to write into arrays a live graph may hold.

    Entry makes the held ones (or a view's held base) writeable and bumps their versions;
    exit, also on an exception, makes those a graph still holds read-only again. A backward
    through a graph that saved one before the write then raises ``MODIFIED``, as torch does.
    ``Optimizer.step`` (a user's optimizer's too) and ``load_state_dict`` write through it.
    ``undone=True`` is for a change put back before the block ends (a finite-difference
    check perturbing an input in place): not a modification, so no version is bumped.

    Example::

        >>> w = Tensor(np.ones(2), requires_grad=True)
        >>> y = (w * w).sum()  # its graph holds w.data, read-only
        >>> with writing([w.data]):
        ...     w.data -= 0.5
        >>> y.backward()
        Traceback (most recent call last):
        RuntimeError: one of the arrays needed for gradient computation has been modified...
    """
    if not _count:  # no graph holds anything: nothing to do
        return _IDLE
    return _Writing(arrays, undone)


class _Writing:
    __slots__ = ("arrays", "opened", "undone")

    def __init__(self, arrays: Iterable[np.ndarray], undone: bool) -> None:
        self.arrays = arrays
        self.undone = undone
        self.opened: list[np.ndarray] = []

    def __enter__(self) -> None:
        self.opened = _unlock(self.arrays, not self.undone)

    def __exit__(self, *exc: object) -> None:
        _relock(self.opened)


_IDLE = nullcontext()  # no graph holds anything: one shared do-nothing context
