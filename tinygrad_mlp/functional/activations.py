"""Activation functions: each applies one elementwise op and states its derivative."""

from __future__ import annotations

from .. import ops
from ..engine.tensor import Tensor

__all__ = ["relu", "tanh", "sigmoid"]


def relu(x: Tensor) -> Tensor:
    """max(x, 0) elementwise; the derivative at 0 is 0.

    Example: ``relu(Tensor(np.array([-1.0, 2.0]))).numpy()`` gives ``[0., 2.]``.
    """
    return ops.ReLU.apply(x)


def tanh(x: Tensor) -> Tensor:
    """tanh(x) elementwise; d/dx = 1 - tanh(x)^2.

    Example: ``tanh(Tensor(np.array([0.0]))).numpy()`` gives ``[0.]``.
    """
    return ops.Tanh.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x) elementwise, finite for any x; d/dx = s (1 - s).

    Example: ``sigmoid(Tensor(np.array([0.0]))).numpy()`` gives ``[0.5]``.
    """
    return ops.Sigmoid.apply(x)
