"""Tensor methods for reductions: sum, mean, prod, var, std, logsumexp, cumsum, and the boolean
all, any (no gradient); max, min and their indices are in ``extrema``.

Every reduction takes torch's ``dim`` / ``keepdim`` (also positionally, in torch's order) or
numpy's ``axis=`` / ``keepdims=`` (keywords; one spelling per call). Each spelling keeps its
library's meaning where they differ (see ``dims``): ``dim=()`` reduces everything and
``dim=0`` names the one element of a 0-d tensor, as torch; ``axis=()`` reduces nothing, as numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ... import ops as _ops
from ...ops import nondiff as _nondiff
from ...utils.axes import normalize_axes, normalize_axis, reduced_count
from .base import TensorMixin
from .dims import pick_axis, pick_keepdims, reduce_args

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["ReduceMethods", "pick_axis", "pick_keepdims"]

Axis = int | Sequence[int] | None


def _variance_args(
    x: Any,
    dim: Any,
    unbiased: bool | None,
    keepdim: bool | None,
    correction: float | None,
    axis: Any,
    keepdims: bool | None,
    who: str,
) -> tuple[Any, bool, float]:
    """var's and std's (torch's) arguments resolved: the axes, keepdims and the correction.

    ``var(False)`` is torch's ``var(unbiased=False)``; ``unbiased=False`` is ``correction=0``.
    """
    if isinstance(dim, (bool, np.bool_)):  # torch's var(unbiased) overload
        if unbiased is not None:
            raise TypeError(f"{who}: got unbiased twice ({dim!r} and unbiased={unbiased!r})")
        dim, unbiased = None, bool(dim)
    if unbiased is not None and correction is not None:
        raise TypeError(f"{who}: pass unbiased= or correction=, not both")
    c = correction if correction is not None else (0 if unbiased is False else 1)
    axes, keep = reduce_args(dim, keepdim, axis, keepdims, x.ndim, who)
    return axes, keep, c


class ReduceMethods(TensorMixin):
    """Reductions, mixed into ``Tensor``."""

    __slots__ = ()

    def sum(
        self,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Sum over ``dim`` (all dimensions by default), like ``torch.sum`` and ``numpy.sum``.

        Example::

            >>> Tensor(np.ones((2, 3))).sum(1).numpy(), Tensor(np.ones((2, 3))).sum(dim=()).item()
            (array([3., 3.]), 6.0)
        """
        axes, keep = reduce_args(dim, keepdim, axis, keepdims, self.ndim, "sum")
        return _ops.Sum.apply(self, axis=axes, keepdims=keep)

    def mean(
        self,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Mean over ``dim`` (all dimensions by default): the sum divided by the count."""
        axes, keep = reduce_args(dim, keepdim, axis, keepdims, self.ndim, "mean")
        count = reduced_count(self.shape, axes)
        total = _ops.Sum.apply(self, axis=axes, keepdims=keep)
        return total * (1.0 / count if count else float("nan"))

    def prod(
        self,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Product over ``dim``; d/dx_i = prod_{j != i} x_j, exact when entries are zero.

        Example::

            >>> x = Tensor(np.array([2.0, 0.0, 3.0]), requires_grad=True)
            >>> x.prod().backward()
            >>> x.grad
            array([0., 6., 0.])
        """
        axes, keep = reduce_args(dim, keepdim, axis, keepdims, self.ndim, "prod")
        return _ops.Prod.apply(self, axis=axes, keepdims=keep)

    def var(
        self,
        dim: Axis | bool = None,
        unbiased: bool | None = None,
        keepdim: bool | None = None,
        *,
        correction: float | None = None,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """sum (x - mean)^2 / (N - correction) over ``dim``; d/dx_i = 2 (x_i - mean) / (N - c).

        torch's signature: ``var(dim, unbiased, keepdim)`` positionally (``var(False)`` is
        ``var(unbiased=False)``), ``correction=`` as a keyword; ``unbiased=False`` is
        ``correction=0``. ``correction=1`` by default, as torch (numpy's default is
        ``ddof=0``). A correction that leaves N - correction <= 0 is a ValueError (torch
        would return nan or inf).

        Example::

            >>> x = Tensor(np.array([[1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 2.0, 1.0]]))
            >>> x.var(1).numpy(), x.var(1, False).numpy()
            (array([1.66666667, 0.25      ]), array([1.25  , 0.1875]))
        """
        axes, keep, c = _variance_args(
            self, dim, unbiased, keepdim, correction, axis, keepdims, "var"
        )
        return _ops.Var.apply(self, axis=axes, keepdims=keep, correction=c)

    def std(
        self,
        dim: Axis | bool = None,
        unbiased: bool | None = None,
        keepdim: bool | None = None,
        *,
        correction: float | None = None,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """sqrt(var), with ``var``'s (torch's) arguments; d/dx_i = (x_i - mean) / ((N - c) std).

        Where the std is 0 (all entries equal) the derivative is taken as 0, as torch's.

        Example::

            >>> Tensor(np.array([1.0, 2.0, 3.0])).std().item()
            1.0
        """
        axes, keep, c = _variance_args(
            self, dim, unbiased, keepdim, correction, axis, keepdims, "std"
        )
        return _ops.Std.apply(self, axis=axes, keepdims=keep, correction=c)

    def logsumexp(
        self,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """log sum exp(x) over ``dim``, stable for large entries; d/dx_i = softmax(x)_i.

        torch requires ``dim``; here None reduces every axis, as numpy's reductions do.

        Example::

            >>> round(Tensor(np.array([1000.0, 1000.0])).logsumexp().item(), 6)   # 1000 + log 2
            1000.693147
        """
        axes, keep = reduce_args(dim, keepdim, axis, keepdims, self.ndim, "logsumexp")
        return _ops.LogSumExp.apply(self, axis=axes, keepdims=keep)

    def cumsum(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """Running sum along ``dim``; the gradient is the reverse running sum of g.

        torch requires ``dim``; None flattens first, as ``numpy.cumsum`` does.

        Example::

            >>> Tensor(np.array([1.0, 2.0, 3.0])).cumsum(0).numpy()
            array([1., 3., 6.])
        """
        a = pick_axis(axis, dim, "cumsum")
        if self.ndim == 0:  # torch allows dim 0 or -1 here; the result keeps the shape ()
            if a is not None:
                normalize_axis(a, 1, "cumsum")
            return _ops.Reshape.apply(self, shape=())
        if a is None:
            return _ops.CumSum.apply(_ops.Reshape.apply(self, shape=(-1,)), axis=0)
        return _ops.CumSum.apply(self, axis=normalize_axis(a, self.ndim, "cumsum"))

    # --- without a gradient: index and boolean results ---------------------------------
    def all(
        self,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """True where every entry along ``dim`` is non-zero (a bool tensor, no gradient)."""
        axes, keep = reduce_args(dim, keepdim, axis, keepdims, self.ndim, "all")
        axes = normalize_axes(self.ndim, axes, "all")
        return _nondiff.Truth.run(self, fn=np.all, axis=axes, keepdims=keep)  # replayed live

    def any(
        self,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """True where some entry along ``dim`` is non-zero (a bool tensor, no gradient).

        Example::

            >>> Tensor(np.array([[0.0, 1.0], [0.0, 0.0]])).any(dim=1).numpy()
            array([ True, False])
        """
        axes, keep = reduce_args(dim, keepdim, axis, keepdims, self.ndim, "any")
        axes = normalize_axes(self.ndim, axes, "any")
        return _nondiff.Truth.run(self, fn=np.any, axis=axes, keepdims=keep)  # replayed live
