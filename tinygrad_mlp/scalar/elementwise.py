"""Elementwise math on a ``Value``: ``v.sqrt()``, ``v.sin()``, ``v.maximum(w)``, ...

Mixed into ``Value``. Each method computes the number and its local partial
derivative as floats, in the forward pass, and makes one node: the same design as Value's
own ops (no closures, no cycles). Derivatives and kink conventions are the tensor engine's
(``tinygrad_mlp.ops``): abs'(0) = 0, a tie in maximum/minimum splits the gradient 1/2,
1/2, clamp passes it at its bounds. A number outside a function's domain raises a
ValueError naming the function and the number, never a NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from .value import Value

__all__ = ["ScalarMath", "checked"]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def checked(fn: Callable[[float], float], x: float, name: str, domain: str) -> float:
    """fn(x), with math's bare "math domain error" turned into a message that says which."""
    try:
        return fn(x)
    except ValueError:
        raise ValueError(f"Value.{name}: needs {domain}, got {x!r}") from None
    except OverflowError:
        raise OverflowError(f"Value.{name}({x!r}) overflows float64") from None


class ScalarMath:
    """Unary math and maximum/minimum/clamp as methods of a scalar ``Value``."""

    __slots__ = ()

    if TYPE_CHECKING:
        data: float

        @staticmethod
        def _node(
            data: float, prev: tuple[Value, ...], local: tuple[float, ...], op: str
        ) -> Value: ...

    def _unary(self, y: float, d: float, op: str) -> Value:
        """A node with one parent, this Value, and local partial d(op)/d(self) = d."""
        return self._node(y, (cast("Value", self),), (d,), op)

    def abs(self) -> Value:
        """|x|; d/dx = sign(x), 0 at x = 0 (as torch)."""
        x = self.data
        return self._unary(abs(x), float((x > 0) - (x < 0)) if x == x else x, "abs")

    def __abs__(self) -> Value:
        return self.abs()

    def sign(self) -> Value:
        """sign(x) in {-1, 0, 1}; d/dx = 0."""
        x = self.data
        return self._unary(float((x > 0) - (x < 0)), 0.0, "sign")

    def sqrt(self) -> Value:
        """sqrt(x), x >= 0; d/dx = 1 / (2 sqrt x), inf at 0 (as the tensor engine)."""
        y = checked(math.sqrt, self.data, "sqrt", "x >= 0")
        return self._unary(y, math.inf if y == 0.0 else 0.5 / y, "sqrt")

    def rsqrt(self) -> Value:
        """1 / sqrt(x), x > 0; d/dx = -x^(-3/2) / 2."""
        x = self.data
        if not x > 0.0:
            raise ValueError(f"Value.rsqrt: needs x > 0, got {x!r}")
        y = 1.0 / math.sqrt(x)
        return self._unary(y, -0.5 * y / x, "rsqrt")

    def square(self) -> Value:
        """x^2; d/dx = 2x."""
        x = self.data
        return self._unary(x * x, 2.0 * x, "square")

    def reciprocal(self) -> Value:
        """1 / x, x != 0; d/dx = -1/x^2."""
        x = self.data
        if x == 0.0:
            raise ZeroDivisionError("Value.reciprocal: 1 / 0.0")
        y = 1.0 / x
        return self._unary(y, -y * y, "reciprocal")

    def exp2(self) -> Value:
        """2^x; d/dx = ln(2) 2^x."""
        y = checked(lambda x: 2.0**x, self.data, "exp2", "2^x to fit float64")
        return self._unary(y, math.log(2.0) * y, "exp2")

    def log2(self) -> Value:
        """log2(x), x > 0; d/dx = 1 / (x ln 2)."""
        x = self.data
        y = checked(math.log2, x, "log2", "x > 0")
        return self._unary(y, 1.0 / (x * math.log(2.0)), "log2")

    def log10(self) -> Value:
        """log10(x), x > 0; d/dx = 1 / (x ln 10)."""
        x = self.data
        y = checked(math.log10, x, "log10", "x > 0")
        return self._unary(y, 1.0 / (x * math.log(10.0)), "log10")

    def log1p(self) -> Value:
        """log(1 + x), x > -1, exact for tiny x; d/dx = 1 / (1 + x)."""
        x = self.data
        y = checked(math.log1p, x, "log1p", "x > -1")
        return self._unary(y, 1.0 / (1.0 + x), "log1p")

    def expm1(self) -> Value:
        """e^x - 1, exact for tiny x; d/dx = e^x."""
        y = checked(math.expm1, self.data, "expm1", "e^x to fit float64")
        return self._unary(y, y + 1.0, "expm1")

    def erf(self) -> Value:
        """erf(x); d/dx = 2/sqrt(pi) e^{-x^2}."""
        x = self.data
        return self._unary(math.erf(x), _TWO_OVER_SQRT_PI * math.exp(-x * x), "erf")

    def erfc(self) -> Value:
        """1 - erf(x); d/dx = -2/sqrt(pi) e^{-x^2}."""
        x = self.data
        return self._unary(math.erfc(x), -_TWO_OVER_SQRT_PI * math.exp(-x * x), "erfc")

    def sin(self) -> Value:
        """sin(x); d/dx = cos(x)."""
        x = self.data
        return self._unary(checked(math.sin, x, "sin", "a finite x"), math.cos(x), "sin")

    def cos(self) -> Value:
        """cos(x); d/dx = -sin(x)."""
        x = self.data
        return self._unary(checked(math.cos, x, "cos", "a finite x"), -math.sin(x), "cos")

    def tan(self) -> Value:
        """tan(x); d/dx = 1 + tan(x)^2."""
        y = checked(math.tan, self.data, "tan", "a finite x")
        return self._unary(y, 1.0 + y * y, "tan")

    def asin(self) -> Value:
        """arcsin(x), |x| <= 1; d/dx = 1 / sqrt(1 - x^2)."""
        x = self.data
        y = checked(math.asin, x, "asin", "|x| <= 1")
        return self._unary(y, _inv_sqrt((1.0 - x) * (1.0 + x)), "asin")

    def acos(self) -> Value:
        """arccos(x), |x| <= 1; d/dx = -1 / sqrt(1 - x^2)."""
        x = self.data
        y = checked(math.acos, x, "acos", "|x| <= 1")
        return self._unary(y, -_inv_sqrt((1.0 - x) * (1.0 + x)), "acos")

    def atan(self) -> Value:
        """arctan(x); d/dx = 1 / (1 + x^2)."""
        x = self.data
        return self._unary(math.atan(x), 1.0 / (1.0 + x * x), "atan")

    def sinh(self) -> Value:
        """sinh(x); d/dx = cosh(x)."""
        x = self.data
        y = checked(math.sinh, x, "sinh", "sinh(x) to fit float64")
        return self._unary(y, math.cosh(x), "sinh")

    def cosh(self) -> Value:
        """cosh(x); d/dx = sinh(x)."""
        x = self.data
        y = checked(math.cosh, x, "cosh", "cosh(x) to fit float64")
        return self._unary(y, math.sinh(x), "cosh")

    def asinh(self) -> Value:
        """arsinh(x); d/dx = 1 / sqrt(x^2 + 1)."""
        x = self.data
        return self._unary(math.asinh(x), 1.0 / math.hypot(x, 1.0), "asinh")

    def acosh(self) -> Value:
        """arcosh(x), x >= 1; d/dx = 1 / sqrt(x^2 - 1)."""
        x = self.data
        y = checked(math.acosh, x, "acosh", "x >= 1")
        return self._unary(y, _inv_sqrt((x - 1.0) * (x + 1.0)), "acosh")

    def atanh(self) -> Value:
        """artanh(x), |x| < 1; d/dx = 1 / (1 - x^2)."""
        x = self.data
        y = checked(math.atanh, x, "atanh", "|x| < 1")
        return self._unary(y, 1.0 / ((1.0 - x) * (1.0 + x)), "atanh")

    def maximum(self, other: Any) -> Value:
        """max(x, other); d/dx = 1 if x > other, 0 if x < other, 1/2 at a tie (as torch)."""
        return self._pick(other, 1.0, "maximum")

    def minimum(self, other: Any) -> Value:
        """min(x, other); d/dx = 1 if x < other, 0 if x > other, 1/2 at a tie (as torch)."""
        return self._pick(other, -1.0, "minimum")

    def _pick(self, other: Any, side: float, op: str) -> Value:
        """max (side 1) or min (side -1) of self and other: a Value or a number."""
        is_value = type(other) is type(self)
        x, o = self.data, float(other.data if is_value else other)
        w = 0.5 if x == o else float((x - o) * side > 0)  # self's share of the gradient
        y = x if w > 0.0 else o
        if x != x or o != o:
            y = math.nan  # NaN propagates, as numpy's maximum and minimum do
        if is_value:
            return self._node(y, (cast("Value", self), other), (w, 1.0 - w), op)
        return self._unary(y, w, op)

    def clamp(self, min: float | None = None, max: float | None = None) -> Value:
        """min(max(x, min), max) for number bounds; d/dx = 1 for min <= x <= max (bounds
        included, as torch), else 0."""
        if min is None and max is None:
            raise TypeError("Value.clamp: give at least one of min and max")
        x = self.data
        inside = (min is None or x >= min) and (max is None or x <= max)
        y = x
        if min is not None and y < min:
            y = float(min)
        if max is not None and y > max:
            y = float(max)
        return self._unary(y, 1.0 if inside else 0.0, "clamp")


def _inv_sqrt(u: float) -> float:
    return math.inf if u == 0.0 else 1.0 / math.sqrt(u)
