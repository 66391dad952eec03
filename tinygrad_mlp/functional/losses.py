"""Losses: softmax cross-entropy (one fused node), with its target checked at the call."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..engine.tensor import Tensor

__all__ = ["cross_entropy"]


def _check_target(logits: Tensor, target: Any) -> dict[str, np.ndarray]:
    """Validate ``target`` against logits of shape (B, K): int labels (B,) or floats (B, K)."""
    t = target if type(target) is np.ndarray else getattr(target, "data", None)
    if not isinstance(t, np.ndarray):
        t = np.asarray(target)
    batch, classes = logits.data.shape
    if t.dtype.kind in "iu":
        if t.shape != (batch,):
            raise ValueError(
                f"cross_entropy: integer labels must have shape ({batch},) for logits of "
                f"shape {logits.shape}, got {t.shape}"
            )
        # A copy (the caller may reuse its array before backward), unsigned: a negative
        # label becomes huge, so one reduction checks both ends of the range.
        labels = t.astype(np.uintp)
        if batch and labels.max() >= classes:
            signed = t.astype(np.int64)
            bad = signed[(signed < 0) | (signed >= classes)][0]
            raise ValueError(
                f"cross_entropy: label {bad} is out of range for {classes} classes "
                f"(labels must lie in [0, {classes - 1}])"
            )
        return {"labels": labels}
    if t.dtype.kind != "f":
        raise TypeError(
            f"cross_entropy: target must hold integer labels or float probabilities, "
            f"got dtype {t.dtype}"
        )
    if t.shape != logits.shape:
        raise ValueError(
            f"cross_entropy: probability targets must have the logits' shape {logits.shape}, "
            f"got {t.shape}"
        )
    if not np.isfinite(t).all() or (t < 0).any():
        raise ValueError("cross_entropy: probability targets must be finite and non-negative")
    return {"probs": t.astype(logits.dtype, copy=True)}


def cross_entropy(logits: Tensor, target: Any) -> Tensor:
    """Mean softmax cross-entropy over the batch, stable by log-sum-exp (seed eq. 1).

    E = -(1/B) sum_b sum_k t_bk (z_bk - log sum_c e^{z_bc}); dE/dz = (a sum(t) - t) / B,
    which is the seed's eq. 3, (a - t) / B, when each target row sums to one.
    ``target``: integer labels of shape (B,) or (non-negative) probabilities of shape (B, K).

    Example::

        >>> z = Tensor(np.array([[2.0, 0.0]]), requires_grad=True)
        >>> round(cross_entropy(z, np.array([0])).item(), 12)   # -log(e^2 / (e^2 + 1))
        0.126928011043
    """
    if not isinstance(logits, Tensor):
        raise TypeError(f"cross_entropy: logits must be a Tensor, got {type(logits).__name__}")
    z = logits.data
    if z.dtype.kind != "f":
        raise TypeError(f"cross_entropy: logits must be floating point, got dtype {z.dtype}")
    if z.ndim != 2 or z.shape[0] == 0 or z.shape[1] == 0:
        raise ValueError(
            f"cross_entropy: logits must have shape (B, K) with B, K >= 1, got {z.shape}"
        )
    return ops.CrossEntropy.apply(logits, **_check_target(logits, target))
