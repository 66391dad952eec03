"""Elementwise ops of several tensors: maximum, minimum, where, clamp, lerp, tensor powers.

Every op broadcasts as numpy does and promotes dtypes as numpy does; gradients come back
shaped like the broadcast inputs and the engine sums them down (``engine/graph.py``).
Selections (which input a tie or a mask sends the gradient to) are constants of the rule,
read with ``data_of``; where a masked-out branch could hold inf or NaN, the
input is replaced by a harmless constant *before* the arithmetic, never multiplied by 0
afterwards (inf * 0 is NaN, in the gradient and in its gradient).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import Grad, Op, call, data_of
from .math import Log
from .tangents import plus, times, zero_if_none

__all__ = ["Maximum", "Minimum", "Where", "Clamp", "ClampTensor", "Lerp", "Power"]

Grads = Sequence[Grad]
Arrays = Sequence[np.ndarray]


def _broadcast_error(name: str, *arrays: np.ndarray) -> ValueError:
    shapes = " and ".join(str(a.shape) for a in arrays)
    return ValueError(f"{name}: shapes {shapes} cannot be broadcast together")


def _share(a: np.ndarray, b: np.ndarray, a_loses: np.ndarray, like: Grad) -> np.ndarray:
    """The share of the gradient that goes to ``a``: 0 where it loses, 1/2 at a tie, else 1.

    "Else" includes a NaN in a or b (no comparison holds): both get all of it, as torch.
    """
    return np.where(a == b, 0.5, ~a_loses).astype(data_of(like).dtype, copy=False)


def _select(
    a: np.ndarray, b: np.ndarray, a_loses: np.ndarray, b_loses: np.ndarray, t: Arrays
) -> np.ndarray:
    """The tangent of max or min: the winner's, the mean at a tie, both added at a NaN
    (the same weights as backward), selected rather than multiplied."""
    ta, tb = zero_if_none(t[0], a), zero_if_none(t[1], b)  # selected, never scaled
    return np.where(a == b, 0.5 * (ta + tb), np.where(a_loses, tb, np.where(b_loses, ta, ta + tb)))


def _substitute(mask: np.ndarray, value: float, x: Grad) -> Grad:
    """x with ``value`` (a constant) where ``mask`` holds: a differentiable np.where."""
    return call(Where, mask, np.asarray(value, dtype=data_of(x).dtype), x)


class Maximum(Op):
    """max(a, b) elementwise (NaN propagates, as numpy and torch).

    d/da = 1 where a > b, 0 where a < b, and 1/2 at a tie a = b (torch's choice: the
    gradient is split equally between the two; d/db likewise). Where a or b is NaN both
    get 1 (torch: neither is masked, as no comparison holds).
    """

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            return np.maximum(a, b)
        except ValueError:
            raise _broadcast_error("maximum", a, b) from None

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        a, b = data_of(inputs[0]), data_of(inputs[1])
        ga = g * _share(a, b, a < b, g) if self.needs[0] else None
        return ga, (g * _share(b, a, b < a, g) if self.needs[1] else None)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        a, b = inputs
        return _select(a, b, a < b, b < a, t)


class Minimum(Op):
    """min(a, b) elementwise: d/da = 1 where a < b, 0 where a > b, 1/2 at a tie, and 1 to
    both where either is NaN (as torch)."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            return np.minimum(a, b)
        except ValueError:
            raise _broadcast_error("minimum", a, b) from None

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        a, b = data_of(inputs[0]), data_of(inputs[1])
        ga = g * _share(a, b, a > b, g) if self.needs[0] else None
        return ga, (g * _share(b, a, b > a, g) if self.needs[1] else None)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        a, b = inputs
        return _select(a, b, a > b, b > a, t)


