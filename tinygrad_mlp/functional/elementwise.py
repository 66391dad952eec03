"""Elementwise math under torch's names: F.sqrt, F.sin, F.clamp, F.where, F.pow, ...

Each function applies one op (:mod:`tinygrad_mlp.ops`); the op's docstring has the formula of
its derivative. Where torch and numpy differ these follow torch: ``reciprocal`` of integers
is a true division, ``where`` wants a bool condition, ``clamp`` passes the gradient at its
bounds and ``maximum``/``minimum`` split it at ties. dtypes promote as numpy's do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..engine.tensor import Tensor

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
    "clamp",
    "clip",
    "maximum",
    "minimum",
    "where",
    "lerp",
    "pow",
]


def _check(x: Any, who: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: expected a Tensor, got {type(x).__name__}")
    return x


def exp(x: Tensor) -> Tensor:
    """e^x; d/dx = e^x. ``F.exp(Tensor(np.zeros(1))).numpy()`` is ``[1.]``."""
    return ops.Exp.apply(_check(x, "exp"))


def log(x: Tensor) -> Tensor:
    """Natural log; d/dx = 1/x. ``F.log(Tensor(np.ones(1))).numpy()`` is ``[0.]``."""
    return ops.Log.apply(_check(x, "log"))


def abs(x: Tensor) -> Tensor:
    """|x|; d/dx = sign(x), 0 at x = 0 (torch's convention).

    >>> F.abs(Tensor(np.array([-2.0, 0.0, 3.0]))).numpy()
    array([2., 0., 3.])
    """
    return ops.Abs.apply(_check(x, "abs"))


def sign(x: Tensor) -> Tensor:
    """sign(x) in {-1, 0, 1}; d/dx = 0 everywhere, the jump at 0 included (as torch).

    >>> F.sign(Tensor(np.array([-2.0, 0.0, 3.0]))).numpy()
    array([-1.,  0.,  1.])
    """
    return ops.Sign.apply(_check(x, "sign"))


def sqrt(x: Tensor) -> Tensor:
    """sqrt(x) for x >= 0; d/dx = 1 / (2 sqrt x) (inf at 0; NaN below 0, as numpy warns).

    >>> F.sqrt(Tensor(np.array([4.0, 9.0]))).numpy()
    array([2., 3.])
    """
    return ops.Sqrt.apply(_check(x, "sqrt"))


def rsqrt(x: Tensor) -> Tensor:
    """1 / sqrt(x); d/dx = -x^(-3/2) / 2.

    >>> F.rsqrt(Tensor(np.array([4.0]))).numpy()
    array([0.5])
    """
    return ops.Rsqrt.apply(_check(x, "rsqrt"))


def square(x: Tensor) -> Tensor:
    """x^2 (integers stay integers); d/dx = 2x.

    >>> F.square(Tensor(np.array([3]))).numpy()
    array([9])
    """
    return ops.Square.apply(_check(x, "square"))


def reciprocal(x: Tensor) -> Tensor:
    """1 / x; d/dx = -1/x^2. Integers give floats (torch; numpy's integer 1/2 is 0).

    >>> F.reciprocal(Tensor(np.array([2]))).numpy()
    array([0.5])
    """
    return ops.Reciprocal.apply(_check(x, "reciprocal"))


def exp2(x: Tensor) -> Tensor:
    """2^x; d/dx = ln(2) 2^x.

    >>> F.exp2(Tensor(np.array([3.0]))).numpy()
    array([8.])
    """
    return ops.Exp2.apply(_check(x, "exp2"))


def log2(x: Tensor) -> Tensor:
    """log2(x); d/dx = 1 / (x ln 2).

    >>> F.log2(Tensor(np.array([8.0]))).numpy()
    array([3.])
    """
    return ops.Log2.apply(_check(x, "log2"))


def log10(x: Tensor) -> Tensor:
    """log10(x); d/dx = 1 / (x ln 10).

    >>> F.log10(Tensor(np.array([100.0]))).numpy()
    array([2.])
    """
    return ops.Log10.apply(_check(x, "log10"))


def log1p(x: Tensor) -> Tensor:
    """log(1 + x), exact for tiny x; d/dx = 1 / (1 + x).

    >>> F.log1p(Tensor(np.array([1e-20]))).numpy()
    array([1.e-20])
    """
    return ops.Log1p.apply(_check(x, "log1p"))


def expm1(x: Tensor) -> Tensor:
    """e^x - 1, exact for tiny x; d/dx = e^x.

    >>> F.expm1(Tensor(np.array([1e-20]))).numpy()
    array([1.e-20])
    """
    return ops.Expm1.apply(_check(x, "expm1"))


def erf(x: Tensor) -> Tensor:
    """erf(x) = 2/sqrt(pi) int_0^x e^{-t^2} dt (the C library's, per entry); d/dx =
    2/sqrt(pi) e^{-x^2}.

    >>> F.erf(Tensor(np.array([0.0, 1.0]))).numpy()
    array([0.        , 0.84270079])
    """
    return ops.Erf.apply(_check(x, "erf"))


def erfc(x: Tensor) -> Tensor:
    """1 - erf(x), accurate for large x; d/dx = -2/sqrt(pi) e^{-x^2}.

    >>> F.erfc(Tensor(np.array([0.0]))).numpy()
    array([1.])
    """
    return ops.Erfc.apply(_check(x, "erfc"))


def sin(x: Tensor) -> Tensor:
    """sin(x); d/dx = cos(x). ``F.sin(Tensor(np.zeros(1))).numpy()`` is ``[0.]``."""
    return ops.Sin.apply(_check(x, "sin"))


def cos(x: Tensor) -> Tensor:
    """cos(x); d/dx = -sin(x). ``F.cos(Tensor(np.zeros(1))).numpy()`` is ``[1.]``."""
    return ops.Cos.apply(_check(x, "cos"))


def tan(x: Tensor) -> Tensor:
    """tan(x); d/dx = 1 + tan(x)^2. ``F.tan(Tensor(np.zeros(1))).numpy()`` is ``[0.]``."""
    return ops.Tan.apply(_check(x, "tan"))


def asin(x: Tensor) -> Tensor:
    """arcsin(x), |x| <= 1; d/dx = 1 / sqrt(1 - x^2).

    >>> F.asin(Tensor(np.array([1.0]))).numpy()
    array([1.57079633])
    """
    return ops.Asin.apply(_check(x, "asin"))


def acos(x: Tensor) -> Tensor:
    """arccos(x), |x| <= 1; d/dx = -1 / sqrt(1 - x^2).

    >>> F.acos(Tensor(np.array([1.0]))).numpy()
    array([0.])
    """
    return ops.Acos.apply(_check(x, "acos"))


def atan(x: Tensor) -> Tensor:
    """arctan(x); d/dx = 1 / (1 + x^2). ``F.atan(Tensor(np.zeros(1))).numpy()`` is ``[0.]``."""
    return ops.Atan.apply(_check(x, "atan"))


def sinh(x: Tensor) -> Tensor:
    """sinh(x); d/dx = cosh(x). ``F.sinh(Tensor(np.zeros(1))).numpy()`` is ``[0.]``."""
    return ops.Sinh.apply(_check(x, "sinh"))


def cosh(x: Tensor) -> Tensor:
    """cosh(x); d/dx = sinh(x). ``F.cosh(Tensor(np.zeros(1))).numpy()`` is ``[1.]``."""
    return ops.Cosh.apply(_check(x, "cosh"))


def asinh(x: Tensor) -> Tensor:
    """arsinh(x); d/dx = 1 / sqrt(x^2 + 1). ``F.asinh(Tensor(np.zeros(1)))`` is 0."""
    return ops.Asinh.apply(_check(x, "asinh"))


def acosh(x: Tensor) -> Tensor:
    """arcosh(x), x >= 1; d/dx = 1 / sqrt(x^2 - 1). ``F.acosh(Tensor(np.ones(1)))`` is 0."""
    return ops.Acosh.apply(_check(x, "acosh"))


def atanh(x: Tensor) -> Tensor:
    """artanh(x), |x| < 1; d/dx = 1 / (1 - x^2). ``F.atanh(Tensor(np.zeros(1)))`` is 0."""
    return ops.Atanh.apply(_check(x, "atanh"))


def clamp(x: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """min(max(x, min), max), bounds numbers or Tensors, either one None.

    d/dx = 1 for min <= x <= max, bounds included (torch passes the gradient there), else 0;
    a Tensor bound gets the gradient where it is the output (:class:`~.ops.ClampTensor`).

    >>> F.clamp(Tensor(np.array([-2.0, 0.5, 3.0])), min=0.0, max=1.0).numpy()
    array([0. , 0.5, 1. ])
    """
    return _check(x, "clamp").clamp(min, max)


def clip(x: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """The same as :func:`clamp` (torch's alias).

    >>> F.clip(Tensor(np.array([-2.0, 3.0])), max=1.0).numpy()
    array([-2.,  1.])
    """
    return _check(x, "clip").clamp(min, max)


def maximum(x: Tensor, other: Any) -> Tensor:
    """max(x, other) elementwise, broadcast; a tie x = other splits the gradient 1/2, 1/2.

    >>> F.maximum(Tensor(np.array([1.0, 5.0])), Tensor(np.array([3.0, 2.0]))).numpy()
    array([3., 5.])
    """
    return _check(x, "maximum").maximum(other)


def minimum(x: Tensor, other: Any) -> Tensor:
    """min(x, other) elementwise, broadcast; a tie x = other splits the gradient 1/2, 1/2.

    >>> F.minimum(Tensor(np.array([1.0, 5.0])), Tensor(np.array([3.0, 2.0]))).numpy()
    array([1., 2.])
    """
    return _check(x, "minimum").minimum(other)


def where(condition: Any, x: Any, other: Any) -> Tensor:
    """x where ``condition`` (a bool tensor or array) holds, else ``other``; either value
    may be a number. d/dx = 1 where the condition holds, else 0; d/dother the rest.

    >>> F.where(Tensor(np.array([True, False])), Tensor(np.array([1.0, 2.0])), 0.0).numpy()
    array([1., 0.])
    """
    ref = x if isinstance(x, Tensor) else other
    if not isinstance(ref, Tensor):
        raise TypeError("where: x or other must be a Tensor")
    cond = (
        condition if isinstance(condition, Tensor) else Tensor._make(np.asarray(condition), False)
    )
    return ops.Where.apply(cond, ref._lift(x), ref._lift(other))


def lerp(start: Tensor, end: Any, weight: Any) -> Tensor:
    """start + weight (end - start); d/dstart = 1 - w, d/dend = w, d/dweight = end - start.

    >>> F.lerp(Tensor(np.array([0.0, 10.0])), Tensor(np.array([1.0, 20.0])), 0.5).numpy()
    array([ 0.5, 15. ])
    """
    return _check(start, "lerp").lerp(end, weight)


def pow(x: Any, exponent: Any) -> Tensor:
    """x ** exponent, either one a number (not both); int ** int stays int, as numpy.

    d/dx = p x^(p-1) (0 where p = 0); d/dp = x^p log x (0 where x = 0 and p >= 0), as torch.

    >>> F.pow(2.0, Tensor(np.array([3.0]))).numpy()
    array([8.])
    """
    if isinstance(x, Tensor):
        return x**exponent
    if isinstance(exponent, Tensor):
        return exponent.__rpow__(x)
    raise TypeError("pow: x or exponent must be a Tensor")
