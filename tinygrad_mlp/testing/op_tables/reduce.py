"""Rows for the reductions: min, prod (with zeros), var, std, logsumexp, cumsum, torch's dim=.

Not elementwise, so no ``dref`` and kinks only where every entry equal is one (std):
structure goes into ``make_inputs`` instead.
- Ties of two for min/max: a central difference moves the extremum on one side only and
  sees half the slope, which is exactly the equal split the backward rule takes.
- Zeros for prod: a product is linear in each entry, so finite differences are exact there
  too, and one zero or several in a group must give prod_{j != i} x_j with no 0/0.
Linear rows (cumsum) are ``smooth=False``: their second derivative is identically 0, so
finite differences of the gradient have nothing to compare; second order through their
backward rules is checked in tests/test_ops_reduce_shape.py on op(x)^2.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .row import Kink, OpRow

__all__ = ["ROWS"]

Inputs = Callable[[np.random.Generator], tuple[np.ndarray, ...]]


def _tied_min(shape: tuple[int, ...]) -> Inputs:
    """Rows (last axis) whose minimum appears exactly twice."""

    def make(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        x = rng.uniform(-2.0, 2.0, size=shape).reshape(-1, shape[-1])
        for r in x:
            i, j = rng.choice(shape[-1], size=2, replace=False)
            r[i] = r[j] = r.min() - 0.5
        return (x.reshape(shape),)

    return make


def _with_zeros(shape: tuple[int, ...], zeros_per_row: int) -> Inputs:
    """Entries of either sign in [0.5, 1.5] in size (products stay O(1)), and
    ``zeros_per_row`` exact zeros in every row of the last axis."""

    def make(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        x = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 1.5, size=shape)
        flat = x.reshape(-1, shape[-1])
        for r in flat:
            r[rng.choice(shape[-1], size=zeros_per_row, replace=False)] = 0.0
        return (flat.reshape(shape),)

    return make


def _equal_rows(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """(3, 4) with rows 0 and 2 constant (k / 4, exact in binary, so torch's variance is
    exactly 0 there too) and row 1 random: std's gradient is 0 at the constant rows, as
    torch's; a central difference sees 0 there too (std is even in the perturbation)."""
    x = rng.uniform(-2.0, 2.0, size=(3, 4))
    x[0], x[2] = rng.integers(-8, 9, size=2) / 4
    return (x,)


def _moderate(*shapes: tuple[int, ...]) -> Inputs:
    """|x| in [0.5, 1.5], either sign: products of a dozen entries stay near 1."""
    return lambda rng: tuple(
        rng.choice([-1.0, 1.0], size=s) * rng.uniform(0.5, 1.5, size=s) for s in shapes
    )


def _lse(x: np.ndarray, axis: int | None) -> np.ndarray:
    """log sum exp written without the op's shift: the inputs are small, nothing overflows."""
    return np.log(np.exp(x).sum(axis=axis))


# fmt: off
ROWS: tuple[OpRow, ...] = (
    OpRow("min()", lambda x: x.min(), np.min, smooth=False),
    OpRow("min(dim=1).values", lambda x: x.min(dim=1).values, lambda x: x.min(axis=1),
          smooth=False),
    OpRow("amin(-1, keepdim) at ties", lambda x: x.amin(-1, keepdim=True),
          lambda x: x.min(axis=-1, keepdims=True), smooth=False, make_inputs=_tied_min((3, 4))),
    OpRow("max(dim=0, keepdim).values", lambda x: x.max(dim=0, keepdim=True).values,
          lambda x: x.max(axis=0, keepdims=True), smooth=False),
    OpRow("prod()", lambda x: x.prod(), np.prod, make_inputs=_moderate((3, 4))),
    OpRow("prod(dim=1)", lambda x: x.prod(dim=1), lambda x: x.prod(axis=1),
          make_inputs=_moderate((3, 4))),
    OpRow("prod((0, 2)) 3-d", lambda x: x.prod((0, 2)), lambda x: x.prod(axis=(0, 2)),
          make_inputs=_moderate((2, 3, 2))),
    OpRow("prod(1) one zero per row", lambda x: x.prod(1), lambda x: x.prod(axis=1),
          make_inputs=_with_zeros((3, 4), 1)),
    OpRow("prod(1) two zeros per row", lambda x: x.prod(1), lambda x: x.prod(axis=1),
          make_inputs=_with_zeros((3, 4), 2)),
    OpRow("prod() with zeros", lambda x: x.prod(), np.prod, make_inputs=_with_zeros((2, 3), 1)),
    OpRow("sum(dim=1, keepdim)", lambda x: x.sum(dim=1, keepdim=True),
          lambda x: x.sum(axis=1, keepdims=True), smooth=False),
    OpRow("mean(dim=(0, 1))", lambda x: x.mean(dim=(0, 1)), np.mean, smooth=False),
    OpRow("var()", lambda x: x.var(), lambda x: np.var(x, ddof=1)),
    OpRow("var(dim=1)", lambda x: x.var(dim=1), lambda x: np.var(x, axis=1, ddof=1)),
    OpRow("var(0, correction=0)", lambda x: x.var(0, correction=0), lambda x: np.var(x, axis=0)),
    OpRow("std(dim=1, keepdim)", lambda x: x.std(dim=1, keepdim=True),
          lambda x: np.std(x, axis=1, ddof=1, keepdims=True)),
    OpRow("std(dim=(0, 2))", lambda x: x.std(dim=(0, 2)),
          lambda x: np.std(x, axis=(0, 2), ddof=1), shapes=((2, 3, 2),)),
    OpRow("std(dim=1) with equal rows", lambda x: x.std(dim=1),
          lambda x: np.std(x, axis=1, ddof=1), smooth=False, make_inputs=_equal_rows,
          kinks=(Kink(at=(0.5,), grad=(0.0,)),)),  # std = 0: derivative 0, as torch
    OpRow("logsumexp()", lambda x: x.logsumexp(), lambda x: _lse(x, None)),
    OpRow("logsumexp(dim=1)", lambda x: x.logsumexp(dim=1), lambda x: _lse(x, 1)),
    OpRow("cumsum(1)", lambda x: x.cumsum(1), lambda x: np.cumsum(x, axis=1), smooth=False),
    OpRow("cumsum(dim=0)", lambda x: x.cumsum(dim=0), lambda x: np.cumsum(x, axis=0),
          smooth=False),
    OpRow("cumsum() flattened", lambda x: x.cumsum(), np.cumsum, smooth=False),
)
# fmt: on
