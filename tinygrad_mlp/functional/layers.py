"""Layers as functions: softmax, log-softmax, linear and the fused linear+ReLU."""

from __future__ import annotations

from .. import ops
from ..tensor import Tensor
from ..tensor.methods.math import along

__all__ = ["softmax", "log_softmax", "linear", "linear_relu"]


def softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """a_k = e^{z_k} / sum_c e^{z_c} along ``dim`` (torch) or ``axis`` (numpy), -1 by default,
    stable for large logits; dim 0 or -1 of a 0-d tensor is its one element, as torch.

    Example: ``softmax(Tensor(np.zeros((1, 4)))).numpy()`` gives ``[[0.25, 0.25, 0.25, 0.25]]``.
    """
    return along(ops.Softmax, x, dim, axis, "softmax")


def log_softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """z_k - log sum_c e^{z_c} along ``dim`` or ``axis`` as ``softmax`` (log-sum-exp:
    never takes log of 0).

    Example: ``log_softmax(Tensor(np.array([[0.0, 1e4]]))).numpy()`` gives ``[[-1e4, 0.]]``.
    """
    return along(ops.LogSoftmax, x, dim, axis, "log_softmax")


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """z = x W^T + b, with W of shape (fan_out, fan_in) as the seed's W_kj: one graph node.

    Example: ``linear(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 3)))).shape`` is ``(2, 4)``.
    """
    return ops.Linear.apply(x, weight) if bias is None else ops.Linear.apply(x, weight, bias)


def linear_relu(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """a = relu(x W^T + b) as one graph node (a hidden layer of the seed network).

    Example: ``linear_relu(x, w, b)`` equals ``relu(linear(x, w, b))``, with fewer nodes.
    """
    if bias is None:
        return ops.LinearReLU.apply(x, weight)
    return ops.LinearReLU.apply(x, weight, bias)
