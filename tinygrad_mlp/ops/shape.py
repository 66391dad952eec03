"""Reductions and shape changes: sum, max, reshape, transpose, broadcast_to."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import Grad, Op, call, data_of, keep_shape, normalize_axes

__all__ = ["Sum", "Max", "Reshape", "Transpose", "BroadcastTo"]


class Sum(Op):
    """Sum over axes: each input element gets the gradient of its sum."""

    def forward(
        self, x: np.ndarray, axis: int | Sequence[int] | None, keepdims: bool
    ) -> np.ndarray:
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


class Max(Op):
    """Maximum over axes. Ties share the gradient equally (like torch.amax, not torch.max)."""

    def forward(
        self, x: np.ndarray, axis: int | Sequence[int] | None, keepdims: bool
    ) -> np.ndarray:
        self.axes, self.keepdims = normalize_axes(x.ndim, axis), keepdims
        if x.size == 0:
            raise ValueError(f"max of an empty tensor of shape {x.shape} has no value")
        return np.asarray(np.max(x, axis=self.axes, keepdims=keepdims))

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
        hit = x == np.max(x, axis=self.axes, keepdims=True)
        share = hit / hit.sum(axis=self.axes, keepdims=True)
        return np.sum(t[0] * share, axis=self.axes, keepdims=self.keepdims)


class Reshape(Op):
    """The same elements in a new shape: the gradient is reshaped back."""

    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                f"into shape {tuple(shape)}"
            ) from None

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (g.reshape(inputs[0].shape),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return t[0].reshape(out.shape)


class Transpose(Op):
    """A permutation of the axes; its backward applies the inverse permutation."""

    def forward(self, x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        if sorted(axes) != list(range(x.ndim)):
            raise ValueError(f"transpose: {axes} is not a permutation of the {x.ndim} axes")
        self.axes = axes
        return np.transpose(x, axes)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (call(Transpose, g, axes=tuple(np.argsort(self.axes).tolist())),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return np.transpose(t[0], self.axes)


class BroadcastTo(Op):
    """Repeat along broadcast axes: the gradient is summed back (by the engine)."""

    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}") from None

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (g,)  # the engine sums g back to the input's shape: that is the whole rule

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return np.broadcast_to(t[0], out.shape)
