"""Elementwise arithmetic and matrix multiplication, forward and backward side by side."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .base import Grad, Op
from .tangents import lift, plus, times

__all__ = ["Add", "Sub", "Mul", "Div", "Pow", "Cast", "Neg", "Exp", "Log", "MatMul"]


def _broadcast_error(name: str, a: np.ndarray, b: np.ndarray) -> ValueError:
    return ValueError(f"{name}: shapes {a.shape} and {b.shape} cannot be broadcast together")


class Add(Op):
    """a + b with broadcasting: d/da = d/db = 1."""

    saves = ()  # backward passes g on: no array of the forward is read

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            return a + b
        except ValueError:
            raise _broadcast_error("add", a, b) from None

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return g, g  # the engine reduces each to its input's shape

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return plus(t[0], t[1])  # None: an input without a tangent (ops/tangents.py)


class Sub(Op):
    """a - b with broadcasting: d/da = 1, d/db = -1."""

    saves = ()  # backward passes g on: no array of the forward is read

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            return a - b
        except ValueError:
            raise _broadcast_error("sub", a, b) from None

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return g, (-g if self.needs[1] else None)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return plus(t[0], times(-1.0, t[1]))


class Mul(Op):
    """a * b with broadcasting: d/da = b, d/db = a."""

    saves = (0, 1)  # both factors, not the product

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            return a * b
        except ValueError:
            raise _broadcast_error("mul", a, b) from None

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        a, b = inputs
        return (g * b if self.needs[0] else None), (g * a if self.needs[1] else None)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        a, b = inputs
        return plus(times(b, t[0]), times(a, t[1]))  # the product rule


class Div(Op):
    """a / b with broadcasting: d/da = 1/b, d/db = -a/b**2."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            return a / b
        except ValueError:
            raise _broadcast_error("div", a, b) from None

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        _, b = inputs
        # d(a/b)/db = -a/b**2 = -out/b: reuses the output instead of squaring b.
        return (g / b if self.needs[0] else None), (-g * out / b if self.needs[1] else None)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        # d(a/b) = da/b - a db/b^2 = (da - (a/b) db) / b
        return plus(t[0], times(-out, t[1])) / inputs[1]


class Pow(Op):
    """x ** p for a constant number p: d/dx = p x^(p-1), taken as 0 for p = 0 (as torch).

    dtypes as numpy: a float x keeps its dtype, an int x with an int p stays int (2 ** 3 = 8,
    an int64), an int x with a float p becomes float64. Negative int powers of ints refuse.
    """

    def forward(self, x: np.ndarray, exponent: float) -> np.ndarray:
        self.exponent = exponent
        if x.dtype.kind == "f":
            return np.power(x, x.dtype.type(exponent))
        if isinstance(exponent, (int, np.integer)) and exponent < 0:
            raise ValueError(
                f"pow: integers to negative integer powers are not allowed (** {exponent}); "
                "convert the base to float first, e.g. x.astype(np.float64)"
            )
        return np.power(x, exponent)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        (x,) = inputs
        p = self.exponent
        if p == 0.0:
            return (g * 0.0,)
        return (g * p * x ** (p - 1.0),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        p = self.exponent
        return t[0] * 0.0 if p == 0.0 else p * inputs[0] ** (p - 1.0) * t[0]


class Cast(Op):
    """x converted to another dtype: d/dx = 1 (the engine casts g back to x's dtype)."""

    def forward(self, x: np.ndarray, dtype: np.dtype[Any]) -> np.ndarray:
        return x.astype(dtype)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (g,)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return t[0].astype(out.dtype)


class Neg(Op):
    """-x: d/dx = -1."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return -x

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (-g,)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return -t[0]


class Exp(Op):
    """e**x: d/dx = e**x."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.exp(x)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (g * out,)  # d e^x / dx = e^x, which is the output: nothing recomputed

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return out * t[0]


class Log(Op):
    """Natural log: d/dx = 1/x."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.log(x)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (g / inputs[0],)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return t[0] / inputs[0]


class MatMul(Op):
    """a @ b with numpy's rules: 1-D operands are promoted, leading axes broadcast."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"matmul: both operands need at least 1 dimension, got {a.shape} @ {b.shape}"
            )
        if a.shape[-1] != b.shape[0 if b.ndim == 1 else -2]:
            k = b.shape[0 if b.ndim == 1 else -2]
            raise ValueError(
                f"matmul: shapes {a.shape} and {b.shape} do not align "
                f"({a.shape[-1]} columns on the left, {k} rows on the right)"
            )
        try:
            return np.matmul(a, b)
        except ValueError:
            raise _broadcast_error("matmul (batch axes)", a, b) from None

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        a, b = inputs
        # Promote 1-D operands to matrices, as the forward did, so one rule covers all cases.
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = g2.reshape((*g2.shape[:-1], 1, g2.shape[-1]) if b.ndim > 1 else (1, -1))
        if b.ndim == 1:
            g2 = g2.reshape((*g2.shape, 1)) if a.ndim > 1 else g2.reshape(1, 1)
        ga = gb = None
        if self.needs[0]:
            ga = g2 @ b2.swapaxes(-1, -2)  # shaped like the broadcast a2
            if a.ndim == 1:
                ga = ga.reshape((*ga.shape[:-2], ga.shape[-1]))
        if self.needs[1]:
            gb = a2.swapaxes(-1, -2) @ g2  # shaped like the broadcast b2
            if b.ndim == 1:
                gb = gb.reshape(gb.shape[:-1])
        return ga, gb

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        a, b = inputs
        # bilinear: d(ab) = da b + a db
        return plus(
            lift(lambda da: np.matmul(da, b), t[0]), lift(lambda db: np.matmul(a, db), t[1])
        )
