"""Softmax cross-entropy fused into one node, and its gradient as an op of its own.

Fusing keeps per-step overhead low: the loss is one node whose backward is the seed's closed
form dE/dz_k = a_k sum(t) - t_k (eq. 3), instead of a chain of six. That gradient is itself
the op ``CrossEntropyGrad``, so one rule serves the plain path (arrays, fast) and
``create_graph=True`` (a node whose own backward gives second and higher derivatives).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .base import Grad, Op, call
from .nn import Softmax
from .tangents import lift, plus, times

__all__ = ["CrossEntropy", "CrossEntropyGrad", "bad_labels"]


def _dense_target(
    shape: tuple[int, ...], dtype: np.dtype, labels: np.ndarray | None, probs: np.ndarray | None
) -> np.ndarray:
    """The target as a (B, K) array: ``probs`` itself, or the one-hot rows of ``labels``."""
    if probs is not None:
        return probs
    t = np.zeros(shape, dtype=dtype)
    t[np.arange(shape[0]), labels] = 1
    return t


def bad_labels(labels: np.ndarray, shape: tuple[int, int], who: str = "cross_entropy") -> str:
    """The error for labels that are not one integer in [0, K) per row of (B, K) logits:
    it names the first label out of range.

    Example::

        >>> bad_labels(np.array([0, 5, -1]), (3, 3))
        'cross_entropy: label 5 is out of range for 3 classes (labels must lie in [0, 2])'
    """
    labels = np.asarray(labels)
    (batch, classes) = shape
    if labels.dtype.kind not in "iu":
        return f"{who}: labels must be integers, got dtype {labels.dtype}"
    if labels.shape != (batch,):
        return (
            f"{who}: integer labels must have shape ({batch},) for logits of "
            f"shape {shape}, got {labels.shape}"
        )
    if labels.dtype.kind == "u":  # as given: int64 would read 2**63 and up as negative
        outside = labels[labels >= classes]
    else:
        signed = labels.astype(np.int64)
        outside = signed[(signed < 0) | (signed >= classes)]
    if not outside.size:  # in range: then they were not given as an array
        return f"{who}: labels must be a numpy array of {batch} integers"
    return (
        f"{who}: label {outside[0]} is out of range for {classes} classes "
        f"(labels must lie in [0, {classes - 1}])"
    )


def _own(target: Any) -> Any:
    """A copy of an array target, the node's own: its caller may change or reuse the array
    before backward (0.3 us for 32 labels; cheaper than freezing and thawing it)."""
    return target.copy() if type(target) is np.ndarray else target


def _target_sum(batch: int, dtype: np.dtype, probs: np.ndarray | None) -> np.ndarray:
    """sum_k t_bk as a (B, 1) column: 1 for labels, the row sums of a probability target."""
    if probs is None:
        return np.ones((batch, 1), dtype=dtype)
    return probs.sum(axis=1, keepdims=True)


class CrossEntropy(Op):
    """E = -(1/B) sum_b sum_k t_bk log softmax(z_b)_k for logits z of shape (B, K).

    ``labels`` (ints, shape (B,)) or ``probs`` (shape (B, K)) is the target; it is a
    constant, not an input, so no gradient flows to it (``functional.cross_entropy`` builds
    the loss from log_softmax instead when a probability target requires grad).
    """

    # backward reads its own softmax and its own copy of the target (``_own``: the node may
    # be called directly, with the caller's array), and hands the logits to
    # CrossEntropyGrad, whose backward (create_graph) differentiates softmax(z) afresh: z
    # must still be the forward's then
    saves = (0,)

    def forward(
        self, z: np.ndarray, labels: np.ndarray | None = None, probs: np.ndarray | None = None
    ) -> np.ndarray:
        labels, probs = _own(labels), _own(probs)
        self.labels, self.probs = labels, probs
        self.flat: np.ndarray | None = None  # b K + label_b: CrossEntropyGrad's index
        batch = z.shape[0]
        # ufunc reductions called directly: the loss runs every step, and ndarray.sum/max
        # add a Python-level wrapper around exactly these calls
        add = np.add.reduce
        shifted = z - np.maximum.reduce(z, axis=1, keepdims=True)  # <= 0: exp cannot overflow
        e = np.exp(shifted)
        total = add(e, axis=1, keepdims=True)  # >= 1: the row's maximum contributes e^0
        if labels is not None:
            kind = labels.dtype.kind if type(labels) is np.ndarray else ""
            if kind not in ("i", "u") or labels.shape != (batch,):  # ravel_multi_index takes bools
                raise ValueError(bad_labels(labels, z.shape))
            try:  # b K + label_b, refusing a label outside [0, K) at either end
                flat = np.ravel_multi_index((np.arange(batch), labels), z.shape)
            except ValueError:
                raise ValueError(bad_labels(labels, z.shape)) from None
            # E = (1/B) sum_b (log sum_c e^{z_bc} - z_b,label), all terms shifted by max z_b;
            # shifted is a new (B, K) array, so ravel() is a view: flat picks z_b,label - m_b
            picked = shifted.ravel().take(flat)
            self.flat = flat  # checked here, so CrossEntropyGrad need not check it again
            loss = add(np.log(total), axis=None) - add(picked, axis=None)
        else:
            assert probs is not None
            shifted -= np.log(total)  # log a_bk
            if np.isneginf(shifted).any():  # a -inf logit: t log a is 0 * -inf there
                # 0 log 0 = 0 (its limit); a target > 0 on it still gives +inf, as it should
                shifted = np.where(probs == 0, 0.0, shifted).astype(z.dtype, copy=False)
            loss = -np.vdot(probs, shifted)  # -sum_bk t_bk log a_bk, in one BLAS call
        e /= total
        self.softmax = e  # a_k, all the backward needs besides the target
        return np.asarray(loss / batch, dtype=z.dtype)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        grad = call(
            CrossEntropyGrad,
            inputs[0],
            g,
            softmax=self.softmax,
            labels=self.labels,
            probs=self.probs,
            flat=self.flat,
        )
        return (grad,)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        # E = -(1/B) sum_bk t_bk (z_bk - lse(z_b)) and d lse(z_b) = sum_c a_bc dz_bc, so
        # dE = -(1/B) [sum_bk t_bk dz_bk - sum_b (sum_k t_bk) (sum_c a_bc dz_bc)].
        dz = t[0]
        target = _dense_target(dz.shape, self.softmax.dtype, self.labels, self.probs)
        d_lse = (self.softmax * dz).sum(axis=1)
        return -((target * dz).sum() - (target.sum(axis=1) * d_lse).sum()) / dz.shape[0]


class CrossEntropyGrad(Op):
    """d = dE/dz = (g / B) (a sum_k t_k - t), eq. 3 scaled by the incoming gradient g.

    Inputs: the logits z and g (0-d). ``softmax`` is a = softmax(z), saved by the forward
    pass, so the plain path recomputes nothing. As a function of (z, g) it is differentiable:
    dd/dg = (a sum(t) - t) / B, and dd/dz applies the softmax Jacobian diag(a) - a a^T.
    ``flat``, the labels' flat indices b K + label_b, is the one ``CrossEntropy`` checked
    as it made them; without it they are made and checked here.
    """

    def forward(
        self,
        z: np.ndarray,
        g: np.ndarray,
        softmax: np.ndarray,
        labels: np.ndarray | None,
        probs: np.ndarray | None,
        flat: np.ndarray | None = None,
    ) -> np.ndarray:
        self.labels, self.probs = labels, probs
        self.softmax = softmax
        batch = z.shape[0]
        # a Python float is "weak": it keeps the softmax's dtype, and skips a 0-d array op
        scale = float(g) / batch
        s = scale
        if labels is not None and softmax.dtype.kind == "f":
            # what numpy reads for the float beside the softmax, as a 0-d array: the same
            # value, converted once here instead of in each of the two calls below
            s = np.array(scale, dtype=softmax.dtype)
        # a fresh C-ordered array, so the in-place steps below are safe and d.reshape(-1)
        # is a view of it
        d = np.multiply(softmax, s, order="C")
        if labels is not None:
            if flat is None:  # applied directly: b K + label_b, refusing a label outside [0, K)
                flat = np.ravel_multi_index((np.arange(batch), labels), d.shape)
            # d[b, label_b] -= scale through one flat index: half the time of d[rows, labels]
            d.reshape(-1)[flat] -= s
        else:
            assert probs is not None
            d *= probs.sum(axis=1, keepdims=True)
            d -= probs * scale
        return d

    def backward(self, u: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        z, g = inputs
        batch = z.shape[0]
        dtype = self.softmax.dtype
        tsum = _target_sum(batch, dtype, self.probs)
        a = call(Softmax, z, axis=1)  # a node under create_graph: third derivatives too
        gz = gg = None
        if self.needs[0]:  # u^T (diag(a) - a a^T) times the scale g sum(t) / B
            gz = a * (u - (u * a).sum(axis=1, keepdims=True)) * (g * tsum / batch)
        if self.needs[1]:  # d is linear in g
            target = _dense_target(self.softmax.shape, dtype, self.labels, self.probs)
            gg = (u * (a * tsum - target)).sum() / batch
        return gz, gg

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        dz, dg = t
        z, g = inputs
        batch = z.shape[0]
        a = self.softmax
        tsum = _target_sum(batch, a.dtype, self.probs)
        target = _dense_target(a.shape, a.dtype, self.labels, self.probs)
        # the softmax's tangent a (dz - sum a dz), for the term of z
        da = lift(lambda v: a * (v - (a * v).sum(axis=1, keepdims=True)), dz)
        return plus(times(a * tsum - target, dg), times(g * tsum, da)) / batch
