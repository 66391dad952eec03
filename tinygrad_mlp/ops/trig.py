"""Trigonometric and hyperbolic functions and their inverses, one class each.

Derivatives that involve another function call that function's op (sin' = cos, asin' =
rsqrt(1 - x^2)), so under ``create_graph=True`` they are graph nodes and differentiate again.
``1 - x^2`` is written ``(1 - x)(1 + x)``: the same number without the cancellation of
``1 - x*x`` as |x| approaches 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import Grad, Op, call
from .elementwise import Rsqrt

__all__ = ["Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh"]

Grads = Sequence[Grad]
Arrays = Sequence[np.ndarray]


class Sin(Op):
    """sin(x): d/dx = cos(x)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sin(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (g * call(Cos, inputs[0]),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return np.cos(inputs[0]) * t[0]


class Cos(Op):
    """cos(x): d/dx = -sin(x)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.cos(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (-g * call(Sin, inputs[0]),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return -np.sin(inputs[0]) * t[0]


class Tan(Op):
    """tan(x): d/dx = 1 + tan(x)^2 = 1 / cos(x)^2."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.tan(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (g * (1.0 + out * out),)  # from the output: tan'' comes with it

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        c = np.cos(inputs[0])
        return t[0] / (c * c)


class Asin(Op):
    """arcsin(x) for |x| <= 1: d/dx = 1 / sqrt(1 - x^2) (infinite at +-1)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.arcsin(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        x = inputs[0]
        return (g * call(Rsqrt, (1.0 - x) * (1.0 + x)),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        x = inputs[0]
        return t[0] / np.sqrt((1.0 - x) * (1.0 + x))


class Acos(Op):
    """arccos(x) for |x| <= 1: d/dx = -1 / sqrt(1 - x^2)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.arccos(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        x = inputs[0]
        return (-g * call(Rsqrt, (1.0 - x) * (1.0 + x)),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        x = inputs[0]
        return -t[0] / np.sqrt((1.0 - x) * (1.0 + x))


class Atan(Op):
    """arctan(x): d/dx = 1 / (1 + x^2)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.arctan(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        x = inputs[0]
        return (g / (1.0 + x * x),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        x = inputs[0]
        return t[0] / (x * x + 1.0)


class Sinh(Op):
    """sinh(x): d/dx = cosh(x)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sinh(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (g * call(Cosh, inputs[0]),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return np.cosh(inputs[0]) * t[0]


class Cosh(Op):
    """cosh(x): d/dx = sinh(x)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.cosh(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (g * call(Sinh, inputs[0]),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return np.sinh(inputs[0]) * t[0]


class Asinh(Op):
    """arsinh(x): d/dx = 1 / sqrt(x^2 + 1)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.arcsinh(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        x = inputs[0]
        return (g * call(Rsqrt, x * x + 1.0),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return t[0] / np.hypot(inputs[0], 1.0)


class Acosh(Op):
    """arcosh(x) for x >= 1: d/dx = 1 / sqrt(x^2 - 1) (infinite at 1)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.arccosh(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        x = inputs[0]
        return (g * call(Rsqrt, (x - 1.0) * (x + 1.0)),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        x = inputs[0]
        return t[0] / np.sqrt((x - 1.0) * (x + 1.0))


class Atanh(Op):
    """artanh(x) for |x| < 1: d/dx = 1 / (1 - x^2)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.arctanh(x)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        x = inputs[0]
        return (g / ((1.0 - x) * (1.0 + x)),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        x = inputs[0]
        return t[0] / ((1.0 - x) * (1.0 + x))
