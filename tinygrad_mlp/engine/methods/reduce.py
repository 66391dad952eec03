"""Tensor methods for reductions: sum, mean, max, min, prod, var, std, logsumexp, cumsum, and
the ones without a gradient (argmax, argmin, all, any).

Every reduction takes numpy's ``axis=`` / ``keepdims=`` or torch's ``dim=`` / ``keepdim=``
(one spelling per call). ``axis`` may be an int, a tuple of ints, or None for all axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ... import ops as _ops
from ...utils.axes import normalize_axes, normalize_axis, reduced_count

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["ReduceMethods", "pick_axis", "pick_keepdims"]

Axis = int | Sequence[int] | None


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


class ReduceMethods:
    """Reductions, mixed into :class:`~.tensor.Tensor`."""

    __slots__ = ()

    if TYPE_CHECKING:  # what the methods use of the Tensor they are mixed into

        @property
        def data(self) -> np.ndarray: ...
        @property
        def shape(self) -> tuple[int, ...]: ...
        @property
        def ndim(self) -> int: ...
        def __pow__(self, exponent: Any) -> Tensor: ...
        def __mul__(self, other: Any) -> Tensor: ...
        @classmethod
        def _make(cls, data: np.ndarray, requires_grad: bool) -> Tensor: ...

    def sum(
        self,
        axis: Axis = None,
        keepdims: bool | None = None,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """Sum over ``axis`` (all axes by default), like ``numpy.sum`` and ``torch.sum``."""
        axis, keep = pick_axis(axis, dim, "sum"), pick_keepdims(keepdims, keepdim, "sum")
        return _ops.Sum.apply(self, axis=axis, keepdims=keep)

    def mean(
        self,
        axis: Axis = None,
        keepdims: bool | None = None,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """Mean over ``axis`` (all axes by default): the sum divided by the count."""
        axis, keep = pick_axis(axis, dim, "mean"), pick_keepdims(keepdims, keepdim, "mean")
        count = reduced_count(self.shape, axis)
        total = _ops.Sum.apply(self, axis=axis, keepdims=keep)
        return total * (1.0 / count if count else float("nan"))

    def max(
        self,
        axis: Axis = None,
        keepdims: bool | None = None,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """Maximum over ``axis``; on ties the gradient is split equally among the maxima.

        Returns the values only (numpy's ``max``, torch's ``amax``); torch's ``max(dim)``
        also returns indices: use :meth:`argmax` for those.
        """
        axis, keep = pick_axis(axis, dim, "max"), pick_keepdims(keepdims, keepdim, "max")
        return _ops.Max.apply(self, axis=axis, keepdims=keep)

    def min(
        self,
        axis: Axis = None,
        keepdims: bool | None = None,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """Minimum over ``axis``; on ties the gradient is split equally among the minima.

        Values only, as numpy's ``min`` and torch's ``amin`` (see :meth:`max`).

        Example::

            >>> x = Tensor(np.array([1.0, 1.0, 3.0]), requires_grad=True)
            >>> x.min().backward()
            >>> x.grad
            array([0.5, 0.5, 0. ])
        """
        axis, keep = pick_axis(axis, dim, "min"), pick_keepdims(keepdims, keepdim, "min")
        return _ops.Min.apply(self, axis=axis, keepdims=keep)

    def prod(
        self,
        axis: Axis = None,
        keepdims: bool | None = None,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """Product over ``axis``; d/dx_i = prod_{j != i} x_j, exact when entries are zero.

        Example::

            >>> x = Tensor(np.array([2.0, 0.0, 3.0]), requires_grad=True)
            >>> x.prod().backward()
            >>> x.grad
            array([0., 6., 0.])
        """
        axis, keep = pick_axis(axis, dim, "prod"), pick_keepdims(keepdims, keepdim, "prod")
        return _ops.Prod.apply(self, axis=axis, keepdims=keep)

    def var(
        self,
        axis: Axis = None,
        keepdims: bool | None = None,
        *,
        correction: float = 1,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """sum (x - mean)^2 / (N - correction) over ``axis``; d/dx_i = 2 (x_i - mean) / (N - c).

        ``correction=1`` by default, as torch (numpy's default is ``ddof=0``). A correction
        that leaves N - correction <= 0 is a ValueError (torch would return nan or inf).

        Example::

            >>> Tensor(np.array([1.0, 2.0, 3.0])).var().item()
            1.0
        """
        axis, keep = pick_axis(axis, dim, "var"), pick_keepdims(keepdims, keepdim, "var")
        return _ops.Var.apply(self, axis=axis, keepdims=keep, correction=correction)

    def std(
        self,
        axis: Axis = None,
        keepdims: bool | None = None,
        *,
        correction: float = 1,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """sqrt(var) (``correction=1`` as torch); d/dx_i = (x_i - mean) / ((N - c) std).

        The derivative is infinite where the std is 0 (all entries equal), as torch's.
        """
        return self.var(axis, keepdims, correction=correction, dim=dim, keepdim=keepdim) ** 0.5

    def logsumexp(
        self,
        axis: Axis = None,
        keepdims: bool | None = None,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """log sum exp(x) over ``axis``, stable for large entries; d/dx_i = softmax(x)_i.

        torch requires ``dim``; here None reduces every axis, as numpy's reductions do.

        Example::

            >>> round(Tensor(np.array([1000.0, 1000.0])).logsumexp().item(), 6)   # 1000 + log 2
            1000.693147
        """
        who = "logsumexp"
        axis, keep = pick_axis(axis, dim, who), pick_keepdims(keepdims, keepdim, who)
        return _ops.LogSumExp.apply(self, axis=axis, keepdims=keep)

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
    def argmax(
        self, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None
    ) -> Tensor:
        """Index of the maximum along ``dim`` (of the flattened tensor for None), int64.

        The first index among ties, as torch and numpy; no gradient flows through it.
        """
        return self._arg(np.argmax, "argmax", pick_axis(axis, dim, "argmax"), keepdim)

    def argmin(
        self, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None
    ) -> Tensor:
        """Index of the minimum along ``dim`` (of the flattened tensor for None), int64.

        Example::

            >>> Tensor(np.array([[3.0, 1.0], [0.0, 2.0]])).argmin(1).numpy()
            array([1, 0])
        """
        return self._arg(np.argmin, "argmin", pick_axis(axis, dim, "argmin"), keepdim)

    def _arg(self, fn: Any, who: str, axis: Any, keepdim: bool) -> Tensor:
        if axis is not None:
            axis = normalize_axis(axis, max(self.ndim, 1), who)
        if self.data.size == 0:
            raise ValueError(f"{who} of an empty tensor of shape {self.shape} has no value")
        # a recorded op without a gradient, so that tm.jit replays it live (ops/nondiff.py)
        return _nondiff().ArgReduce.run(self, fn=fn, axis=axis, keepdim=keepdim)

    def all(
        self,
        axis: Axis = None,
        keepdims: bool | None = None,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """True where every entry along ``axis`` is non-zero (a bool tensor, no gradient)."""
        axes = normalize_axes(self.ndim, pick_axis(axis, dim, "all"), "all")
        keep = pick_keepdims(keepdims, keepdim, "all")
        return self._make(np.asarray(np.all(self.data, axis=axes, keepdims=keep)), False)

    def any(
        self,
        axis: Axis = None,
        keepdims: bool | None = None,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """True where some entry along ``axis`` is non-zero (a bool tensor, no gradient).

        Example::

            >>> Tensor(np.array([[0.0, 1.0], [0.0, 0.0]])).any(dim=1).numpy()
            array([ True, False])
        """
        axes = normalize_axes(self.ndim, pick_axis(axis, dim, "any"), "any")
        keep = pick_keepdims(keepdims, keepdim, "any")
        return self._make(np.asarray(np.any(self.data, axis=axes, keepdims=keep)), False)


def _nondiff() -> Any:
    """ops/nondiff.py, imported when first used (the ops import the Tensor)."""
    from ...ops import nondiff

    return nondiff
