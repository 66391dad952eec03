"""Reductions: sum, max, min, var, std, logsumexp, and the running sum cumsum (prod: ``product``).

Every reduction takes ``axis`` (an int, a tuple of ints or None for all axes) and
``keepdims``; the Tensor methods also accept torch's ``dim`` / ``keepdim``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .base import Grad, Op, call, data_of, keep_shape, normalize_axes, reduced_count
from .math import Exp
from .shape import BroadcastTo

__all__ = ["Sum", "Max", "Min", "Var", "Std", "LogSumExp", "CumSum"]

Axis = int | Sequence[int] | None


class Sum(Op):
    """Sum over axes: each input element gets the gradient of its sum."""

    def forward(self, x: np.ndarray, axis: Axis, keepdims: bool) -> np.ndarray:
        self.axes, self.keepdims = normalize_axes(x.ndim, axis), keepdims
        return np.asarray(np.sum(x, axis=self.axes, keepdims=keepdims))

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        shape = inputs[0].shape
        # Every input element contributes once to its sum: the gradient is g repeated.
        return (call(BroadcastTo, g.reshape(keep_shape(shape, self.axes)), shape=shape),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return np.sum(t[0], axis=self.axes, keepdims=self.keepdims)  # linear: d sum = sum d


def _max(x: np.ndarray, axis: tuple[int, ...], keepdims: bool) -> Any:
    return np.max(x, axis=axis, keepdims=keepdims)


def _min(x: np.ndarray, axis: tuple[int, ...], keepdims: bool) -> Any:
    return np.min(x, axis=axis, keepdims=keepdims)


class Max(Op):
    """Maximum over axes. Ties share the gradient equally (like torch.amax, not torch.max)."""

    pick = staticmethod(_max)  # Min reuses every line with np.min
    name = "max"

    def forward(self, x: np.ndarray, axis: Axis, keepdims: bool) -> np.ndarray:
        self.axes, self.keepdims = normalize_axes(x.ndim, axis), keepdims
        if x.size == 0:
            raise ValueError(f"{self.name} of an empty tensor of shape {x.shape} has no value")
        return np.asarray(self.pick(x, axis=self.axes, keepdims=keepdims))

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        x = data_of(inputs[0])
        kshape = keep_shape(x.shape, self.axes)
        hit = x == data_of(out).reshape(kshape)
        # Split equally among ties: a valid subgradient, symmetric in the tied entries.
        share = (hit / hit.sum(axis=self.axes, keepdims=True)).astype(x.dtype, copy=False)
        return (call(BroadcastTo, g.reshape(kshape), shape=x.shape) * share,)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        # The directional derivative along t is the mean of t over the tied maxima: the
        # same choice of subgradient as the backward rule, so <u, J t> = <J^T u, t> holds.
        x = inputs[0]
        hit = x == self.pick(x, axis=self.axes, keepdims=True)
        share = hit / hit.sum(axis=self.axes, keepdims=True)
        return np.sum(t[0] * share, axis=self.axes, keepdims=self.keepdims)


class Min(Max):
    """Minimum over axes. Ties share the gradient equally, as in ``Max``."""

    pick = staticmethod(_min)
    name = "min"


def _centered(x: Grad, axes: tuple[int, ...], count: int) -> Grad:
    """x - mean(x) over ``axes``, each group's first entry subtracted first (a constant: the
    difference is unchanged), so equal entries give exact zeros, not sum(x) / N's round-off."""
    first = data_of(x)[tuple(slice(0, 1) if i in axes else slice(None) for i in range(x.ndim))]
    d = x - first
    return d - d.sum(axis=axes, keepdims=True) * (1.0 / count)


