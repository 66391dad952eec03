"""Tensor methods for the extremes: max, min (torch's values and indices along a dim), amax,
amin, and the index reductions argmax, argmin (no gradient).

``max()`` is the largest entry; ``max(dim)`` returns ``(values, indices)`` as torch;
``max(axis=...)`` and ``amax(dim)`` return the values only, as numpy's ``max`` and torch's
``amax``. Ties share the gradient equally in every form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ... import ops as _ops
from ...ops import nondiff as _nondiff
from ...utils.axes import normalize_axis
from .base import TensorMixin
from .dims import pick_axis, pick_keepdims, reduce_args

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["ExtremaMethods", "ValuesIndices"]

Axis = int | Sequence[int] | None


class ValuesIndices(NamedTuple):
    """What ``max(dim)`` and ``min(dim)`` return, as torch: the values and their int64 indices."""

    values: Tensor
    indices: Tensor


class ExtremaMethods(TensorMixin):
    """Maxima, minima and their indices, mixed into ``Tensor``."""

    __slots__ = ()

    def max(
        self,
        dim: int | None = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Any:
        """The maximum: of everything (a Tensor), or along one ``dim`` (values and indices).

        As torch, ``max(dim)`` returns ``(values, indices)`` (the first index among ties).
        ``max(axis=...)`` returns the values only, as numpy, and ``amax`` is torch's
        values-only form. The gradient of the values is split equally among tied maxima in
        every form; torch's ``max(dim)`` gives it all to the one index instead (both are
        subgradients; they differ only at exact ties).

        Example::

            >>> x = Tensor(np.array([[1.0, 5.0], [7.0, 2.0]]))
            >>> x.max(1).values.numpy(), x.max(1).indices.numpy(), x.max(axis=0).numpy()
            (array([5., 7.]), array([1, 0]), array([7., 5.]))
        """
        return self._extreme(_ops.Max, np.argmax, "max", dim, keepdim, axis, keepdims)

    def min(
        self,
        dim: int | None = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Any:
        """The minimum: of everything (a Tensor), or along one ``dim`` (values and indices).

        The same rules as ``max``; ``amin`` is the values-only form.

        Example::

            >>> x = Tensor(np.array([1.0, 1.0, 3.0]), requires_grad=True)
            >>> x.min().backward()
            >>> x.grad
            array([0.5, 0.5, 0. ])
        """
        return self._extreme(_ops.Min, np.argmin, "min", dim, keepdim, axis, keepdims)

    def _extreme(
        self, op: Any, arg: Any, who: str, dim: Any, keepdim: Any, axis: Any, keepdims: Any
    ) -> Any:
        if dim is None:
            keep = pick_keepdims(keepdims, keepdim, who)
            return op.apply(self, axis=axis, keepdims=keep)
        pick_axis(axis, dim, who)  # both given: a TypeError
        keepdim = pick_keepdims(keepdims, keepdim, who)
        if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
            raise TypeError(
                f"{who}(dim) takes one int dim and returns (values, indices), as torch; got "
                f"{dim!r}: for the {who}imum over several dims use a{who}(dim) or {who}(axis=...)"
            )
        indices = self._arg(arg, who, dim, keepdim)
        d = normalize_axis(dim, max(self.ndim, 1), who)
        # the values by the op (not by indexing at the indices): a data-dependent index array
        # would be a constant to tm.jit, and the op's rule is the one of every other max
        values = op.apply(self, axis=d if self.ndim else (), keepdims=keepdim and self.ndim > 0)
        return ValuesIndices(values, indices)

    def amax(self, dim: Axis = (), keepdim: bool = False) -> Tensor:
        """The maximum over ``dim`` (all by default), values only; ties share the gradient
        equally, as ``torch.amax``.

        Example::

            >>> Tensor(np.array([[1.0, 5.0], [7.0, 2.0]])).amax(0).numpy()
            array([7., 5.])
        """
        axes, keep = reduce_args(dim, keepdim, None, None, self.ndim, "amax")
        return _ops.Max.apply(self, axis=axes, keepdims=keep)

    def amin(self, dim: Axis = (), keepdim: bool = False) -> Tensor:
        """The minimum over ``dim`` (all by default), values only, as ``torch.amin``."""
        axes, keep = reduce_args(dim, keepdim, None, None, self.ndim, "amin")
        return _ops.Min.apply(self, axis=axes, keepdims=keep)

    def argmax(
        self,
        dim: int | None = None,
        keepdim: bool | None = None,
        *,
        axis: int | None = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Index of the maximum along ``dim`` (of the flattened tensor for None), int64.

        The first index among ties, as torch and numpy; no gradient flows through it.
        """
        keep = pick_keepdims(keepdims, keepdim, "argmax")
        return self._arg(np.argmax, "argmax", pick_axis(axis, dim, "argmax"), keep)

    def argmin(
        self,
        dim: int | None = None,
        keepdim: bool | None = None,
        *,
        axis: int | None = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Index of the minimum along ``dim`` (of the flattened tensor for None), int64.

        Example::

            >>> Tensor(np.array([[3.0, 1.0], [0.0, 2.0]])).argmin(1).numpy()
            array([1, 0])
        """
        keep = pick_keepdims(keepdims, keepdim, "argmin")
        return self._arg(np.argmin, "argmin", pick_axis(axis, dim, "argmin"), keep)

    def _arg(self, fn: Any, who: str, axis: Any, keepdim: bool) -> Tensor:
        if axis is not None:
            axis = normalize_axis(axis, max(self.ndim, 1), who)
        if self.data.size == 0:
            raise ValueError(f"{who} of an empty tensor of shape {self.shape} has no value")
        # a recorded op without a gradient, so that tm.jit replays it live (ops/nondiff.py)
        return _nondiff.ArgReduce.run(self, fn=fn, axis=axis, keepdim=bool(keepdim))
