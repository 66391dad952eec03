"""Unary elementwise math (abs, sqrt, powers of 2 and 10, log1p, expm1, erf), one class each.

Each rule is written once for arrays and Tensors (see ``base``): the derivative is built
from operators, ``call`` of other ops, and constants taken with
``data_of``, so it can be differentiated again. Constants are Python floats, which
are "weak" (NEP 50): a float32 input stays float32 all the way through.
Integer inputs follow numpy (``sqrt`` of an int64 array is float64), except ``reciprocal``,
which follows torch (a true division, 1 / 2 = 0.5, where numpy's integer reciprocal gives 0).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .base import Grad, Op, call, data_of
from .binary import Clamp
from .math import Exp

__all__ = [
    "Abs",
    "Sign",
    "Sqrt",
    "Rsqrt",
    "Square",
    "Reciprocal",
    "Exp2",
    "Log2",
    "Log10",
    "Log1p",
    "Expm1",
    "Erf",
    "Erfc",
    "erf_array",
    "erfc_array",
]

Grads = Sequence[Grad]
Arrays = Sequence[np.ndarray]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_FLAT = 40.0  # e^{-x^2} is 0 in float64 for |x| > 27.3: clamping x there changes nothing
_ERF = np.frompyfunc(math.erf, 1, 1)  # C99 erf, to the last ulp; numpy has no erf of its own
_ERFC = np.frompyfunc(math.erfc, 1, 1)


def _float_dtype(x: np.ndarray) -> np.dtype[Any]:
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)


def erf_array(x: np.ndarray) -> np.ndarray:
    """erf(x) = 2/sqrt(pi) int_0^x e^{-t^2} dt, elementwise, exact to float64 round-off.

    numpy has no erf and scipy is not a dependency: this applies ``math.erf`` (the C
    library's) to every entry, in float64, and casts back to x's float dtype.

    Example::

        >>> erf_array(np.array([0.0, 1.0]))
        array([0.        , 0.84270079])
    """
    return np.asarray(_ERF(np.asarray(x, dtype=np.float64)), dtype=_float_dtype(x))


def erfc_array(x: np.ndarray) -> np.ndarray:
    """erfc(x) = 1 - erf(x), elementwise, without the cancellation of 1 - erf(x) for large x.

    Example::

        >>> erfc_array(np.array([0.0, 10.0]))
        array([1.00000000e+00, 2.08848758e-45])
    """
    return np.asarray(_ERFC(np.asarray(x, dtype=np.float64)), dtype=_float_dtype(x))


def _sign0(x: np.ndarray) -> np.ndarray:
    """sign(x) with 0 at NaN (torch's sgn; numpy's sign gives NaN there)."""
    return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)


class Abs(Op):
    """|x|: d/dx = sign(x), 0 at the kink x = 0 (torch's convention: sign(0) = 0) and at NaN
    (torch's sgn(NaN) = 0)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.abs(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        # sign(x) is a constant of the rule: abs'' = 0 everywhere off the kink
        return (g * _sign0(data_of(inputs[0])),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return t[0] * _sign0(inputs[0])


class Sign(Op):
    """sign(x) in {-1, 0, 1}: d/dx = 0 everywhere (torch's convention at the jump x = 0)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sign(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (np.zeros_like(data_of(g)),)  # a fresh constant: not g * 0 (inf * 0 is NaN)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return np.zeros_like(t[0])


class Sqrt(Op):
    """sqrt(x) for x >= 0: d/dx = 1 / (2 sqrt(x)) (infinite at 0)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sqrt(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (g * 0.5 / out,)  # the output is sqrt(x): nothing recomputed

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return 0.5 * t[0] / np.sqrt(inputs[0])


class Rsqrt(Op):
    """1 / sqrt(x) for x > 0: d/dx = -1 / (2 x^(3/2)) = -out^3 / 2."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / np.sqrt(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (g * (-0.5) * (out * out * out),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return -0.5 * t[0] * out / inputs[0]  # out / x = x^(-3/2)


class Square(Op):
    """x^2 (integers stay integers): d/dx = 2x."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * x

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (g * (2.0 * inputs[0]),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return 2.0 * inputs[0] * t[0]


class Reciprocal(Op):
    """1 / x, a true division as in torch (integers give floats): d/dx = -1/x^2."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / x

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (-g * (out * out),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        x = inputs[0]
        return -t[0] / (x * x)


class Exp2(Op):
    """2^x: d/dx = ln(2) 2^x."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.exp2(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (g * (_LN2 * out),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return _LN2 * np.exp2(inputs[0]) * t[0]


class Log2(Op):
    """log2(x) for x > 0: d/dx = 1 / (x ln 2)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.log2(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (g / (inputs[0] * _LN2),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return t[0] / (_LN2 * inputs[0])


class Log10(Op):
    """log10(x) for x > 0: d/dx = 1 / (x ln 10)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.log10(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (g / (inputs[0] * _LN10),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return t[0] / (_LN10 * inputs[0])


class Log1p(Op):
    """log(1 + x) for x > -1, exact for tiny x: d/dx = 1 / (1 + x)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.log1p(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (g / (1.0 + inputs[0]),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return t[0] / (inputs[0] + 1.0)


class Expm1(Op):
    """e^x - 1, exact for tiny x: d/dx = e^x = out + 1."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.expm1(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (g * (out + 1.0),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return np.exp(inputs[0]) * t[0]


class Erf(Op):
    """erf(x): d/dx = 2/sqrt(pi) e^{-x^2}."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return erf_array(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        x = call(Clamp, inputs[0], min=-_FLAT, max=_FLAT)  # no overflow in x^2 below
        return (g * (_TWO_OVER_SQRT_PI * call(Exp, -(x * x))),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        x = np.clip(inputs[0], -_FLAT, _FLAT)
        return _TWO_OVER_SQRT_PI * np.exp(-x * x) * t[0]


class Erfc(Op):
    """erfc(x) = 1 - erf(x), accurate where erf(x) is near 1: d/dx = -2/sqrt(pi) e^{-x^2}."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return erfc_array(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        x = call(Clamp, inputs[0], min=-_FLAT, max=_FLAT)
        return (g * (-_TWO_OVER_SQRT_PI * call(Exp, -(x * x))),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        x = np.clip(inputs[0], -_FLAT, _FLAT)
        return -_TWO_OVER_SQRT_PI * np.exp(-x * x) * t[0]
