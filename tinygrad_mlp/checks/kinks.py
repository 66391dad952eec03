"""Telling a kink from a smooth point, and what an analytic gradient must satisfy at one.

At a point x and along a direction (a unit vector e_i, or a random v) the check knows the
one-sided differences D+ = (f(x + h) - f(x)) / h and D- = (f(x) - f(x - h)) / h.

- Smooth f: D+ - D- = h f'' + O(h^2), so the gap shrinks in proportion to the step.
- A kink (relu at 0, max with ties) within the step: the gap is a jump in the slope and does
  not shrink when the step does.

So when the gap at step eps exceeds the tolerance, both are measured again at eps / 4.
If the gap stays above the tolerance and above half its first size, the entry is a kink:
for smooth f the gap is (f(x+h) - 2 f(x) + f(x-h)) / h = h f'' + h^3 f'''' / 12 + ..., so a
step four times smaller leaves about a quarter of it. A kink further than eps/4 from the
point is stepped over by the finer difference, which then serves as the reference; so the
kinks a report counts are those within eps/4. There a derivative does not exist; the
analytic value passes when it lies between the two one-sided derivatives, i.e. it is a
subgradient along that direction (relu'(0) = 0 lies in [0, 1]). Otherwise the finer central
difference, free of the curvature that opened the gap, is the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["OneSided", "Verdict", "REFINE", "judge"]

REFINE = 4  # the second step is eps / REFINE


@dataclass(frozen=True)
class OneSided:
    """The one-sided differences D+ and D- at one step, and their central mean."""

    plus: float
    minus: float
    central: float

    @property
    def gap(self) -> float:
        """|D+ - D-|: about h |f''| where f is smooth, a jump in slope at a kink."""
        return abs(self.plus - self.minus)


@dataclass(frozen=True)
class Verdict:
    """How one entry (or direction) compared: the reference value, its error, kink or not."""

    numeric: float
    err: float
    bound: float
    kink: bool

    @property
    def ok(self) -> bool:
        """True when the error is within the bound."""
        return self.err <= self.bound


def judge(
    analytic: float,
    coarse: OneSided,
    finer: Callable[[], OneSided],
    atol: float,
    rtol: float,
) -> Verdict:
    """Compare ``analytic`` with the finite differences, setting kinks aside as subgradients.

    ``finer()`` measures the one-sided differences again at step eps / 4; it is called only
    when the coarse ones disagree, so a smooth function costs nothing extra.

    Example (relu at 0: D- = 0, D+ = 1, relu'(0) = 0 is a subgradient)::

        >>> v = judge(0.0, OneSided(1.0, 0.0, 0.5), lambda: OneSided(1.0, 0.0, 0.5), 1e-6, 1e-5)
        >>> v.kink, v.ok
        (True, True)
    """

    def against(value: float) -> Verdict:
        bound = atol + rtol * abs(value)
        return Verdict(value, abs(analytic - value), bound, False)

    if coarse.gap <= atol + rtol * abs(coarse.central):
        return against(coarse.central)
    fine = finer()
    smooth = against(fine.central)
    # How each one-sided difference moved between the steps: for smooth f, by about
    # +-(3/8) eps f'' (opposite signs); with a kink inside the step on one side, only that
    # side moves. A lopsided move flags a kink the gap ratio misses (at eps/7 to eps/4).
    d_plus, d_minus = coarse.plus - fine.plus, coarse.minus - fine.minus
    lopsided = abs(d_plus + d_minus) > max(smooth.bound, abs(d_plus - d_minus) / 2)
    still_open = fine.gap > atol + rtol * abs(fine.central)
    if still_open and (fine.gap > coarse.gap / 2 or (lopsided and not smooth.ok)):
        lo, hi = min(fine.plus, fine.minus), max(fine.plus, fine.minus)
        nearest = min(max(analytic, lo), hi)
        bound = atol + rtol * max(abs(lo), abs(hi))
        return Verdict(nearest, abs(analytic - nearest), bound, True)
    return smooth
