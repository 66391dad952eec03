"""Axis arguments, checked once: the one place an axis is validated and made non-negative."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["normalize_axis", "normalize_axes", "keep_shape", "reduced_count"]


def normalize_axis(axis: Any, ndim: int, who: str = "axis") -> int:
    """``axis`` as a non-negative int below ``ndim``, or an error naming ``who``: a TypeError,
    or for an axis out of range numpy's AxisError (both an IndexError, as torch raises, and a
    ValueError).

    Example: ``normalize_axis(-1, 3)`` is 2.
    """
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{who}: axis must be an int, got {type(axis).__name__} {axis!r}")
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(
            f"{who}: axis {axis} is out of range for a tensor with {ndim} dimensions"
        )
    return int(axis) % ndim


def normalize_axes(
    ndim: int, axis: int | Sequence[int] | None, who: str = "axis"
) -> tuple[int, ...]:
    """Axes as a sorted tuple of distinct non-negative ints; None means every axis.

    Example: ``normalize_axes(3, (-1, 0))`` is ``(0, 2)``.
    """
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if not isinstance(axis, (tuple, list)) else tuple(axis)
    out = [normalize_axis(a, ndim, who) for a in axes]
    if len(set(out)) != len(out):
        raise ValueError(f"{who}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def keep_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced ``axes`` kept as size 1 (numpy's keepdims=True shape).

    Example: ``keep_shape((2, 3, 4), (1,))`` is ``(2, 1, 4)``.
    """
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def reduced_count(shape: tuple[int, ...], axis: int | Sequence[int] | None) -> int:
    """How many elements a reduction over ``axis`` combines into each output element.

    Example: ``reduced_count((2, 3, 4), (0, 2))`` is 8.
    """
    count = 1
    for a in normalize_axes(len(shape), axis):
        count *= shape[a]
    return count
