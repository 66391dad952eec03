"""Classification losses: softmax cross-entropy (one fused node) and nll_loss, targets checked
at the call. Each takes ``reduction="mean" | "sum" | "none"``, as torch.

The elementwise losses (mse, l1, huber, binary cross-entropy) are in ``pointwise_losses``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from .. import ops
from ..engine import state as _engine_state
from ..engine.grad_mode import _grad_mode
from ..tensor import Tensor

__all__ = ["cross_entropy", "nll_loss", "reduce_loss", "REDUCTIONS"]

REDUCTIONS = ("mean", "sum", "none")


def _check_target(
    logits: Tensor, target: Any, who: str = "cross_entropy", in_range: bool = True
) -> dict[str, np.ndarray]:
    """Validate ``target`` against logits of shape (B, K): int labels (B,) or floats (B, K).

    ``in_range=False`` leaves the labels' range to the fused ``CrossEntropy`` node, which
    refuses a label out of range itself, with the same error, as it turns them into indices.
    """
    t = target if type(target) is np.ndarray else getattr(target, "data", None)
    if not isinstance(t, np.ndarray):
        t = np.asarray(target)
    batch, classes = logits.data.shape
    if t.dtype.kind in "iu":
        if t.shape != (batch,):
            raise ValueError(ops.bad_labels(t, (batch, classes), who))
        # A copy (the caller may reuse its array before backward) of the labels' sign, so an
        # error names a label as given; _in_range reads it unsigned.
        labels = t.astype(np.intp if t.dtype.kind == "i" else np.uintp)
        check = partial(_in_range, classes=classes, who=who) if in_range else None
        if _engine_state.tracer is not None:  # tm.jit: converted from `t`, checked on replay
            _engine_state.tracer.converted(labels, t, check)
        if check is not None:
            check(labels)
        return {"labels": labels}
    if t.dtype.kind != "f":
        raise TypeError(
            f"{who}: target must hold integer labels or float probabilities, got dtype {t.dtype}"
        )
    if t.shape != logits.shape:
        raise ValueError(
            f"{who}: probability targets must have the logits' shape {logits.shape}, got {t.shape}"
        )
    # checked as converted (a float64 target too large for float32 logits is not finite)
    probs = t.astype(logits.dtype, copy=True)
    check = partial(_valid_probs, who=who)
    if _engine_state.tracer is not None:  # tm.jit: converted from `t`, checked on replay
        _engine_state.tracer.converted(probs, t, check)
    check(probs)
    return {"probs": probs}


def _valid_probs(probs: np.ndarray, who: str) -> None:
    """Raise ValueError unless every probability is finite and non-negative."""
    if not np.isfinite(probs).all() or (probs < 0).any():
        raise ValueError(f"{who}: probability targets must be finite and non-negative")


def _valid_as(probs: np.ndarray, dtype: np.dtype[Any], who: str = "cross_entropy") -> None:
    """``_valid_probs`` of ``probs`` converted to ``dtype`` (the logits')."""
    _valid_probs(probs if probs.dtype == dtype else probs.astype(dtype), who)


def _in_range(labels: np.ndarray, classes: int, who: str) -> None:
    """Raise ValueError unless every label (intp or uintp) lies in [0, classes)."""
    # read as unsigned, a negative label is huge: one reduction checks both ends of the range
    if labels.size and np.maximum.reduce(labels.view(np.uintp)) >= classes:  # labels.max()
        raise ValueError(ops.bad_labels(labels, (labels.size, classes), who))


def _rows(batch: int) -> np.ndarray:
    """np.arange(batch), the row of each label; tm.jit is told it is made from a Python int
    (a constant of the step), not from values it cannot follow."""
    rows = np.arange(batch)
    if _engine_state.tracer is not None:
        _engine_state.tracer.made(rows, 0, None)
    return rows


def _differentiable_target(target: Any) -> Tensor | None:
    """``target`` if it is a Tensor a derivative is asked of (requires grad, or carries a
    forward-mode tangent), else None: the fused node treats its target as a constant."""
    if not isinstance(target, Tensor):
        return None
    tangents = _grad_mode.tangents
    wanted = (target.requires_grad and _grad_mode.enabled) or (
        tangents is not None and id(target) in tangents
    )
    return target if wanted else None


def _check_logits(logits: Any, who: str) -> None:
    """Logits (or log-probabilities) must be a float Tensor of shape (B, K), B, K >= 1."""
    if not isinstance(logits, Tensor):
        raise TypeError(f"{who}: logits must be a Tensor, got {type(logits).__name__}")
    z = logits.data
    if z.dtype.kind != "f":
        raise TypeError(f"{who}: logits must be floating point, got dtype {z.dtype}")
    if z.ndim != 2 or z.shape[0] == 0 or z.shape[1] == 0:
        raise ValueError(f"{who}: logits must have shape (B, K) with B, K >= 1, got {z.shape}")


def _check_reduction(reduction: str, who: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{who}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def reduce_loss(per_item: Tensor, reduction: str, who: str = "loss") -> Tensor:
    """The per-item losses averaged ("mean"), added ("sum") or kept as they are ("none").

    Example::

        >>> reduce_loss(Tensor(np.array([1.0, 3.0])), "mean").item()
        2.0
    """
    _check_reduction(reduction, who)
    if reduction == "mean":
        return per_item.mean()
    return per_item.sum() if reduction == "sum" else per_item


def cross_entropy(
    logits: Tensor, target: Any, *, reduction: str = "mean", label_smoothing: float = 0.0
) -> Tensor:
    """Softmax cross-entropy per row, stable by log-sum-exp (seed eq. 1), then reduced.

    E = -(1/B) sum_b sum_k t_bk (z_bk - log sum_c e^{z_bc}); dE/dz = (a sum(t) - t) / B,
    which is the seed's eq. 3, (a - t) / B, when each target row sums to one.
    ``target``: integer labels of shape (B,) or (non-negative) probabilities of shape (B, K).
    ``label_smoothing`` = s mixes the target with the uniform one, t (1 - s) + s / K, as
    torch. The default (mean, no smoothing) is one fused node, the seed network's fast path.
    A probability target that requires grad gets one, as in torch: dE/dt_bk = -log a_bk / B
    (the loss is then built from log_softmax, so it is differentiable in both arguments).

    Example::

        >>> z = Tensor(np.array([[2.0, 0.0]]), requires_grad=True)
        >>> round(cross_entropy(z, np.array([0])).item(), 12)   # -log(e^2 / (e^2 + 1))
        0.126928011043
    """
    _check_logits(logits, "cross_entropy")
    fused = reduction == "mean" and label_smoothing == 0.0
    # the fused node checks the labels' range itself, as it turns them into indices
    checked = _check_target(logits, target, in_range=not fused)
    # a target that requires grad is an input of the graph, not a constant copied in
    soft = _differentiable_target(target) if "probs" in checked else None
    if soft is not None and _engine_state.tracer is not None:
        # tm.jit: the loss reads the target itself, not the copy checked above: the
        # replay checks it (as converted) where the loss first reads it
        _engine_state.tracer.check_on_read(soft, partial(_valid_as, dtype=logits.dtype))
    if fused and soft is None:
        return ops.CrossEntropy.apply(logits, **checked)
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(
            f"cross_entropy: label_smoothing must lie in [0, 1], got {label_smoothing}"
        )
    s, (batch, classes) = float(label_smoothing), logits.shape
    log_a = ops.LogSoftmax.apply(logits, axis=1)
    labels = checked.get("labels")
    if labels is not None:
        picked = ops.Index.apply(log_a, index=(_rows(batch), labels))
        per_row = picked * -(1.0 - s)
        if s:
            per_row = per_row - log_a.sum(axis=1) * (s / classes)
    else:
        # a Tensor either way, so the smoothing is ops (tm.jit follows them), not numpy
        probs = log_a._lift(checked["probs"]) if soft is None else soft.astype(logits.dtype)
        t = probs * (1.0 - s) + s / classes if s else probs
        # 0 * log(0) counts as 0, not NaN, where a logit is -inf: so zero the log there
        # before the product; nowhere else (d/dt is -log a at a zero of t too, as torch).
        # Built from ops on every call, not a branch on the data, so tm.jit replays it.
        finite = log_a.where(log_a.isfinite(), 0.0)
        log_a = log_a.where(t != 0, finite)
        per_row = -(log_a * t).sum(axis=1)
    return reduce_loss(per_row, reduction, "cross_entropy")


def nll_loss(log_probs: Tensor, target: Any, *, reduction: str = "mean") -> Tensor:
    """-log_probs[b, target_b] per row, reduced: cross-entropy given log-probabilities.

    ``log_probs`` of shape (B, K) (e.g. from ``log_softmax``), ``target`` integer labels
    of shape (B,) in [0, K). d/d log_probs[b, k] = -1 where k = target_b (/ B for "mean").

    Example::

        >>> lp = Tensor(np.log(np.array([[0.25, 0.75]])))
        >>> round(nll_loss(lp, np.array([1])).item(), 6)   # -log 0.75
        0.287682
    """
    _check_logits(log_probs, "nll_loss")
    _check_reduction(reduction, "nll_loss")
    checked = _check_target(log_probs, target, "nll_loss")
    labels = checked.get("labels")
    if labels is None:
        raise TypeError(
            "nll_loss: target must hold integer labels (use cross_entropy for probabilities)"
        )
    picked = ops.Index.apply(log_probs, index=(_rows(log_probs.shape[0]), labels))
    return reduce_loss(-picked, reduction, "nll_loss")