class Var(Op):
    """sum (x - mean)^2 / (N - correction) over axes: d/dx_i = 2 (x_i - mean) / (N - correction).

    ``correction=1`` (the default of the methods, as torch) is Bessel's unbiased estimate.
    Equal entries give exactly 0 (see ``_centered``).
    """

    def forward(self, x: np.ndarray, axis: Axis, keepdims: bool, correction: float) -> np.ndarray:
        self.axes, self.keepdims = normalize_axes(x.ndim, axis), keepdims
        self.count = reduced_count(x.shape, self.axes)
        self.dof = self.count - correction
        if self.dof <= 0:
            raise ValueError(
                f"var: correction={correction} leaves no degrees of freedom for "
                f"{self.count} element(s) per result (need more than {correction})"
            )
        c = _centered(x, self.axes, self.count)
        return np.asarray(np.sum(c * c, axis=self.axes, keepdims=keepdims) / self.dof)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        x = inputs[0]  # no term for the mean's dependence on x: sum_i (x_i - mean) = 0
        centered = _centered(x, self.axes, self.count)
        return (g.reshape(keep_shape(x.shape, self.axes)) * centered * (2.0 / self.dof),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        centered = _centered(inputs[0], self.axes, self.count)
        return np.sum(centered * t[0], axis=self.axes, keepdims=self.keepdims) * (2.0 / self.dof)


class Std(Var):
    """sqrt(var) over axes: d/dx_i = (x_i - mean) / ((N - correction) std), and 0 where
    std = 0 (all entries equal), as torch's std_backward (which masks 1 / std there).

    Example::

        >>> from tinygrad_mlp import Tensor
        >>> x = Tensor(np.ones(3), requires_grad=True)
        >>> x.std().backward(); x.grad
        array([0., 0., 0.])
    """

    def forward(self, x: np.ndarray, axis: Axis, keepdims: bool, correction: float) -> np.ndarray:
        return np.sqrt(super().forward(x, axis, keepdims, correction))

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        x = inputs[0]
        shape = keep_shape(x.shape, self.axes)
        zero = (data_of(out) == 0).astype(data_of(out).dtype).reshape(shape)
        # 1 / std with std replaced by 1 where it is 0, then masked: no 0 * inf there
        inv = (1 - zero) / (out.reshape(shape) + zero)
        return (g.reshape(shape) * _centered(x, self.axes, self.count) * inv / self.dof,)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        dvar = super().jvp(t, inputs, out)  # 2 sum (x - mean) dx / (N - c)
        return np.where(out == 0, 0.0, dvar / (2 * np.where(out == 0, 1.0, out)))


class LogSumExp(Op):
    """log sum_i e^{x_i} over axes, shifted by the maximum (no overflow); d/dx_i = softmax_i.

    All entries -inf gives -inf (log 0), as torch; an empty reduction also gives -inf.
    """

    def forward(self, x: np.ndarray, axis: Axis, keepdims: bool) -> np.ndarray:
        self.axes, self.keepdims = normalize_axes(x.ndim, axis), keepdims
        m = np.max(x, axis=self.axes, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0)  # a -inf or +inf shift would give inf - inf = nan
        with np.errstate(divide="ignore"):  # log 0 = -inf is the right answer, not a warning
            out = np.log(np.sum(np.exp(x - m), axis=self.axes, keepdims=True)) + m
        if keepdims:
            return out
        return out.reshape([s for i, s in enumerate(out.shape) if i not in self.axes])

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        kshape = keep_shape(inputs[0].shape, self.axes)
        softmax = call(Exp, inputs[0] - out.reshape(kshape))  # e^{x_i - lse}
        return (g.reshape(kshape) * softmax,)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        kshape = keep_shape(inputs[0].shape, self.axes)
        softmax = np.exp(inputs[0] - out.reshape(kshape))
        return np.sum(softmax * t[0], axis=self.axes, keepdims=self.keepdims)


class CumSum(Op):
    """y_i = sum_{j <= i} x_j along ``axis`` (``reverse``: sum_{j >= i}), each the other's adjoint.

    x_j feeds every y_i with i >= j, so dE/dx_j = sum_{i >= j} g_i: the reverse running sum.
    """

    def forward(self, x: np.ndarray, axis: int, reverse: bool = False) -> np.ndarray:
        self.axis, self.reverse = axis, reverse
        return _cumsum(x, axis, reverse)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (call(CumSum, g, axis=self.axis, reverse=not self.reverse),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return _cumsum(t[0], self.axis, self.reverse)  # linear


def _cumsum(x: np.ndarray, axis: int, reverse: bool) -> Any:
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis)
    return np.cumsum(x, axis=axis)
