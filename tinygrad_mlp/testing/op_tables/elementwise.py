"""Rows for the unary elementwise math: abs, sqrt, ..., log1p, erf, sin, ..., atanh.

References are the same functions written another way (sin as Im e^{ix}, asinh as a log,
erf as its Taylor series, independent of the C library's erf that the op calls), and every
row with a closed-form derivative (``dref``) has it checked against both engines.
Conventions at kinks follow torch: abs'(0) = 0 and sign'(x) = 0. Ops of several tensors
are in ``binary``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ... import functional as F
from .row import Kink, OpRow

__all__ = ["ROWS", "erf_series"]

Inputs = Callable[[np.random.Generator], tuple[np.ndarray, ...]]
_LN2, _LN10 = math.log(2.0), math.log(10.0)


def erf_series(x: np.ndarray) -> np.ndarray:
    """erf by its Taylor series 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)), |x| <= 3.

    Independent of the C library's erf. Terms shrink below 1e-17 of the largest one
    (at most ~2e2 for |x| <= 3) after 60 terms: absolute error a few 1e-14.
    """
    x = np.asarray(x, dtype=np.float64)
    if np.abs(x).max(initial=0.0) > 3.0:
        raise ValueError("erf_series: |x| <= 3 only (cancellation grows beyond)")
    total, term = np.zeros_like(x), x.copy()  # term_n = (-1)^n x^(2n+1) / n!
    for n in range(60):
        total += term / (2 * n + 1)
        term = term * (-x * x) / (n + 1)
    return 2.0 / math.sqrt(math.pi) * total


def _signed(low: float, high: float, *shapes: tuple[int, ...]) -> Inputs:
    """Entries of either sign with |x| in [low, high]: a pole or a kink kept away."""

    def make(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        return tuple(
            rng.choice([-1.0, 1.0], size=s) * rng.uniform(low, high, size=s) for s in shapes
        )

    return make


_ABS_KINK = (Kink(at=(0.0,), grad=(0.0,)),)  # sign(0) = 0, as torch

ROWS: tuple[OpRow, ...] = (
    OpRow(
        "abs",
        lambda x: x.abs(),
        lambda x: np.where(x < 0, -x, x),
        smooth=False,
        kinks=_ABS_KINK,
        dref=lambda x: (np.sign(x),),
        scalar=lambda v: v.abs(),
    ),
    OpRow("F.abs", F.abs, lambda x: np.sqrt(x * x), smooth=False, kinks=_ABS_KINK),
    OpRow(
        "sign",
        lambda x: x.sign(),
        lambda x: (x > 0) * 1.0 - (x < 0),
        smooth=False,
        kinks=_ABS_KINK,
        dref=lambda x: (np.zeros_like(x),),
        scalar=lambda v: v.sign(),
    ),
    OpRow(
        "sqrt",
        lambda x: x.sqrt(),
        lambda x: x**0.5,
        domain=(0.1, 3.0),
        dref=lambda x: (0.5 / np.sqrt(x),),
        scalar=lambda v: v.sqrt(),
    ),
    OpRow(
        "rsqrt",
        lambda x: x.rsqrt(),
        lambda x: x**-0.5,
        domain=(0.2, 3.0),
        dref=lambda x: (-0.5 * x**-1.5,),
        scalar=lambda v: v.rsqrt(),
    ),
    OpRow(
        "square",
        lambda x: x.square(),
        lambda x: x**2,
        dref=lambda x: (2 * x,),
        scalar=lambda v: v.square(),
    ),
    OpRow(
        "reciprocal",
        lambda x: x.reciprocal(),
        lambda x: x**-1.0,
        make_inputs=_signed(0.25, 2.0, (3, 4)),
        dref=lambda x: (-1 / x**2,),
        scalar=lambda v: v.reciprocal(),
    ),
    OpRow(
        "exp2",
        lambda x: x.exp2(),
        lambda x: np.exp(x * _LN2),
        dref=lambda x: (_LN2 * 2.0**x,),
        scalar=lambda v: v.exp2(),
    ),
    OpRow(
        "log2",
        lambda x: x.log2(),
        lambda x: np.log(x) / _LN2,
        domain=(0.2, 3.0),
        dref=lambda x: (1 / (x * _LN2),),
        scalar=lambda v: v.log2(),
    ),
    OpRow(
        "log10",
        lambda x: x.log10(),
        lambda x: np.log(x) / _LN10,
        domain=(0.2, 3.0),
        dref=lambda x: (1 / (x * _LN10),),
        scalar=lambda v: v.log10(),
    ),
    OpRow(
        "log1p",
        lambda x: x.log1p(),
        lambda x: np.log(1 + x),
        domain=(-0.8, 2.0),
        dref=lambda x: (1 / (1 + x),),
        scalar=lambda v: v.log1p(),
    ),
    OpRow(
        "expm1",
        lambda x: x.expm1(),
        lambda x: np.exp(x) - 1,
        dref=lambda x: (np.exp(x),),
        scalar=lambda v: v.expm1(),
    ),
    OpRow(
        "erf",
        lambda x: x.erf(),
        erf_series,
        dref=lambda x: (2 / math.sqrt(math.pi) * np.exp(-x * x),),
        scalar=lambda v: v.erf(),
    ),
    OpRow(
        "F.erfc",
        F.erfc,
        lambda x: 1 - erf_series(x),
        dref=lambda x: (-2 / math.sqrt(math.pi) * np.exp(-x * x),),
        scalar=lambda v: v.erfc(),
    ),
    OpRow(
        "sin",
        lambda x: x.sin(),
        lambda x: np.exp(1j * x).imag,
        domain=(-4.0, 4.0),
        dref=lambda x: (np.cos(x),),
        scalar=lambda v: v.sin(),
    ),
    OpRow(
        "cos",
        lambda x: x.cos(),
        lambda x: np.exp(1j * x).real,
        domain=(-4.0, 4.0),
        dref=lambda x: (-np.sin(x),),
        scalar=lambda v: v.cos(),
    ),
    OpRow(
        "tan",
        lambda x: x.tan(),
        lambda x: np.sin(x) / np.cos(x),
        domain=(-1.2, 1.2),
        dref=lambda x: (1 / np.cos(x) ** 2,),
        scalar=lambda v: v.tan(),
    ),
    OpRow(
        "asin",
        lambda x: x.asin(),
        lambda x: np.arctan2(x, np.sqrt(1 - x * x)),
        domain=(-0.95, 0.95),
        dref=lambda x: (1 / np.sqrt(1 - x * x),),
        scalar=lambda v: v.asin(),
    ),
    OpRow(
        "acos",
        lambda x: x.acos(),
        lambda x: np.arctan2(np.sqrt(1 - x * x), x),
        domain=(-0.95, 0.95),
        dref=lambda x: (-1 / np.sqrt(1 - x * x),),
        scalar=lambda v: v.acos(),
    ),
    OpRow(
        "atan",
        lambda x: x.atan(),
        lambda x: np.arcsin(x / np.sqrt(1 + x * x)),
        domain=(-3.0, 3.0),
        dref=lambda x: (1 / (1 + x * x),),
        scalar=lambda v: v.atan(),
    ),
    OpRow(
        "sinh",
        lambda x: x.sinh(),
        lambda x: (np.exp(x) - np.exp(-x)) / 2,
        dref=lambda x: (np.cosh(x),),
        scalar=lambda v: v.sinh(),
    ),
    OpRow(
        "cosh",
        lambda x: x.cosh(),
        lambda x: (np.exp(x) + np.exp(-x)) / 2,
        dref=lambda x: (np.sinh(x),),
        scalar=lambda v: v.cosh(),
    ),
    OpRow(
        "asinh",
        lambda x: x.asinh(),
        lambda x: np.sign(x) * np.log(np.abs(x) + np.sqrt(x * x + 1)),
        dref=lambda x: (1 / np.sqrt(x * x + 1),),
        scalar=lambda v: v.asinh(),
    ),
    OpRow(
        "acosh",
        lambda x: x.acosh(),
        lambda x: np.log(x + np.sqrt(x * x - 1)),
        domain=(1.1, 3.0),
        dref=lambda x: (1 / np.sqrt(x * x - 1),),
        scalar=lambda v: v.acosh(),
    ),
    OpRow(
        "atanh",
        lambda x: x.atanh(),
        lambda x: 0.5 * np.log((1 + x) / (1 - x)),
        domain=(-0.9, 0.9),
        dref=lambda x: (1 / (1 - x * x),),
        scalar=lambda v: v.atanh(),
    ),
)
