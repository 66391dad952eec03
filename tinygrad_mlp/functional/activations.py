"""Activation functions with parameters under torch's names: each applies one op and states
its derivative. Those of the tensor alone (relu, tanh, sigmoid, selu, ...) are made from
their Tensor methods in ``elementwise``.

At a kink each states its derivative: relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) =
alpha, hardtanh' = 0 at both bounds, hardsigmoid'(+-3) = 0 (torch's choices, all), and
hardswish'(-3) = -1/2, hardswish'(3) = 3/2 (the middle branch; torch 2.14 gives 0 and 1).
"""

from __future__ import annotations

from .. import ops
from ..engine.tensor import Tensor

__all__ = [
    "leaky_relu",
    "elu",
    "celu",
    "gelu",
    "softplus",
    "hardtanh",
    "softmin",
]


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope * x otherwise; d/dx = 1 for x > 0, else the slope,
    the slope at 0 too (torch: ``x > 0 ? 1 : slope``).

    >>> F.leaky_relu(Tensor(np.array([-2.0, 3.0])), 0.1).numpy()
    array([-0.2,  3. ])
    """
    return ops.LeakyReLU.apply(x, negative_slope=negative_slope)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (e^x - 1) otherwise; d/dx = 1 for x > 0, else alpha e^x, which
    is alpha at the kink x = 0 (torch takes the x <= 0 branch there).

    >>> F.elu(Tensor(np.array([-1e3, 2.0]))).numpy()
    array([-1.,  2.])
    """
    return ops.ELU.apply(x, alpha=alpha)


def celu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (e^(x/alpha) - 1) otherwise (alpha != 0); d/dx = 1 for x > 0,
    else e^(x/alpha): continuous, 1 at 0.

    >>> F.celu(Tensor(np.array([-1e3, 2.0])), alpha=0.5).numpy()
    array([-0.5,  2. ])
    """
    return x.celu(alpha)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x), Phi the standard normal CDF; d/dx = Phi(x) + x phi(x). With
    ``approximate="tanh"``: x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2, as torch.
    Finite for every x, with no overflow in x^3.

    >>> F.gelu(Tensor(np.array([-1e6, 0.0, 1e6]))).numpy()
    array([     -0.,       0., 1000000.])
    """
    return ops.GELU.apply(x, approximate=approximate)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (torch's switch);
    d/dx = sigmoid(beta x), and 1 past the threshold. Computed as max(z, 0) +
    log1p(e^-|z|), so no threshold is needed against overflow.

    >>> F.softplus(Tensor(np.array([-1e3, 0.0, 1e3]))).numpy()
    array([0.00000000e+00, 6.93147181e-01, 1.00000000e+03])
    """
    return ops.Softplus.apply(x, beta=beta, threshold=threshold)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """clip(x, min_val, max_val); d/dx = 1 strictly inside, 0 outside and at both bounds
    (torch's hardtanh_backward; clamp, by contrast, passes the gradient at its bounds).

    >>> F.hardtanh(Tensor(np.array([-2.0, 0.5, 2.0]))).numpy()
    array([-1. ,  0.5,  1. ])
    """
    return ops.Hardtanh.apply(x, min_val=min_val, max_val=max_val)


def softmin(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """softmax(-x) along ``dim`` (torch) or ``axis`` (numpy), -1 by default, stable for large
    inputs.

    >>> F.softmin(Tensor(np.array([0.0, 0.0]))).numpy()
    array([0.5, 0.5])
    """
    return x.softmin(dim, axis=axis)
