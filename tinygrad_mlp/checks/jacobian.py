"""Jacobians for the checks: a function's outputs as arrays, and rows of J^T by reverse mode.

A function with m outputs has the Jacobian J (m x n) at x. Reverse mode gives w^T J for any
output weight w in one backward pass: the unit vectors e_k give J's rows (mode "full" of
``gradcheck``), a random w gives one projection (mode "projection").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from ..engine.backward import grad
from ..engine.grad_mode import no_grad
from ..tensor import Tensor

__all__ = ["Sided", "outputs", "values_of", "vjp_rows", "unit_weights"]


class Sided(NamedTuple):
    """One-sided differences D+, D- and the central one: one entry per output of f."""

    plus: np.ndarray
    minus: np.ndarray
    central: np.ndarray


def outputs(fn: Callable[..., Tensor], inputs: Sequence[Tensor], who: str) -> np.ndarray:
    """fn(*inputs) as a float64 array of the output's shape, without recording a graph.

    Example::

        >>> outputs(lambda x: x * 2, [Tensor(np.array([1.0, 2.0]))], "demo")
        array([2., 4.])
    """
    with no_grad():
        out = fn(*inputs)
    return values_of(out, who)


def values_of(out: object, who: str) -> np.ndarray:
    """A function's result as a float64 array: a clear error if no Tensor, not float, not finite.

    Example::

        >>> values_of(Tensor(np.array([1.5])), "demo")
        array([1.5])
    """
    if not isinstance(out, Tensor):
        raise TypeError(f"{who}: fn must return a Tensor, got {type(out).__name__}")
    if out.data.dtype.kind != "f":
        raise TypeError(f"{who}: fn returned dtype {out.data.dtype}; gradients need floats")
    values = out.data.astype(np.float64)
    if not np.isfinite(values).all():
        bad = values[~np.isfinite(values)][0]
        raise ValueError(f"{who}: fn returned {bad} at the point checked or a step from it")
    return values


def unit_weights(shape: tuple[int, ...]) -> list[np.ndarray]:
    """e_k for every output entry k, each shaped like the output: the rows of J.

    Example::

        >>> [w.tolist() for w in unit_weights((2,))]
        [[1.0, 0.0], [0.0, 1.0]]
    """
    size = int(np.prod(shape))
    return [np.eye(1, size, k).reshape(shape) for k in range(size)]


def vjp_rows(
    out: Tensor, inputs: Sequence[Tensor], weights: Sequence[np.ndarray]
) -> list[list[np.ndarray]]:
    """[w^T J for each input] for each output weight w, in float64, by reverse mode.

    The graph is kept between the passes and released after the last one (so the inputs'
    arrays are writable again). Inputs the output does not use get zeros, and so does every
    input of an output without a graph (a constant).

    Example::

        >>> x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        >>> vjp_rows(x * x, [x], unit_weights((2,)))   # J = diag(2x)
        [[array([2., 0.])], [array([0., 4.])]]
    """
    if not out.requires_grad:  # a constant map: J = 0
        return [[np.zeros(x.shape) for x in inputs] for _ in weights]
    rows = []
    for k, w in enumerate(weights):
        last = k == len(weights) - 1
        grads = grad(
            out, list(inputs), grad_outputs=w.astype(out.dtype), retain_graph=not last,
            allow_unused=True,
        )  # fmt: skip
        rows.append(
            [
                np.zeros(x.shape) if g is None else g.data.astype(np.float64)
                for g, x in zip(grads, inputs, strict=True)
            ]
        )
    return rows
