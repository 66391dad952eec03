"""Reduction arguments: torch's ``dim`` / ``keepdim`` beside numpy's ``axis`` / ``keepdims``.

The two spellings differ in two places, and each keeps its own library's meaning:

- an empty ``dim`` (``x.sum(dim=())``) reduces every dimension, as torch; an empty ``axis``
  (``x.sum(axis=())``) reduces none, as numpy;
- on a 0-d tensor ``dim`` 0 or -1 names its one element, as torch; ``axis`` 0 is out of range
  there, as numpy.

The first positional argument of a reduction is torch's ``dim``. An out-of-range dim raises
numpy's ``AxisError``, which is both the IndexError torch raises and a ValueError.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...utils.axes import normalize_axis

__all__ = ["pick_axis", "pick_keepdims", "torch_dims", "reduce_args"]


def pick_axis(axis: Any, dim: Any, who: str) -> Any:
    """The reduction axes from numpy's ``axis`` or torch's ``dim``; both given is a TypeError.

    Example::

        >>> pick_axis(None, 1, "sum")
        1
    """
    if dim is None:
        return axis
    if axis is not None:
        raise TypeError(f"{who}: got both axis={axis!r} and dim={dim!r}; pass one of them")
    return dim


def pick_keepdims(keepdims: bool | None, keepdim: bool | None, who: str) -> bool:
    """numpy's ``keepdims`` or torch's ``keepdim`` (default False); both given is a TypeError.

    Example::

        >>> pick_keepdims(None, True, "sum")
        True
    """
    if keepdim is None:
        return bool(keepdims)
    if keepdims is not None:
        raise TypeError(f"{who}: got both keepdims= and keepdim=; pass one of them")
    return bool(keepdim)


def torch_dims(dim: int | Sequence[int], ndim: int, who: str) -> int | tuple[int, ...] | None:
    """torch's ``dim`` as numpy axes: () reduces all (None); on 0-d, 0 or -1 reduce nothing.

    A 0-d tensor is treated as having one dimension of size 1 for the range check, as torch
    does, so its reduction along dim 0 is the element itself (numpy axes ``()``).

    Example::

        >>> torch_dims((), 2, "sum"), torch_dims(-1, 0, "sum"), torch_dims(1, 2, "sum")
        (None, (), 1)
    """
    several = isinstance(dim, (tuple, list))
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if not dims:
        return None
    n = max(ndim, 1)
    for d in dims:
        if isinstance(d, (int, np.integer)) and not isinstance(d, bool) and not -n <= d < n:
            raise np.exceptions.AxisError(
                f"{who}: dim {d} is out of range for a tensor with {ndim} dimensions "
                f"(expected a dim in [{-n}, {n - 1}])"
            )
    checked = tuple(normalize_axis(d, n, who) for d in dims)
    if ndim == 0:
        return ()
    if len(set(checked)) != len(checked):
        raise ValueError(f"{who}: dim {dims} repeats a dimension")
    return checked if several else checked[0]


def reduce_args(
    dim: Any, keepdim: bool | None, axis: Any, keepdims: bool | None, ndim: int, who: str
) -> tuple[Any, bool]:
    """(numpy axes, keepdims) for a reduction called with torch's or numpy's spelling.

    Example::

        >>> reduce_args((), None, None, None, 2, "sum"), reduce_args(None, None, (), True, 2, "sum")
        ((None, False), ((), True))
    """
    keep = pick_keepdims(keepdims, keepdim, who)
    axes = pick_axis(axis, dim, who)
    if dim is None:  # numpy's spelling (or nothing): numpy's meaning
        return axes, keep
    if isinstance(dim, (bool, np.bool_)):
        raise TypeError(f"{who}: dim must be an int or a tuple of ints, got {dim!r}")
    return torch_dims(dim, ndim, who), keep
