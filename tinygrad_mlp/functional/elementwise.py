"""Unary elementwise math under torch's names: F.sqrt, F.sin, F.log1p, F.erf, ...

Each function applies one op (``tinygrad_mlp.ops``); the op's docstring has the formula of
its derivative. Where torch and numpy differ these follow torch: ``reciprocal`` of integers
is a true division (numpy's integer reciprocal rounds to 0). Otherwise dtypes follow numpy:
a float32 input stays float32, an integer input of sqrt, sin, ... gives float64.
"""

from __future__ import annotations

from .. import ops
from ..tensor import Tensor

__all__ = [
    "exp",
    "log",
    "abs",
    "sign",
    "sqrt",
    "rsqrt",
    "square",
    "reciprocal",
    "exp2",
    "log2",
    "log10",
    "log1p",
    "expm1",
    "erf",
    "erfc",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "asinh",
    "acosh",
    "atanh",
]


def check_tensor(x: object, who: str) -> Tensor:
    """``x`` itself if it is a Tensor; otherwise a TypeError that names the function."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: expected a Tensor, got {type(x).__name__}")
    return x


def exp(x: Tensor) -> Tensor:
    """e^x; d/dx = e^x. ``F.exp(Tensor(np.zeros(1))).numpy()`` is ``[1.]``."""
    return ops.Exp.apply(check_tensor(x, "exp"))


def log(x: Tensor) -> Tensor:
    """Natural log; d/dx = 1/x. ``F.log(Tensor(np.ones(1))).numpy()`` is ``[0.]``."""
    return ops.Log.apply(check_tensor(x, "log"))


def abs(x: Tensor) -> Tensor:
    """|x|; d/dx = sign(x), 0 at x = 0 (torch's convention).

    >>> F.abs(Tensor(np.array([-2.0, 0.0, 3.0]))).numpy()
    array([2., 0., 3.])
    """
    return ops.Abs.apply(check_tensor(x, "abs"))


def sign(x: Tensor) -> Tensor:
    """sign(x) in {-1, 0, 1}; d/dx = 0 everywhere, the jump at 0 included (as torch).

    >>> F.sign(Tensor(np.array([-2.0, 0.0, 3.0]))).numpy()
    array([-1.,  0.,  1.])
    """
    return ops.Sign.apply(check_tensor(x, "sign"))


def sqrt(x: Tensor) -> Tensor:
    """sqrt(x) for x >= 0; d/dx = 1 / (2 sqrt x) (inf at 0; NaN below 0, as numpy warns).

    >>> F.sqrt(Tensor(np.array([4.0, 9.0]))).numpy()
    array([2., 3.])
    """
    return ops.Sqrt.apply(check_tensor(x, "sqrt"))


def rsqrt(x: Tensor) -> Tensor:
    """1 / sqrt(x); d/dx = -x^(-3/2) / 2.

    >>> F.rsqrt(Tensor(np.array([4.0]))).numpy()
    array([0.5])
    """
    return ops.Rsqrt.apply(check_tensor(x, "rsqrt"))


def square(x: Tensor) -> Tensor:
    """x^2 (integers stay integers); d/dx = 2x.

    >>> F.square(Tensor(np.array([3]))).numpy()
    array([9])
    """
    return ops.Square.apply(check_tensor(x, "square"))


def reciprocal(x: Tensor) -> Tensor:
    """1 / x; d/dx = -1/x^2. Integers give floats (torch; numpy's integer 1/2 is 0).

    >>> F.reciprocal(Tensor(np.array([2]))).numpy()
    array([0.5])
    """
    return ops.Reciprocal.apply(check_tensor(x, "reciprocal"))


def exp2(x: Tensor) -> Tensor:
    """2^x; d/dx = ln(2) 2^x.

    >>> F.exp2(Tensor(np.array([3.0]))).numpy()
    array([8.])
    """
    return ops.Exp2.apply(check_tensor(x, "exp2"))


def log2(x: Tensor) -> Tensor:
    """log2(x); d/dx = 1 / (x ln 2).

    >>> F.log2(Tensor(np.array([8.0]))).numpy()
    array([3.])
    """
    return ops.Log2.apply(check_tensor(x, "log2"))


def log10(x: Tensor) -> Tensor:
    """log10(x); d/dx = 1 / (x ln 10).

    >>> F.log10(Tensor(np.array([100.0]))).numpy()
    array([2.])
    """
    return ops.Log10.apply(check_tensor(x, "log10"))


def log1p(x: Tensor) -> Tensor:
    """log(1 + x), exact for tiny x; d/dx = 1 / (1 + x).

    >>> F.log1p(Tensor(np.array([1e-20]))).numpy()
    array([1.e-20])
    """
    return ops.Log1p.apply(check_tensor(x, "log1p"))


def expm1(x: Tensor) -> Tensor:
    """e^x - 1, exact for tiny x; d/dx = e^x.

    >>> F.expm1(Tensor(np.array([1e-20]))).numpy()
    array([1.e-20])
    """
    return ops.Expm1.apply(check_tensor(x, "expm1"))


def erf(x: Tensor) -> Tensor:
    """erf(x) = 2/sqrt(pi) int_0^x e^{-t^2} dt (the C library's, per entry); d/dx =
    2/sqrt(pi) e^{-x^2}.

    >>> F.erf(Tensor(np.array([0.0, 1.0]))).numpy()
    array([0.        , 0.84270079])
    """
    return ops.Erf.apply(check_tensor(x, "erf"))


def erfc(x: Tensor) -> Tensor:
    """1 - erf(x), accurate for large x; d/dx = -2/sqrt(pi) e^{-x^2}.

    >>> F.erfc(Tensor(np.array([0.0]))).numpy()
    array([1.])
    """
    return ops.Erfc.apply(check_tensor(x, "erfc"))


def sin(x: Tensor) -> Tensor:
    """sin(x); d/dx = cos(x). ``F.sin(Tensor(np.zeros(1))).numpy()`` is ``[0.]``."""
    return ops.Sin.apply(check_tensor(x, "sin"))


def cos(x: Tensor) -> Tensor:
    """cos(x); d/dx = -sin(x). ``F.cos(Tensor(np.zeros(1))).numpy()`` is ``[1.]``."""
    return ops.Cos.apply(check_tensor(x, "cos"))


def tan(x: Tensor) -> Tensor:
    """tan(x); d/dx = 1 + tan(x)^2. ``F.tan(Tensor(np.zeros(1))).numpy()`` is ``[0.]``."""
    return ops.Tan.apply(check_tensor(x, "tan"))


def asin(x: Tensor) -> Tensor:
    """arcsin(x), |x| <= 1; d/dx = 1 / sqrt(1 - x^2).

    >>> F.asin(Tensor(np.array([1.0]))).numpy()
    array([1.57079633])
    """
    return ops.Asin.apply(check_tensor(x, "asin"))


def acos(x: Tensor) -> Tensor:
    """arccos(x), |x| <= 1; d/dx = -1 / sqrt(1 - x^2).

    >>> F.acos(Tensor(np.array([1.0]))).numpy()
    array([0.])
    """
    return ops.Acos.apply(check_tensor(x, "acos"))


def atan(x: Tensor) -> Tensor:
    """arctan(x); d/dx = 1 / (1 + x^2). ``F.atan(Tensor(np.zeros(1))).numpy()`` is ``[0.]``."""
    return ops.Atan.apply(check_tensor(x, "atan"))


def sinh(x: Tensor) -> Tensor:
    """sinh(x); d/dx = cosh(x). ``F.sinh(Tensor(np.zeros(1))).numpy()`` is ``[0.]``."""
    return ops.Sinh.apply(check_tensor(x, "sinh"))


def cosh(x: Tensor) -> Tensor:
    """cosh(x); d/dx = sinh(x). ``F.cosh(Tensor(np.zeros(1))).numpy()`` is ``[1.]``."""
    return ops.Cosh.apply(check_tensor(x, "cosh"))


def asinh(x: Tensor) -> Tensor:
    """arsinh(x); d/dx = 1 / sqrt(x^2 + 1). ``F.asinh(Tensor(np.zeros(1)))`` is 0."""
    return ops.Asinh.apply(check_tensor(x, "asinh"))


def acosh(x: Tensor) -> Tensor:
    """arcosh(x), x >= 1; d/dx = 1 / sqrt(x^2 - 1). ``F.acosh(Tensor(np.ones(1)))`` is 0."""
    return ops.Acosh.apply(check_tensor(x, "acosh"))


def atanh(x: Tensor) -> Tensor:
    """artanh(x), |x| < 1; d/dx = 1 / (1 - x^2). ``F.atanh(Tensor(np.zeros(1)))`` is 0."""
    return ops.Atanh.apply(check_tensor(x, "atanh"))
