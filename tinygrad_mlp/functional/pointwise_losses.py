"""Elementwise losses: mse, l1, huber / smooth_l1, binary cross-entropy (on probabilities and on
logits). Each compares ``input`` with a ``target`` of the same shape, entry by entry, then
reduces with ``reduction="mean" | "sum" | "none"`` (torch's names and defaults).

A target may be a Tensor that requires grad (its gradient is computed too) or an array.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..engine import state as _engine_state
from ..tensor import Tensor
from .losses import reduce_loss

__all__ = [
    "mse_loss",
    "l1_loss",
    "huber_loss",
    "smooth_l1_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
]


def _pair(input: Any, target: Any, who: str) -> tuple[Tensor, Tensor]:
    """``input`` a float Tensor, ``target`` a Tensor of the same shape (arrays are lifted)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{who}: input must be floating point, got dtype {input.dtype}")
    if not isinstance(target, Tensor):
        # an ndarray as itself (its .data is a memoryview), so tm.jit sees the argument
        arr = target if type(target) is np.ndarray else np.asarray(getattr(target, "data", target))
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{who}: target must hold numbers, got dtype {arr.dtype}")
        target = Tensor._make(arr.astype(input.dtype), False)
        if _engine_state.tracer is not None:  # tm.jit: converted from `arr` (an argument)
            _engine_state.tracer.made(target, arr, input.dtype)
    if target.shape != input.shape:
        raise ValueError(
            f"{who}: target has shape {target.shape}, input has {input.shape}; they must match "
            "(a broadcast target is usually a bug)"
        )
    return input, target


def _weighted(per: Tensor, weight: Any) -> Tensor:
    return per if weight is None else per * weight  # torch: weight rescales each entry's loss


def mse_loss(input: Tensor, target: Any, *, reduction: str = "mean") -> Tensor:
    """(input - target)^2, reduced; d/d input = 2 (input - target) (/ N for "mean").

    Example::

        >>> F.mse_loss(Tensor(np.array([1.0, 3.0])), np.array([0.0, 0.0])).item()
        5.0
    """
    x, y = _pair(input, target, "mse_loss")
    d = x - y
    return reduce_loss(d * d, reduction, "mse_loss")


def l1_loss(input: Tensor, target: Any, *, reduction: str = "mean") -> Tensor:
    """|input - target|, reduced; d/d input = sign(input - target), 0 where they are equal
    (torch's convention).

    Example::

        >>> F.l1_loss(Tensor(np.array([1.0, -3.0])), np.zeros(2), reduction="sum").item()
        4.0
    """
    x, y = _pair(input, target, "l1_loss")
    return reduce_loss((x - y).abs(), reduction, "l1_loss")


def _huber(d: Tensor, delta: float) -> Tensor:
    # c = clip(d, -delta, delta): c (d - c/2) is d^2/2 inside and delta (|d| - delta/2)
    # outside; its derivative c + c' (d - c) is d inside, +-delta outside, and at |d| = delta
    # the second term vanishes (d = c), so any convention for c' gives delta: no kink there.
    # The second derivative c' (2 - c') is torch's 0 at |d| = delta only if c' is 0 there:
    # hardtanh (open interval), not clamp (whose derivative includes the bounds).
    c = d.hardtanh(-delta, delta)
    return c * (d - c * 0.5)


def huber_loss(
    input: Tensor, target: Any, *, reduction: str = "mean", delta: float = 1.0
) -> Tensor:
    """d^2 / 2 where |d| <= delta, else delta (|d| - delta / 2), d = input - target.

    d/d input = clamp(d, -delta, delta): continuous; the second derivative jumps at
    |d| = delta (1 inside, 0 outside and at |d| = delta itself, as torch).

    Example::

        >>> F.huber_loss(Tensor(np.array([0.5, 3.0])), np.zeros(2), reduction="none").numpy()
        array([0.125, 2.5  ])
    """
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    x, y = _pair(input, target, "huber_loss")
    return reduce_loss(_huber(x - y, float(delta)), reduction, "huber_loss")


def smooth_l1_loss(
    input: Tensor, target: Any, *, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """d^2 / (2 beta) where |d| < beta, else |d| - beta / 2: huber_loss / beta, l1 for beta = 0.

    Example::

        >>> F.smooth_l1_loss(Tensor(np.array([0.5, 3.0])), np.zeros(2), reduction="none").numpy()
        array([0.125, 2.5  ])
    """
    if not beta >= 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    x, y = _pair(input, target, "smooth_l1_loss")
    if beta == 0:
        return reduce_loss((x - y).abs(), reduction, "smooth_l1_loss")
    return reduce_loss(_huber(x - y, float(beta)) * (1.0 / beta), reduction, "smooth_l1_loss")


def binary_cross_entropy(
    input: Tensor, target: Any, *, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) for probabilities p = ``input`` in [0, 1], reduced.

    As torch: each log is floored at -100 (finite at p = 0 or 1), d/dp is
    (p - y) / max(p (1 - p), 1e-12), d/dy is log(1 - p) - log p. For logits use
    ``binary_cross_entropy_with_logits`` (exact, no floor needed).

    Example::

        >>> round(F.binary_cross_entropy(Tensor(np.array([0.8])), np.array([1.0])).item(), 6)
        0.223144
    """
    p, y = _pair(input, target, "binary_cross_entropy")
    per = ops.BinaryCrossEntropy.apply(p, y)  # refuses p outside [0, 1] or y not finite
    return reduce_loss(_weighted(per, weight), reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(
    input: Tensor, target: Any, *, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """log(1 + e^x) - y x for logits x = ``input``: BCE of sigmoid(x), exact for any x.

    Computed as c x + log1p(e^{-|x|}), c = 1 - y for x > 0 else -y, so |x| = 1000 gives a
    finite, exact loss and x = +-inf its limit (inf, or 0 where c = 0; torch gives NaN
    there); d/dx = sigmoid(x) - y (smooth: 1/2 - y at x = 0), d/dy = -x, as torch.

    Example::

        >>> x = Tensor(np.array([1000.0, -1000.0]), requires_grad=True)
        >>> loss = F.binary_cross_entropy_with_logits(x, np.array([0.0, 0.0]), reduction="sum")
        >>> loss.item()
        1000.0
    """
    x, y = _pair(input, target, "binary_cross_entropy_with_logits")
    per = ops.BinaryCrossEntropyWithLogits.apply(x, y)
    return reduce_loss(_weighted(per, weight), reduction, "binary_cross_entropy_with_logits")
