"""Softmax and cross-entropy on lists of ``Value`` logits, built from Value ops.

Stable by log-sum-exp: the largest logit m is subtracted as a constant first. That changes
no derivative (log_softmax(z - m) = log_softmax(z) for any constant m) and keeps every
exponent <= 0, so nothing overflows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .numbers import as_float
from .value import Value, dot, vsum

__all__ = ["log_softmax", "softmax", "cross_entropy"]


def _check_logits(logits: Sequence[Value], who: str) -> list[Value]:
    z = list(logits)
    if not z:
        raise ValueError(f"{who}: logits are empty")
    for k, v in enumerate(z):
        if type(v) is not Value:
            raise TypeError(f"{who}: logits must be Values, got {type(v).__name__}")
        # NaN or +inf would surface later as a misleading "log needs a positive number";
        # -inf is a legal logit (a class masked out): its probability is exactly 0
        if math.isnan(v.data) or v.data == math.inf:
            raise ValueError(f"{who}: logit {k} is {v.data}; logits must be finite (or -inf)")
    return z


def log_softmax(logits: Sequence[Value]) -> list[Value]:
    """log a_k = (z_k - m) - log sum_c e^{z_c - m}, m = max z as a constant (seed eq. 1).

    Example::

        >>> from tinygrad_mlp.scalar import Value, log_softmax
        >>> [round(v.data, 6) for v in log_softmax([Value(0.0), Value(0.0)])]   # log 1/2
        [-0.693147, -0.693147]
    """
    z = _check_logits(logits, "log_softmax")
    m = max(v.data for v in z)
    shifted = [v - m for v in z]
    lse = vsum([s.exp() for s in shifted]).log()
    return [s - lse for s in shifted]


def softmax(logits: Sequence[Value]) -> list[Value]:
    """a_k = e^{z_k - m} / sum_c e^{z_c - m}, m = max z as a constant (seed section 0.1.2).

    Example::

        >>> from tinygrad_mlp.scalar import Value, softmax
        >>> [round(v.data, 6) for v in softmax([Value(1.0), Value(1.0)])]
        [0.5, 0.5]
    """
    z = _check_logits(logits, "softmax")
    m = max(v.data for v in z)
    e = [(v - m).exp() for v in z]
    s = vsum(e)
    return [v / s for v in e]


def _sample_loss(z: list[Value], target: Any, where: str) -> Value:
    """-sum_k t_k log a_k for one sample: an int label or K non-negative floats."""
    k = len(z)
    if isinstance(target, (int, np.integer)) and not isinstance(target, (bool, np.bool_)):
        label = int(target)
        if not 0 <= label < k:
            raise ValueError(
                f"cross_entropy: label {label}{where} is out of range for {k} classes "
                f"(labels must lie in [0, {k - 1}])"
            )
        return -log_softmax(z)[label]
    if isinstance(target, (str, bytes, bool, np.bool_)) or not hasattr(target, "__len__"):
        raise TypeError(
            f"cross_entropy: target{where} must be an int label or {k} probabilities, "
            f"got {type(target).__name__}"
        )
    t = [as_float(v, "cross_entropy target") for v in target]
    if len(t) != k:
        raise ValueError(
            f"cross_entropy: probability target{where} has {len(t)} entries, logits have {k}"
        )
    if not all(0.0 <= v < float("inf") for v in t):
        raise ValueError(
            f"cross_entropy: probability target{where} must be finite and non-negative, got {t}"
        )
    return dot([-v for v in t], log_softmax(z))


def cross_entropy(logits: Sequence[Value] | Sequence[Sequence[Value]], target: Any) -> Value:
    """E = -sum_k t_k log softmax(z)_k for one sample; the mean over samples for a batch.

    One sample: ``logits`` is K Values, ``target`` an int label or K probabilities.
    A batch: ``logits`` is B lists of K Values, ``target`` B labels or B probability rows
    (e.g. an int array of shape (B,) or a float array of shape (B, K)); E is averaged.

    Example::

        >>> from tinygrad_mlp.scalar import Value, cross_entropy
        >>> z = [Value(2.0), Value(0.0)]
        >>> loss = cross_entropy(z, 0); loss.backward()
        >>> round(loss.data, 12), round(z[0].grad, 6)    # -log(e^2/(e^2+1)), a_0 - 1
        (0.126928011043, -0.119203)
    """
    rows: list[Any] = list(logits)
    if not rows:
        raise ValueError("cross_entropy: logits are empty")
    if type(rows[0]) is Value or not hasattr(rows[0], "__len__"):
        return _sample_loss(_check_logits(rows, "cross_entropy"), target, "")
    batch = len(rows)
    if isinstance(target, np.ndarray):
        if target.dtype.kind not in "fiu":
            raise TypeError(f"cross_entropy: target has dtype {target.dtype}, expected numbers")
        targets: list[Any] = list(target) if target.ndim else [target]
    elif isinstance(target, (str, bytes)) or not hasattr(target, "__len__"):
        raise TypeError(
            f"cross_entropy: a batch of {batch} samples needs {batch} targets, "
            f"got {type(target).__name__}"
        )
    else:
        targets = list(target)
    if len(targets) != batch:
        raise ValueError(f"cross_entropy: {batch} samples but {len(targets)} targets")
    losses = [
        _sample_loss(_check_logits(z, "cross_entropy"), t, f" of sample {i}")
        for i, (z, t) in enumerate(zip(rows, targets, strict=True))
    ]
    return vsum(losses) / batch if batch > 1 else losses[0]
