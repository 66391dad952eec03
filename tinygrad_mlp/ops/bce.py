"""Binary cross-entropy as single nodes: on probabilities, and on logits (stable for any x).

Both are elementwise in (input, target); the functional losses reduce them afterwards.
One node each, because a composition gets the edges wrong: log(0) = -inf times a zero
target is NaN, and relu(x) + log1p(exp(-|x|)) differentiated piece by piece gives
relu'(0) + abs'(0) terms = 0 at x = 0 instead of sigmoid(0) = 1/2.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .activation import Sigmoid
from .base import Grad, Op, call, data_of
from .math import Log
from .tangents import plus, times

__all__ = ["BinaryCrossEntropy", "BinaryCrossEntropyWithLogits", "LOG_FLOOR", "DENOM_EPS"]

LOG_FLOOR = -100.0  # torch clamps log p and log(1 - p) at -100: a finite loss at p = 0 or 1
DENOM_EPS = 1e-12  # torch's floor on p (1 - p) in the gradient (p - y) / (p (1 - p))


def _floored_logs(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore"):  # log 0 = -inf, floored next
        return np.maximum(np.log(p), LOG_FLOOR), np.maximum(np.log1p(-p), LOG_FLOOR)


def _floored_log(x: Grad) -> Grad:
    """max(log x, -100), differentiable (1/x above the floor, 0 below), finite at x = 0."""
    above = (data_of(x) > np.exp(LOG_FLOOR)).astype(data_of(x).dtype)
    # x replaced by 1 below the floor (log 1 = 0, derivative finite), then masked: no 0 * inf
    return call(Log, x * above + (1 - above)) * above + LOG_FLOOR * (1 - above)


class BinaryCrossEntropy(Op):
    """l = -(y log p + (1 - y) log(1 - p)) for probabilities p in [0, 1], logs floored at -100.

    dl/dp = (p - y) / max(p (1 - p), 1e-12) and dl/dy = log(1 - p) - log p, as torch.
    """

    def forward(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        # checked here, not before the node, so that a tm.jit replay (which runs forward,
        # never the functional's Python) refuses them as the eager step does
        if p.size and not (np.all(p >= 0) and np.all(p <= 1)):
            raise ValueError("binary_cross_entropy: input must hold probabilities in [0, 1]")
        if not np.isfinite(y).all():
            raise ValueError("binary_cross_entropy: target must be finite")
        log_p, log_q = _floored_logs(p)
        return -(y * log_p + (1 - y) * log_q)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad | None, ...]:
        p, y = inputs
        gp = gy = None
        if self.needs[0]:
            denom = p * (1 - p)
            keep = (data_of(denom) >= DENOM_EPS).astype(data_of(p).dtype)
            gp = g * (p - y) / (denom * keep + DENOM_EPS * (1 - keep))
        if self.needs[1]:
            gy = g * (_floored_log(1 - p) - _floored_log(p))
        return gp, gy

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        p, y = inputs
        log_p, log_q = _floored_logs(p)
        slope = (p - y) / np.maximum(p * (1 - p), DENOM_EPS)
        return plus(times(slope, t[0]), times(log_q - log_p, t[1]))


class BinaryCrossEntropyWithLogits(Op):
    """l = log(1 + e^x) - y x, as c x + log1p(e^{-|x|}) with c = 1 - y for x > 0, else -y:
    exact for any x, infinite ones included.

    At x = +-inf the loss is inf where c != 0 (as torch: x = inf, y = 0 gives inf) and its
    limit 0 where c = 0 (y = 1 at +inf, y = 0 at -inf: a perfect prediction; torch's
    formula gives 0 * inf = NaN there). dl/dx = sigmoid(x) - y (1/2 - y at x = 0, no kink;
    1 - y and -y at +-inf), dl/dy = -x: torch's, at every x.
    """

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        # e^{-|x|} <= 1 never overflows; for |x| = 1000 it is 0 and l = c x exactly. Not
        # max(x, 0) - y x: at x = inf that is inf - y inf, NaN even for y = 0.
        c = np.where(x > 0, 1 - y, -y)
        with np.errstate(invalid="ignore"):  # 0 * inf, replaced by the limit 0 next
            cx = np.where(c == 0, 0.0, c * x)
        return (cx + np.log1p(np.exp(-np.abs(x)))).astype(np.result_type(x, y), copy=False)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad | None, ...]:
        x, y = inputs
        gx = g * (call(Sigmoid, x) - y) if self.needs[0] else None
        gy = -(g * x) if self.needs[1] else None
        return gx, gy

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        x, y = inputs
        e = np.exp(-np.abs(x))
        s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))  # sigmoid without overflow
        return plus(times(s - y, t[0]), times(-x, t[1]))
