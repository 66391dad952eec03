"""Activations on a ``Value``: ``v.sigmoid()``, ``v.softplus()``, ``v.leaky_relu()``, ...

Mixed into ``Value``, one node per call with its local partial as a float.
Values and derivatives are the tensor engine's (``tinygrad_mlp.ops.activation`` and
``activation_smooth``), the same stable formulas and the same
derivative at every kink: leaky_relu'(0) = slope, elu'(0) = alpha, hardtanh' = 0 at its
bounds, hardsigmoid'(+-3) = 0, hardswish'(-3) = -1/2 and hardswish'(3) = 3/2.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value

__all__ = ["ScalarActivations", "sigmoid", "softplus"]

SELU_ALPHA = 1.6732632423543772848170429916717  # as in tinygrad_mlp.ops.activation
SELU_SCALE = 1.0507009873554804934193349852946
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_K = math.sqrt(2.0 / math.pi)
_C = 0.044715


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x) without overflow: e^-|x| <= 1 is the only exponential formed."""
    e = math.exp(-abs(x))
    return 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)


def softplus(z: float) -> float:
    """log(1 + e^z) without overflow: max(z, 0) + log1p(e^-|z|)."""
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


class ScalarActivations:
    """Activation functions as methods of a scalar ``Value``."""

    __slots__ = ()

    if TYPE_CHECKING:
        data: float

        def _unary(self, y: float, d: float, op: str) -> Value: ...

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), finite for any x; d/dx = s (1 - s)."""
        s = sigmoid(self.data)
        return self._unary(s, s * (1.0 - s), "sigmoid")

    def logsigmoid(self) -> Value:
        """log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|); d/dx = sigmoid(-x)."""
        x = self.data
        return self._unary(min(x, 0.0) - math.log1p(math.exp(-abs(x))), sigmoid(-x), "logsigmoid")

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Value:
        """log(1 + e^(beta x)) / beta, x where beta x > threshold; d/dx = sigmoid(beta x),
        1 past the threshold (torch's switch)."""
        if not beta > 0:
            raise ValueError(f"Value.softplus: beta must be positive, got {beta}")
        x = self.data
        z = x * beta
        if z > threshold:
            return self._unary(x, 1.0, "softplus")
        return self._unary(softplus(z) / beta, sigmoid(z), "softplus")

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """x for x > 0, slope * x otherwise; d/dx = 1 for x > 0, the slope at 0 and below."""
        x = self.data
        if x > 0:
            return self._unary(x, 1.0, "leaky_relu")
        return self._unary(x * negative_slope, negative_slope, "leaky_relu")

    def _elu(self, alpha: float, scale: float, input_scale: float, op: str) -> Value:
        x = self.data
        if x > 0:
            return self._unary(x * scale, scale, op)
        e = math.exp(x * input_scale)
        y = alpha * scale * math.expm1(x * input_scale)
        return self._unary(y, input_scale * scale * alpha * e, op)

    def elu(self, alpha: float = 1.0) -> Value:
        """x for x > 0, alpha (e^x - 1) otherwise; d/dx = alpha e^x for x <= 0 (alpha at 0)."""
        return self._elu(alpha, 1.0, 1.0, "elu")

    def selu(self) -> Value:
        """scale * elu(x, alpha) with the self-normalising constants (torch's)."""
        return self._elu(SELU_ALPHA, SELU_SCALE, 1.0, "selu")

    def celu(self, alpha: float = 1.0) -> Value:
        """x for x > 0, alpha (e^(x/alpha) - 1) otherwise; d/dx = e^(x/alpha) (1 at 0)."""
        if alpha == 0:
            raise ValueError("Value.celu: alpha must not be 0 (it divides x)")
        return self._elu(alpha, 1.0, 1.0 / alpha, "celu")

    def gelu(self, approximate: str = "none") -> Value:
        """x Phi(x); ``approximate="tanh"`` for torch's tanh form (x clamped to +-10 inside
        tanh's argument, where tanh is +-1 already, as in the tensor engine)."""
        x = self.data
        if approximate == "none":
            cdf = 0.5 * math.erfc(-x * _INV_SQRT2)
            return self._unary(x * cdf, cdf + x * _INV_SQRT_2PI * math.exp(-0.5 * x * x), "gelu")
        if approximate != "tanh":
            raise ValueError(
                f'Value.gelu: approximate must be "none" or "tanh", got {approximate!r}'
            )
        xc = min(max(x, -10.0), 10.0)
        t = math.tanh(_K * (xc + _C * xc * xc * xc))
        d = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _K * (1.0 + 3.0 * _C * xc * xc)
        return self._unary(0.5 * x * (1.0 + t), d, "gelu")

    def silu(self) -> Value:
        """x sigmoid(x); d/dx = s (1 + x (1 - s))."""
        x = self.data
        s = sigmoid(x)
        return self._unary(x * s, s * (1.0 + x * (1.0 - s)), "silu")

    def mish(self) -> Value:
        """x tanh(softplus(x)); d/dx = tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2)."""
        x = self.data
        t = math.tanh(softplus(x))
        return self._unary(x * t, t + x * sigmoid(x) * (1.0 - t * t), "mish")

    def softsign(self) -> Value:
        """x / (1 + |x|); d/dx = 1 / (1 + |x|)^2."""
        x = self.data
        d = 1.0 + abs(x)
        return self._unary(x / d, 1.0 / (d * d), "softsign")

    def hardtanh(self, min_val: float = -1.0, max_val: float = 1.0) -> Value:
        """clip(x, min_val, max_val); d/dx = 1 strictly inside, 0 at the bounds (torch)."""
        if min_val > max_val:
            raise ValueError(f"Value.hardtanh: min_val {min_val} is greater than max_val {max_val}")
        x = self.data
        y = min(max(x, min_val), max_val)
        return self._unary(float(y), 1.0 if min_val < x < max_val else 0.0, "hardtanh")

    def relu6(self) -> Value:
        """hardtanh(x, 0, 6); d/dx = 0 at 0 and at 6 (torch)."""
        return self.hardtanh(0.0, 6.0)

    def hardsigmoid(self) -> Value:
        """min(max(x + 3, 0), 6) / 6; d/dx = 1/6 on (-3, 3), 0 elsewhere (0 at +-3)."""
        x = self.data
        return self._unary(
            min(max(x + 3.0, 0.0), 6.0) / 6.0, 1 / 6 if -3 < x < 3 else 0.0, "hardsigmoid"
        )

    def hardswish(self) -> Value:
        """x * hardsigmoid(x); d/dx = 0 below -3, x/3 + 1/2 on [-3, 3], 1 above."""
        x = self.data
        d = 0.0 if x < -3 else (x / 3.0 + 0.5 if x <= 3 else 1.0)
        return self._unary(x * min(max(x + 3.0, 0.0), 6.0) / 6.0, d, "hardswish")
