"""One row of an op table: an op on Tensors, its numpy reference, and where it has kinks.

A row is data, not a test: ``tests/test_op_tables.py`` runs the same checks on every row
(float64 finite differences, forward mode against reverse mode, second order where smooth,
the derivative convention at each kink in reverse mode, forward mode and the closed form,
and the scalar engine where the row has a scalar version).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Kink", "OpRow"]


@dataclass(frozen=True)
class Kink:
    """A point where the op is not differentiable, and the derivative the engine takes there.

    ``at`` holds one value per argument (the point, broadcast to every entry); ``grad`` the
    derivative of the op's output entry with respect to each argument's entry at that point,
    by this project's convention (e.g. relu: ``Kink(at=(0.0,), grad=(0.0,))``).
    """

    at: tuple[float, ...]
    grad: tuple[float, ...]


@dataclass(frozen=True)
class OpRow:
    """An op under test.

    - ``fn(*tensors)``: the op on Tensors (a method, a ``functional`` function, an operator);
    - ``ref(*arrays)``: the same function in plain numpy, the closed form its values are
      checked against;
    - ``shapes``: one input shape per argument (different shapes test broadcasting);
    - ``domain``: inputs are drawn uniformly from it, at least ``margin`` away from every
      kink (finite differences across a kink converge to neither side);
    - ``kinks``: the derivative convention at each kink (elementwise ops only);
    - ``dref(*arrays)``: the closed-form derivative of an elementwise op, one array per
      argument (checked against reverse and forward mode, at kinks too); None if not written;
    - ``smooth``: second derivatives are checked (False for piecewise-linear ops, whose
      second derivative is 0 almost everywhere and a Dirac at the kink);
    - ``scalar(*values)``: the scalar engine's version of an elementwise op, if it has one.
    - ``positive``: extra constraints on the inputs are expressed through ``domain``;
      ``make_inputs`` overrides drawing entirely (e.g. integer index arrays).
    """

    name: str
    fn: Callable[..., Any]
    ref: Callable[..., Any]
    shapes: tuple[tuple[int, ...], ...] = ((3, 4),)
    domain: tuple[float, float] = (-2.0, 2.0)
    margin: float = 1e-2
    kinks: tuple[Kink, ...] = ()
    dref: Callable[..., tuple[np.ndarray, ...]] | None = None
    smooth: bool = True
    scalar: Callable[..., Any] | None = None
    make_inputs: Callable[[np.random.Generator], tuple[np.ndarray, ...]] | None = None
    tags: tuple[str, ...] = field(default=())

    def inputs(self, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        """float64 inputs drawn from ``domain``, each entry ``margin`` away from every kink."""
        if self.make_inputs is not None:
            return self.make_inputs(rng)
        lo, hi = self.domain
        out = []
        for i, shape in enumerate(self.shapes):
            x = rng.uniform(lo, hi, size=shape)
            points = [k.at[i] for k in self.kinks]
            for _ in range(100):  # redraw the entries that fall near a kink
                near = np.zeros(x.shape, dtype=bool)
                for p in points:
                    near |= np.abs(x - p) < self.margin
                if not near.any():
                    break
                x[near] = rng.uniform(lo, hi, size=int(near.sum()))
            out.append(np.asarray(x, dtype=np.float64))
        return tuple(out)