class Where(Op):
    """cond ? a : b elementwise; cond is a bool tensor (as in torch) and gets no gradient.

    d/da = 1 where cond holds, else 0; d/db the other way round.
    """

    def forward(self, cond: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if cond.dtype != np.bool_:
            raise TypeError(
                f"where: the condition must be a bool tensor, got dtype {cond.dtype} "
                "(compare to get one, e.g. x > 0)"
            )
        try:
            return np.where(cond, a, b)
        except ValueError:
            raise _broadcast_error("where", cond, a, b) from None

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        cond = data_of(inputs[0])
        zero = np.zeros((), dtype=data_of(g).dtype)
        # a selection, not g * mask: an inf in the unselected entries of g stays out
        ga = call(Where, cond, g, zero) if self.needs[1] else None
        gb = call(Where, cond, zero, g) if self.needs[2] else None
        return None, ga, gb

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return np.where(inputs[0], zero_if_none(t[1], inputs[1]), zero_if_none(t[2], inputs[2]))


class Clamp(Op):
    """min(max(x, lo), hi) for number bounds, either one None (absent).

    d/dx = 1 for lo <= x <= hi, bounds included (a subgradient, torch 2.13's; torch 2.14
    gives 0 at a bound, pytorch/pytorch#195931: tests/test_against_torch.py), 0 outside.
    With lo > hi every entry is hi (as numpy and torch) and d/dx = 0.
    """

    def forward(
        self, x: np.ndarray, min: float | None = None, max: float | None = None
    ) -> np.ndarray:
        if min is None and max is None:
            raise TypeError("clamp: give at least one of min and max")
        self.lo, self.hi = min, max
        return np.clip(x, min, max)

    def _inside(self, x: np.ndarray) -> np.ndarray:
        inside = np.ones(x.shape, dtype=bool) if self.lo is None else x >= self.lo
        return inside if self.hi is None else inside & (x <= self.hi)

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return (g * self._inside(data_of(inputs[0])),)

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        return np.where(self._inside(inputs[0]), t[0], 0.0)


class ClampTensor(Op):
    """min(max(x, lo), hi) with tensor bounds (broadcast), either one absent.

    Inputs: x, then lo if ``has_min``, then hi if ``has_max``. Exactly one input gets the
    gradient at each entry: x where lo <= x <= hi (bounds included), lo where x < lo <= hi,
    hi where x > hi or lo > hi (the output is hi there), none where a NaN is involved (as
    torch). torch 2.13 agrees at x equal to a bound (x gets it); 2.14 splits the gradient
    1/2, 1/2 between x and that bound. At lo = hi > x torch gives no input any gradient;
    here lo, which the output equals, does.
    """

    def forward(
        self, x: np.ndarray, *bounds: np.ndarray, has_min: bool, has_max: bool
    ) -> np.ndarray:
        if len(bounds) != has_min + has_max or not bounds:
            raise TypeError("clamp: give at least one of min and max")
        self.has_min, self.has_max = has_min, has_max
        lo = bounds[0] if has_min else None
        hi = bounds[-1] if has_max else None
        try:
            return np.clip(x, lo, hi)
        except ValueError:
            raise _broadcast_error("clamp", x, *bounds) from None

    def _masks(self, inputs: Grads) -> tuple[np.ndarray, ...]:
        x, *bounds = (data_of(i) for i in inputs)
        if self.has_min and self.has_max:
            lo, hi = bounds
            inside = (x >= lo) & (x <= hi)
            below = (x < lo) & (lo <= hi)
            # not ~(inside | below): where a NaN is involved no input gets it, as torch
            return inside, below, (x > hi) | (lo > hi)
        if self.has_min:
            return x >= bounds[0], x < bounds[0]
        return x <= bounds[0], x > bounds[0]

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        return tuple(
            g * m if need else None for m, need in zip(self._masks(inputs), self.needs, strict=True)
        )

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        masks = self._masks(inputs)
        # a selection: an input without a tangent contributes nothing
        terms = [
            None if ti is None else np.where(m, ti, 0.0) for m, ti in zip(masks, t, strict=True)
        ]
        return plus(*terms)


class Lerp(Op):
    """start + w (end - start), exact at both ends (torch's two-sided formula).

    d/dstart = 1 - w, d/dend = w, d/dw = end - start.
    """

    def forward(self, start: np.ndarray, end: np.ndarray, weight: np.ndarray) -> np.ndarray:
        try:
            diff = end - start
            # from the nearer end: w = 1 gives end exactly, not start + (end - start)
            return np.where(weight < 0.5, start + weight * diff, end - diff * (1.0 - weight))
        except ValueError:
            raise _broadcast_error("lerp", start, end, weight) from None

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        start, end, w = inputs
        return (
            g * (1.0 - w) if self.needs[0] else None,
            g * w if self.needs[1] else None,
            g * (end - start) if self.needs[2] else None,
        )

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        start, end, w = inputs
        return plus(times(1.0 - w, t[0]), times(w, t[1]), times(end - start, t[2]))


class Power(Op):
    """a ** b for a tensor exponent b (numpy's promotion: int ** int stays int).

    d/da = b a^(b-1), taken as 0 where b = 0 (also at a = 0, as torch);
    d/db = a^b log(a), taken as 0 where a = 0 and b >= 0 (as torch; the limit from a > 0).
    A negative base has no real d/db (NaN, as in torch).
    """

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.dtype.kind in "biu" and b.dtype.kind in "biu" and np.any(b < 0):
            raise ValueError(
                "pow: integers to negative integer powers are not allowed "
                "(convert the base to float first, e.g. x.astype(np.float64))"
            )
        try:
            return np.power(a, b)
        except ValueError:
            raise _broadcast_error("pow", a, b) from None

    def backward(self, g: Grad, inputs: Grads, out: Grad) -> tuple[Grad, ...]:
        a, b = inputs
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):  # a negative or zero base
            if self.needs[0]:
                b_zero = data_of(b) == 0
                a_safe = _substitute(b_zero, 1.0, a) if b_zero.any() else a
                ga = g * (b * a_safe ** (b - 1.0))  # b = 0 there: exactly 0, no 0 * inf
            if self.needs[1]:
                a_zero = (data_of(a) == 0) & (data_of(b) >= 0)
                a_safe = _substitute(a_zero, 1.0, a) if a_zero.any() else a
                gb = g * (out * call(Log, a_safe))  # log 1 = 0 there
        return ga, gb

    def jvp(self, t: Arrays, inputs: Arrays, out: np.ndarray) -> np.ndarray:
        a, b = inputs
        with np.errstate(divide="ignore", invalid="ignore"):
            da = np.where(b == 0, 0.0, b * np.power(a, b - 1.0))
            zero = (a == 0) & (b >= 0)  # as backward: log 0 kept for b < 0 (inf * -inf = -inf)
            db = np.where(zero, 0.0, out * np.log(np.where(zero, 1.0, a)))
        return plus(times(da, t[0]), times(db, t[1]))
