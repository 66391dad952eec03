"""Tensor methods of unary elementwise math (exp, sqrt, log1p, erf, sin, asinh, ...).

Each method takes only the tensor and applies one op (``tinygrad_mlp.ops``); its docstring
states the value, the derivative and an example. ``tinygrad_mlp.functional`` makes
``F.<name>`` from every such method, with the same docstring, so a new unary op needs its
method here and no function there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ops as _ops

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["UnaryMathMethods"]


class UnaryMathMethods:
    """Unary elementwise math, mixed into ``Tensor`` (through ``MathMethods``)."""

    __slots__ = ()

    def exp(self) -> Tensor:
        """e^x; d/dx = e^x. ``Tensor(np.zeros(1)).exp().numpy()`` is ``[1.]``."""
        return _ops.Exp.apply(self)

    def log(self) -> Tensor:
        """Natural log; d/dx = 1/x. ``Tensor(np.ones(1)).log().numpy()`` is ``[0.]``."""
        return _ops.Log.apply(self)

    def abs(self) -> Tensor:
        """|x|; d/dx = sign(x), 0 at x = 0 (torch's convention).

        >>> Tensor(np.array([-2.0, 0.0, 3.0])).abs().numpy()
        array([2., 0., 3.])
        """
        return _ops.Abs.apply(self)

    def __abs__(self) -> Tensor:
        return _ops.Abs.apply(self)

    def sign(self) -> Tensor:
        """sign(x) in {-1, 0, 1}; d/dx = 0 everywhere, the jump at 0 included (as torch).

        >>> Tensor(np.array([-2.0, 0.0, 3.0])).sign().numpy()
        array([-1.,  0.,  1.])
        """
        return _ops.Sign.apply(self)

    def sqrt(self) -> Tensor:
        """sqrt(x) for x >= 0; d/dx = 1 / (2 sqrt x) (inf at 0; NaN below 0, as numpy warns).

        >>> Tensor(np.array([4.0, 9.0])).sqrt().numpy()
        array([2., 3.])
        """
        return _ops.Sqrt.apply(self)

    def rsqrt(self) -> Tensor:
        """1 / sqrt(x); d/dx = -x^(-3/2) / 2.

        >>> Tensor(np.array([4.0])).rsqrt().numpy()
        array([0.5])
        """
        return _ops.Rsqrt.apply(self)

    def square(self) -> Tensor:
        """x^2 (integers stay integers); d/dx = 2x.

        >>> Tensor(np.array([3])).square().numpy()
        array([9])
        """
        return _ops.Square.apply(self)

    def reciprocal(self) -> Tensor:
        """1 / x; d/dx = -1/x^2. Integers give floats (torch; numpy's integer 1/2 is 0).

        >>> Tensor(np.array([2])).reciprocal().numpy()
        array([0.5])
        """
        return _ops.Reciprocal.apply(self)

    def exp2(self) -> Tensor:
        """2^x; d/dx = ln(2) 2^x.

        >>> Tensor(np.array([3.0])).exp2().numpy()
        array([8.])
        """
        return _ops.Exp2.apply(self)

    def log2(self) -> Tensor:
        """log2(x); d/dx = 1 / (x ln 2).

        >>> Tensor(np.array([8.0])).log2().numpy()
        array([3.])
        """
        return _ops.Log2.apply(self)

    def log10(self) -> Tensor:
        """log10(x); d/dx = 1 / (x ln 10).

        >>> Tensor(np.array([100.0])).log10().numpy()
        array([2.])
        """
        return _ops.Log10.apply(self)

    def log1p(self) -> Tensor:
        """log(1 + x), exact for tiny x; d/dx = 1 / (1 + x).

        >>> Tensor(np.array([1e-20])).log1p().numpy()
        array([1.e-20])
        """
        return _ops.Log1p.apply(self)

    def expm1(self) -> Tensor:
        """e^x - 1, exact for tiny x; d/dx = e^x.

        >>> Tensor(np.array([1e-20])).expm1().numpy()
        array([1.e-20])
        """
        return _ops.Expm1.apply(self)

    def erf(self) -> Tensor:
        """erf(x) = 2/sqrt(pi) int_0^x e^{-t^2} dt (the C library's, per entry); d/dx =
        2/sqrt(pi) e^{-x^2}.

        >>> Tensor(np.array([0.0, 1.0])).erf().numpy()
        array([0.        , 0.84270079])
        """
        return _ops.Erf.apply(self)

    def erfc(self) -> Tensor:
        """1 - erf(x), accurate for large x; d/dx = -2/sqrt(pi) e^{-x^2}.

        >>> Tensor(np.array([0.0])).erfc().numpy()
        array([1.])
        """
        return _ops.Erfc.apply(self)

    def sin(self) -> Tensor:
        """sin(x); d/dx = cos(x). ``Tensor(np.zeros(1)).sin().numpy()`` is ``[0.]``."""
        return _ops.Sin.apply(self)

    def cos(self) -> Tensor:
        """cos(x); d/dx = -sin(x). ``Tensor(np.zeros(1)).cos().numpy()`` is ``[1.]``."""
        return _ops.Cos.apply(self)

    def tan(self) -> Tensor:
        """tan(x); d/dx = 1 + tan(x)^2. ``Tensor(np.zeros(1)).tan().numpy()`` is ``[0.]``."""
        return _ops.Tan.apply(self)

    def asin(self) -> Tensor:
        """arcsin(x), |x| <= 1; d/dx = 1 / sqrt(1 - x^2).

        >>> Tensor(np.array([1.0])).asin().numpy()
        array([1.57079633])
        """
        return _ops.Asin.apply(self)

    def acos(self) -> Tensor:
        """arccos(x), |x| <= 1; d/dx = -1 / sqrt(1 - x^2).

        >>> Tensor(np.array([1.0])).acos().numpy()
        array([0.])
        """
        return _ops.Acos.apply(self)

    def atan(self) -> Tensor:
        """arctan(x); d/dx = 1 / (1 + x^2). ``Tensor(np.zeros(1)).atan().numpy()`` is ``[0.]``."""
        return _ops.Atan.apply(self)

    def sinh(self) -> Tensor:
        """sinh(x); d/dx = cosh(x). ``Tensor(np.zeros(1)).sinh().numpy()`` is ``[0.]``."""
        return _ops.Sinh.apply(self)

    def cosh(self) -> Tensor:
        """cosh(x); d/dx = sinh(x). ``Tensor(np.zeros(1)).cosh().numpy()`` is ``[1.]``."""
        return _ops.Cosh.apply(self)

    def asinh(self) -> Tensor:
        """arsinh(x); d/dx = 1 / sqrt(x^2 + 1). ``Tensor(np.zeros(1)).asinh()`` is 0."""
        return _ops.Asinh.apply(self)

    def acosh(self) -> Tensor:
        """arcosh(x), x >= 1; d/dx = 1 / sqrt(x^2 - 1). ``Tensor(np.ones(1)).acosh()`` is 0."""
        return _ops.Acosh.apply(self)

    def atanh(self) -> Tensor:
        """artanh(x), |x| < 1; d/dx = 1 / (1 - x^2). ``Tensor(np.zeros(1)).atanh()`` is 0."""
        return _ops.Atanh.apply(self)
