"""Activations: relu (the seed's), tanh and sigmoid, forward, backward and tangent side by side."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import Grad, Op, data_of

__all__ = ["ReLU", "Tanh", "Sigmoid"]


class ReLU(Op):
    """max(x, 0): d/dx = 1[x > 0] (0 at the kink x = 0, by convention)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        # relu'(0) is taken as 0 (the seed's convention, and torch's): the mask is x > 0,
        # not x >= 0. The mask is a constant, so relu's second derivative is 0 off the kink.
        return (g * (data_of(out) > 0),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return t[0] * (inputs[0] > 0)  # the same convention at 0: the one-sided slope 0


class Tanh(Op):
    """tanh(x): d/dx = 1 - tanh(x)^2, written with the output so nothing is recomputed."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (g * (1.0 - out * out),)  # on Tensors, out is a node: tanh'' comes for free

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return t[0] / np.cosh(inputs[0]) ** 2  # sech^2 x, from the input this time


class Sigmoid(Op):
    """s(x) = 1 / (1 + e^-x), computed without overflow: d/dx = s(x) (1 - s(x))."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        e = np.exp(-np.abs(x))  # <= 1: no overflow on either side
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (g * out * (1.0 - out),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        e = np.exp(-np.abs(inputs[0]))
        return t[0] * e / (1.0 + e) ** 2  # e^-|x| / (1 + e^-|x|)^2, the same for x and -x
