"""Tensor methods for reductions and shape changes: each one applies one op."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops as _ops
from ..utils.axes import normalize_axis, reduced_count

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["ShapeMethods"]


def _shape_args(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` alike, as torch's shape and axis arguments are taken."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return args


class ShapeMethods:
    """Reductions and shape changes, mixed into :class:`~.tensor.Tensor`."""

    __slots__ = ()

    if TYPE_CHECKING:  # what the methods use of the Tensor they are mixed into

        @property
        def data(self) -> np.ndarray: ...
        @property
        def shape(self) -> tuple[int, ...]: ...
        @property
        def ndim(self) -> int: ...

    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes by default), like ``numpy.sum``."""
        return _ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (all axes by default): the sum divided by the count."""
        count = reduced_count(self.shape, axis)
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / count if count else float("nan"))

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``; on ties the gradient is split equally among the maxima."""
        return _ops.Max.apply(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        """The same data in a new shape (``-1`` infers one dimension)."""
        return _ops.Reshape.apply(self, shape=_shape_args(shape))

    def transpose(self, *axes: int) -> Tensor:
        """No arguments: reverse the axes. Two: swap them (torch). Three or more: permute.

        ``x.transpose(0, 1)`` swaps axes 0 and 1, as ``torch.transpose``; use :meth:`permute`
        for numpy's ``transpose(axes)`` with a full permutation.
        """
        axes = _shape_args(axes)
        n = self.ndim
        if not axes:
            perm = tuple(range(n - 1, -1, -1))
        elif len(axes) == 2:
            return self.swapaxes(*axes)
        else:
            perm = tuple(normalize_axis(a, n, "transpose") for a in axes)
        return _ops.Transpose.apply(self, axes=perm)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """Swap two axes, like ``numpy.swapaxes`` (and ``torch.transpose(x, a, b)``)."""
        order = list(range(self.ndim))
        i, j = (normalize_axis(a, self.ndim, "swapaxes") for a in (axis1, axis2))
        order[i], order[j] = order[j], order[i]
        return _ops.Transpose.apply(self, axes=tuple(order))

    def permute(self, *axes: int) -> Tensor:
        """Reorder the axes, as ``numpy.transpose(x, axes)``."""
        perm = tuple(normalize_axis(a, self.ndim, "permute") for a in _shape_args(axes))
        return _ops.Transpose.apply(self, axes=perm)

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed."""
        return self.transpose()

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        """Repeat the data along broadcast axes to ``shape``, like ``numpy.broadcast_to``."""
        return _ops.BroadcastTo.apply(self, shape=tuple(shape))
