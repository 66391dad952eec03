"""Tensor methods for elementwise math and activations: each one applies one op."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import ops as _ops

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["MathMethods"]


class MathMethods:
    """Elementwise math and activations, mixed into :class:`~.tensor.Tensor`."""

    __slots__ = ()

    if TYPE_CHECKING:  # what the methods use of the Tensor they are mixed into

        @property
        def data(self) -> np.ndarray: ...
        @property
        def shape(self) -> tuple[int, ...]: ...
        @property
        def ndim(self) -> int: ...

    def exp(self) -> Tensor:
        """Elementwise e**x."""
        return _ops.Exp.apply(self)

    def log(self) -> Tensor:
        """Elementwise natural logarithm."""
        return _ops.Log.apply(self)

    def relu(self) -> Tensor:
        """Elementwise max(x, 0); its derivative at 0 is taken as 0."""
        return _ops.ReLU.apply(self)

    def tanh(self) -> Tensor:
        """Elementwise tanh; its derivative is 1 - tanh(x)^2."""
        return _ops.Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        """Elementwise 1 / (1 + e^-x), without overflow; its derivative is s (1 - s)."""
        return _ops.Sigmoid.apply(self)

    def softmax(self, axis: int = -1) -> Tensor:
        """exp(x) / sum(exp(x)) along ``axis``, computed stably."""
        return _ops.Softmax.apply(self, axis=axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x - log(sum(exp(x))) along ``axis``, by log-sum-exp (never log(0))."""
        return _ops.LogSoftmax.apply(self, axis=axis)
