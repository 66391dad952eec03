"""Activations: relu (the seed's), tanh, sigmoid and the piecewise ones, one class each.

Piecewise activations (leaky relu, elu, hardtanh, hardsigmoid, hardswish) state their
derivative at each kink in their docstrings; all but hardswish take torch's (the branch
torch's kernels choose), and the comparison is written once per class, shared by backward
and jvp. The smooth activations
built on softplus and erf are in ``activation_smooth``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import Grad, Op, call, data_of
from .binary import Where
from .elementwise import Abs
from .math import Exp

__all__ = [
    "ReLU",
    "Tanh",
    "Sigmoid",
    "LeakyReLU",
    "ELU",
    "Hardtanh",
    "Hardsigmoid",
    "Hardswish",
    "Softsign",
    "SELU_ALPHA",
    "SELU_SCALE",
]

Grads = Sequence[Grad]
Arrays = Sequence[np.ndarray]

# selu's constants (Klambauer et al. 2017), to the digits torch uses
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class ReLU(Op):
    """max(x, 0): d/dx = 1[x > 0] (0 at the kink x = 0, by convention; 1 at NaN, as torch's
    threshold_backward, which zeroes only where out <= 0)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        # relu'(0) is taken as 0 (the seed's convention, and torch's): the mask is x > 0,
        # not x >= 0. The mask is a constant, so relu's second derivative is 0 off the kink.
        return (g * ~(data_of(out) <= 0),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return t[0] * ~(inputs[0] <= 0)  # the same conventions at 0 (slope 0) and NaN


class Tanh(Op):
    """tanh(x): d/dx = 1 - tanh(x)^2 = sech^2 x = 4 sigmoid(2x) sigmoid(-2x).

    The last form keeps full relative precision for large |x|: 1 - out^2 is 0 as soon as
    tanh(x) rounds to +-1 (|x| > 19 in float64), while sech^2 x is 4 e^{-2|x|} there.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        x2 = inputs[0] * 2.0  # on Tensors, nodes: tanh'' comes from Sigmoid's own rule
        return (g * (call(Sigmoid, x2) * call(Sigmoid, -x2) * 4.0),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        s = Sigmoid().forward  # sech^2 x from the input, as backward (cosh^2 overflows)
        return t[0] * (s(inputs[0] * 2.0) * s(inputs[0] * -2.0) * 4.0)


class Sigmoid(Op):
    """s(x) = 1 / (1 + e^-x), computed without overflow: d/dx = s(x) (1 - s(x)) = s(x) s(-x).

    The derivative is taken as s(x) s(-x): 1 - s(x) is 0 once s(x) rounds to 1 (x > 37 in
    float64), while s(-x) keeps e^{-x} to full relative precision.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        e = np.exp(-np.abs(x))  # <= 1: no overflow on either side
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (g * out * call(Sigmoid, -inputs[0]),)  # both nodes on Tensors: s'' follows

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        e = np.exp(-np.abs(inputs[0]))
        return t[0] * e / (1.0 + e) ** 2  # e^-|x| / (1 + e^-|x|)^2, the same for x and -x


def _in_dtype_of(values: np.ndarray, like: Grad) -> np.ndarray:
    """Float weights in g's dtype: a float32 gradient is not promoted by a float64 mask."""
    return values.astype(data_of(like).dtype, copy=False)


class LeakyReLU(Op):
    """x for x > 0, slope * x otherwise: d/dx = 1 for x > 0, slope for x <= 0.

    At the kink x = 0 the derivative is the slope (torch: ``x > 0 ? 1 : slope``).
    """

    def forward(self, x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
        self.slope = negative_slope
        return np.where(x > 0, x, x * negative_slope)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        d = np.where(data_of(inputs[0]) > 0, 1.0, self.slope)
        return (g * _in_dtype_of(d, g),)  # piecewise linear: the slope is a constant

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return np.where(inputs[0] > 0, t[0], self.slope * t[0])


class ELU(Op):
    """scale * x for x > 0, scale * alpha * (e^(input_scale x) - 1) otherwise.

    elu is (alpha, 1, 1), selu (SELU_ALPHA, SELU_SCALE, 1), celu (alpha, 1, 1/alpha), as in
    torch. d/dx = scale for x > 0, else input_scale * scale * alpha * e^(input_scale x),
    computed from e^(input_scale x) itself: ``out + scale * alpha`` would lose every digit
    to cancellation for x << 0 (at x = -40 in float64 it is exactly 0). At x = 0 the second
    branch is taken (torch's ``x <= 0``): elu'(0) = alpha, selu'(0) = SELU_SCALE * SELU_ALPHA,
    celu'(0) = 1; at NaN the first (``x <= 0`` is false), as torch: d/dx = scale.
    """

    def forward(
        self, x: np.ndarray, alpha: float = 1.0, scale: float = 1.0, input_scale: float = 1.0
    ) -> np.ndarray:
        self.alpha, self.scale, self.input_scale = alpha, scale, input_scale
        # min(x, 0): the unused branch of a large x never overflows
        neg = (alpha * scale) * np.expm1(np.minimum(x, 0) * input_scale)
        return np.where(x > 0, x * scale, neg)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        x = inputs[0]
        neg = data_of(x) <= 0
        c = self.input_scale
        # x replaced by 0 off the negative branch (a large x would overflow e^(c x)), then
        # e^(c x) <= 1 as a node of x, so the second derivative c^2 s a e^(c x) follows
        e = call(Exp, call(Where, neg, x, np.zeros((), dtype=data_of(x).dtype)) * c)
        d = e * _in_dtype_of(neg * (c * self.scale * self.alpha), g)
        return (g * (d + _in_dtype_of(~neg * self.scale, g)),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        x, c = inputs[0], self.input_scale
        neg = (c * self.scale * self.alpha) * np.exp(np.minimum(x, 0) * c)
        return np.where(x <= 0, neg, self.scale) * t[0]


class Hardtanh(Op):
    """clip(x, lo, hi): d/dx = 1 for lo < x < hi, 0 outside and at the bounds, 1 at NaN (as
    torch's scalar kernel, which zeroes where x <= lo or x >= hi; its vectorised one, used
    for 8 float64 entries and more, gives 0 at NaN instead).

    relu6 is hardtanh(x, 0, 6), as in torch, so relu6'(0) = relu6'(6) = 0.
    """

    def forward(self, x: np.ndarray, min_val: float = -1.0, max_val: float = 1.0) -> np.ndarray:
        if min_val > max_val:
            raise ValueError(f"hardtanh: min_val {min_val} is greater than max_val {max_val}")
        self.lo, self.hi = min_val, max_val
        return np.clip(x, min_val, max_val)

    def _inside(self, x: np.ndarray) -> np.ndarray:
        return ~((x <= self.lo) | (x >= self.hi))  # open interval: torch's hardtanh_backward

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (g * self._inside(data_of(inputs[0])),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return np.where(self._inside(inputs[0]), t[0], 0.0)


class Hardsigmoid(Op):
    """min(max(x + 3, 0), 6) / 6: d/dx = 1/6 for -3 < x < 3, else 0 (0 at +-3, as torch)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.clip(x + 3, 0, 6) / 6

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        x = data_of(inputs[0])
        return (g * ((x > -3) & (x < 3)) / 6.0,)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        x = inputs[0]
        return np.where((x > -3) & (x < 3), t[0] / 6.0, 0.0)


class Hardswish(Op):
    """x * min(max(x + 3, 0), 6) / 6: d/dx = 0 for x < -3, x/3 + 1/2 for -3 <= x <= 3, else 1.

    Both kinks take the middle branch: hardswish'(-3) = -1/2, hardswish'(3) = 3/2 (torch 2.13
    and 2.14 take the outer ones, 0 and 1: measured in tests/test_against_torch.py). At NaN
    it is 1 (torch's scalar kernel: x < -3 ? 0 : x <= 3 ? x/3 + 1/2 : 1).
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * np.clip(x + 3, 0, 6) / 6

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        x = inputs[0]
        xd = data_of(x)
        middle = (xd >= -3) & (xd <= 3)
        above = ~(xd < -3) & ~middle  # x > 3, and NaN
        # x/3 + 1/2 stays a function of x (hardswish'' = 1/3 in the middle), selected, not
        # multiplied by the mask: NaN * 0 would be NaN
        zero = np.zeros((), dtype=xd.dtype)
        return (g * (call(Where, middle, x / 3.0 + 0.5, zero) + _in_dtype_of(above, g)),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        x = inputs[0]
        return np.where(x < -3, 0.0, np.where(x <= 3, x / 3.0 + 0.5, 1.0)) * t[0]  # NaN: 1


class Softsign(Op):
    """x / (1 + |x|): d/dx = 1 / (1 + |x|)^2 (continuous at 0, where it is 1)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x / (1 + np.abs(x))

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        den = 1.0 + call(Abs, inputs[0])
        return (g / den / den,)  # twice, not by den^2: that overflows for |x| > 1e154

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        d = 1.0 + np.abs(inputs[0])
        return t[0] / d / d
