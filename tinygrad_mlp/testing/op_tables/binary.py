"""Rows for elementwise ops of several tensors: maximum, minimum, where, clamp, lerp, **.

Inputs are drawn apart from ties and bounds, except in the rows made to sit on them
(``maximum at ties``: finite differences see half the slope at a tie, the equal split of
the rule). Conventions follow torch: a tie in maximum/minimum splits the gradient 1/2,
1/2; clamp passes it at its bounds; d(a**b)/db = 0 where a = 0 and b >= 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ... import functional as F
from .row import Kink, OpRow

__all__ = ["ROWS"]

Inputs = Callable[[np.random.Generator], tuple[np.ndarray, ...]]
_LN2 = math.log(2.0)


def _apart(*shapes: tuple[int, ...], gap: float = 0.05) -> Inputs:
    """Two arrays in [-2, 2] whose broadcast entries differ by more than ``gap``: no ties."""

    def make(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        while True:
            a, b = (rng.uniform(-2.0, 2.0, size=s) for s in shapes)
            if np.abs(a - b).min() > gap:
                return a, b

    return make


def _tied(shape: tuple[int, ...]) -> Inputs:
    """Two arrays equal in about half their entries: maximum/minimum at a tie.

    At a tie a central difference moves the max on one side only, so finite differences
    see half the slope: the equal split of the rule, checked by them too.
    """

    def make(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        a, b = (rng.uniform(-2.0, 2.0, size=shape) for _ in range(2))
        tie = rng.random(shape) < 0.5
        b[tie] = a[tie]
        while np.abs(a - b)[~tie].min(initial=1.0) <= 0.05:
            b[~tie] = rng.uniform(-2.0, 2.0, size=int((~tie).sum()))
        return a, b

    return make


def _clamp_inputs(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """x (3, 4), lo (4,) < 0 < hi (3, 1), x at least 0.05 from either bound."""
    lo, hi = rng.uniform(-1.5, -0.2, size=(4,)), rng.uniform(0.2, 1.5, size=(3, 1))
    while True:
        x = rng.uniform(-2.0, 2.0, size=(3, 4))
        if min(np.abs(x - lo).min(), np.abs(x - hi).min()) > 0.05:
            return x, lo, hi


def _split(a: np.ndarray, b: np.ndarray, wins: np.ndarray) -> np.ndarray:
    return np.where(a == b, 0.5, wins.astype(float))


def _clamp_grads(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, ...]:
    inside = (lo <= x) & (x <= hi)
    below = (x < lo) & (lo <= hi)
    return inside * 1.0, below * 1.0, ~(inside | below) * 1.0


def _power_grads(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
    with np.errstate(divide="ignore", invalid="ignore"):
        da = np.where(b == 0, 0.0, b * a ** (b - 1))
        db = np.where((a == 0) & (b >= 0), 0.0, a**b * np.log(np.where(a == 0, 1.0, a)))
    return da, db


ROWS: tuple[OpRow, ...] = (
    OpRow(
        "maximum",
        lambda a, b: a.maximum(b),
        lambda a, b: np.where(a >= b, a, b),
        shapes=((3, 4), (4,)),
        make_inputs=_apart((3, 4), (4,)),
        smooth=False,
        kinks=(Kink(at=(0.5, 0.5), grad=(0.5, 0.5)),),
        dref=lambda a, b: (_split(a, b, a > b), _split(a, b, a < b)),
        scalar=lambda a, b: a.maximum(b),
    ),
    OpRow(
        "maximum at ties",
        F.maximum,
        np.maximum,
        make_inputs=_tied((3, 4)),
        smooth=False,
        dref=lambda a, b: (_split(a, b, a > b), _split(a, b, a < b)),
        scalar=lambda a, b: a.maximum(b),
    ),
    OpRow(
        "minimum",
        lambda a, b: a.minimum(b),
        lambda a, b: np.where(a <= b, a, b),
        shapes=((3, 1), (4,)),
        make_inputs=_apart((3, 1), (4,)),
        smooth=False,
        kinks=(Kink(at=(-1.0, -1.0), grad=(0.5, 0.5)),),
        dref=lambda a, b: (_split(a, b, a < b), _split(a, b, a > b)),
        scalar=lambda a, b: a.minimum(b),
    ),
    OpRow(
        "minimum at ties",
        F.minimum,
        np.minimum,
        make_inputs=_tied((3, 4)),
        smooth=False,
        dref=lambda a, b: (_split(a, b, a < b), _split(a, b, a > b)),
    ),
    OpRow(
        "where(c > 0, a, b)",
        lambda c, a, b: F.where(c > 0, a, b),
        lambda c, a, b: a * (c > 0) + b * (c <= 0),
        shapes=((3, 4), (3, 4), (4,)),
        smooth=True,  # affine in a and b: the Hessian, 0, is checked through Where's rule
        kinks=(Kink(at=(0.0, 1.0, -1.0), grad=(0.0, 0.0, 1.0)),),  # c = 0: not c > 0
        dref=lambda c, a, b: (np.zeros_like(c), (c > 0) * 1.0, (c <= 0) * 1.0),
    ),
    OpRow(
        "clamp(-0.5, 1)",
        lambda x: x.clamp(-0.5, 1.0),
        lambda x: np.minimum(np.maximum(x, -0.5), 1.0),
        smooth=False,
        kinks=(Kink(at=(-0.5,), grad=(1.0,)), Kink(at=(1.0,), grad=(1.0,))),
        dref=lambda x: (((x >= -0.5) & (x <= 1.0)) * 1.0,),
        scalar=lambda v: v.clamp(-0.5, 1.0),
    ),
    OpRow(
        "F.clamp(min=0.25)",
        lambda x: F.clamp(x, min=0.25),
        lambda x: np.maximum(x, 0.25),
        smooth=False,
        kinks=(Kink(at=(0.25,), grad=(1.0,)),),
        dref=lambda x: ((x >= 0.25) * 1.0,),
        scalar=lambda v: v.clamp(min=0.25),
    ),
    OpRow(
        "clamp(tensor lo, tensor hi)",
        lambda x, lo, hi: x.clamp(lo, hi),
        lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
        shapes=((3, 4), (4,), (3, 1)),
        make_inputs=_clamp_inputs,
        smooth=False,
        dref=_clamp_grads,
        kinks=(
            Kink(at=(-0.5, -0.5, 1.0), grad=(1.0, 0.0, 0.0)),  # x at lo: x's, as torch
            Kink(at=(1.0, -0.5, 1.0), grad=(1.0, 0.0, 0.0)),  # x at hi
            Kink(at=(0.0, 0.5, 0.5), grad=(0.0, 1.0, 0.0)),  # lo = hi > x: out is lo
            Kink(at=(0.0, 1.0, -1.0), grad=(0.0, 0.0, 1.0)),
        ),
    ),  # lo > hi: out is hi
    OpRow(
        "clamp(max=tensor)",
        lambda x, hi: x.clamp(max=hi),
        np.minimum,
        shapes=((3, 4), (4,)),
        make_inputs=_apart((3, 4), (4,)),
        smooth=False,
        kinks=(Kink(at=(0.5, 0.5), grad=(1.0, 0.0)),),
        dref=lambda x, hi: ((x <= hi) * 1.0, (x > hi) * 1.0),
    ),
    OpRow(
        "lerp",
        lambda a, b, w: a.lerp(b, w),
        lambda a, b, w: a * (1 - w) + b * w,
        shapes=((3, 4), (4,), (3, 1)),
        dref=lambda a, b, w: (1 - w, w, b - a),
    ),
    OpRow(
        "F.lerp(weight=0.3)",
        lambda a, b: F.lerp(a, b, 0.3),
        lambda a, b: 0.7 * a + 0.3 * b,
        shapes=((3, 4), (3, 4)),
        smooth=True,  # affine: a Hessian of 0 through the rule
        dref=lambda a, b: (0.7 + 0 * a, 0.3 + 0 * b),
    ),
    OpRow(
        "a ** b (tensor exponent)",
        lambda a, b: a**b,
        lambda a, b: np.exp(b * np.log(a)),
        shapes=((3, 4), (4,)),
        domain=(0.2, 3.0),
        dref=_power_grads,
        scalar=lambda a, b: a**b,
    ),
    OpRow(
        "a ** b at a = 0",
        lambda a, b: F.pow(a, b),
        np.power,
        shapes=((2,), (2,)),
        domain=(0.2, 3.0),
        dref=_power_grads,
        kinks=(
            Kink(at=(0.0, 2.0), grad=(0.0, 0.0)),  # d/db = 0 at a = 0, b >= 0 (torch)
            Kink(at=(0.0, 0.0), grad=(0.0, 0.0)),
        ),
    ),  # b = 0: d/da = 0 (no 0 * inf)
    OpRow(
        "2.0 ** x",
        lambda x: 2.0**x,
        lambda x: np.exp(x * _LN2),
        dref=lambda x: (_LN2 * 2.0**x,),
        scalar=lambda v: 2.0**v,
    ),
)
