"""Smooth activations: softplus, logsigmoid, silu, mish, gelu (exact and tanh), one class each.

All are computed without overflow for any finite input: softplus as
max(z, 0) + log1p(e^{-|z|}) (the exponent is never positive), sigmoid by its stable form
(``Sigmoid``), gelu from erfc (no cancellation in 1 + erf(x) for
negative x). Their backward rules call the ops they are made of, so they differentiate again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .activation import Sigmoid, Tanh
from .base import Grad, Op, call, data_of
from .binary import Clamp
from .elementwise import Erfc, erfc_array
from .math import Exp

__all__ = ["Softplus", "LogSigmoid", "SiLU", "Mish", "GELU"]

Grads = Sequence[Grad]
Arrays = Sequence[np.ndarray]

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_K = math.sqrt(2.0 / math.pi)  # gelu's tanh form: tanh(K (x + C x^3))
_C = 0.044715
# |x| beyond which sigmoid(+-2K (x + C x^3)) is exactly 0 or 1 in float32 and float64
# (2u > 1900 there): clamping x changes nothing, and x^3 never overflows
_TANH_FLAT = 30.0
_PDF_FLAT = 40.0  # |x| beyond which e^{-x^2/2} is 0 in float64 (below 5e-324): no x^2 overflow


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return Sigmoid().forward(x)


def _softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + e^z) without overflow: max(z, 0) + log1p(e^{-|z|})."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


class Softplus(Op):
    """log(1 + e^{beta x}) / beta, and x itself where beta x > threshold (torch's switch).

    d/dx = sigmoid(beta x), and 1 where beta x > threshold. ``threshold=None`` never
    switches (used by mish). Finite for every x at any threshold: no e^{beta x} is formed.
    """

    def forward(
        self, x: np.ndarray, beta: float = 1.0, threshold: float | None = 20.0
    ) -> np.ndarray:
        if not beta > 0:
            raise ValueError(f"softplus: beta must be positive, got {beta}")
        self.beta, self.threshold = beta, threshold
        z = x * beta
        out = _softplus(z) / beta
        return out if threshold is None else np.where(z > threshold, x, out)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        x = inputs[0]
        s = call(Sigmoid, x * self.beta)  # a node: softplus'' = beta s (1 - s)
        if self.threshold is None:
            return (g * s,)
        above = data_of(x) * self.beta > self.threshold
        return (g * (s * ~above + above),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        z = inputs[0] * self.beta
        d = _sigmoid(z)
        if self.threshold is not None:
            d = np.where(z > self.threshold, 1.0, d)
        return d * t[0]


class LogSigmoid(Op):
    """log(sigmoid(x)) = -softplus(-x), stable: d/dx = 1 - sigmoid(x) = sigmoid(-x)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (g * call(Sigmoid, -inputs[0]),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return _sigmoid(-inputs[0]) * t[0]  # not 1 - sigmoid(x): 0 once that rounds to 1


class SiLU(Op):
    """x sigmoid(x) (swish): d/dx = s (1 + x (1 - s)), s = sigmoid(x)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * _sigmoid(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        x = inputs[0]
        s = call(Sigmoid, x)
        return (g * (s * (1.0 + x * (1.0 - s))),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        x = inputs[0]
        s = _sigmoid(x)
        return (s + x * s * (1.0 - s)) * t[0]


class Mish(Op):
    """x tanh(softplus(x)): d/dx = tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2), sp = softplus(x).

    softplus without torch's threshold here (torch's mish has none either).
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * np.tanh(_softplus(x))

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        x = inputs[0]
        ts = call(Tanh, call(Softplus, x, beta=1.0, threshold=None))
        return (g * (ts + x * call(Sigmoid, x) * (1.0 - ts * ts)),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        x = inputs[0]
        ts = np.tanh(_softplus(x))
        return (ts + x * _sigmoid(x) * (1.0 - ts * ts)) * t[0]


class GELU(Op):
    """x Phi(x), Phi the standard normal CDF; ``approximate="tanh"`` uses torch's tanh form.

    Exact: Phi(x) = erfc(-x / sqrt 2) / 2, d/dx = Phi(x) + x phi(x), phi(x) = e^{-x^2/2} /
    sqrt(2 pi), with x clamped to +-40 inside phi (where phi is 0 already, so x^2 cannot
    overflow). (torch computes 1 + erf(x / sqrt 2), which rounds to 0 for x < -8.3: the two
    agree to 1e-16 absolute, this one is also accurate relatively there.)
    tanh: x (1 + tanh(u)) / 2, u = K (x + C x^3), K = sqrt(2/pi), C = 0.044715;
    d/dx = (1 + tanh u) / 2 + x (1 - tanh^2 u) K (1 + 3 C x^2) / 2, computed as
    p (1 + 2 x q K (1 + 3 C x^2)) with p = sigmoid(2u), q = sigmoid(-2u): 1 + tanh u = 2p
    and 1 - tanh^2 u = 4pq, without the cancellation of 1 + tanh u for u << 0 (full relative
    precision for x < -3). For |x| > 30, p and q are exactly 0 or 1, so x is clamped there
    inside u: x^3 never overflows, and 0 * inf never turns the derivative into NaN.
    """

    def forward(self, x: np.ndarray, approximate: str = "none") -> np.ndarray:
        if approximate not in ("none", "tanh"):
            raise ValueError(f'gelu: approximate must be "none" or "tanh", got {approximate!r}')
        self.approximate = approximate
        if approximate == "none":
            return 0.5 * x * erfc_array(x * -_INV_SQRT2)
        xc = np.clip(x, -_TANH_FLAT, _TANH_FLAT)
        return 0.5 * x * (1.0 + np.tanh(_K * (xc + _C * xc * xc * xc)))

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        x = inputs[0]
        if self.approximate == "none":
            cdf = 0.5 * call(Erfc, x * -_INV_SQRT2)
            xc = call(Clamp, x, min=-_PDF_FLAT, max=_PDF_FLAT)
            pdf = _INV_SQRT_2PI * call(Exp, -0.5 * (xc * xc))
            return (g * (cdf + x * pdf),)
        xc = call(Clamp, x, min=-_TANH_FLAT, max=_TANH_FLAT)
        u2 = (2.0 * _K) * (xc + _C * (xc * xc * xc))
        p, q = call(Sigmoid, u2), call(Sigmoid, -u2)
        inner = _K * (1.0 + (3.0 * _C) * (xc * xc))
        # xc for x: beyond the clamp p = 0 (x < 0) or q = 0 (x > 0) exactly, so nothing
        # changes, and 2 x q inner cannot overflow to give 0 * inf
        return (g * (p * (1.0 + 2.0 * xc * q * inner)),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        x = inputs[0]
        if self.approximate == "none":
            cdf = 0.5 * erfc_array(x * -_INV_SQRT2)
            xc = np.clip(x, -_PDF_FLAT, _PDF_FLAT)
            return (cdf + x * _INV_SQRT_2PI * np.exp(-0.5 * xc * xc)) * t[0]
        xc = np.clip(x, -_TANH_FLAT, _TANH_FLAT)
        u2 = 2.0 * _K * (xc + _C * xc**3)
        p, q = _sigmoid(u2), _sigmoid(-u2)
        return p * (1.0 + 2.0 * xc * q * _K * (1.0 + 3.0 * _C * xc * xc)) * t[0]
