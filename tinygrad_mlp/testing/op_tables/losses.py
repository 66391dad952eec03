"""Rows for the losses: nll, cross-entropy (reduction, label smoothing), mse, l1, huber,
smooth_l1, binary cross-entropy on probabilities and on logits.

References are written from the definitions in plain numpy. Elementwise losses use
``reduction="none"`` where a row checks ``dref`` and kinks (entry by entry); both arguments
are tensors, so the target's gradient is checked too. l1's kink is at input = target:
derivative 0 there for both (sign(0) = 0, torch's convention).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ... import functional as F
from .row import Kink, OpRow

__all__ = ["ROWS"]

Inputs = Callable[[np.random.Generator], tuple[np.ndarray, ...]]

_LABELS = np.array([0, 3, 1])  # for logits of shape (3, 4)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # small logits: no shift needed


def _ce_smoothed(z: np.ndarray, s: float) -> np.ndarray:
    t = np.eye(z.shape[1])[_LABELS] * (1 - s) + s / z.shape[1]
    return -(t * _log_softmax(z)).sum(axis=1)


def _probs_and_targets(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    return rng.uniform(0.05, 0.95, size=(3, 4)), rng.uniform(0.0, 1.0, size=(3, 4))


def _logits_and_targets(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    return rng.uniform(-4.0, 4.0, size=(3, 4)), rng.uniform(0.0, 1.0, size=(3, 4))


def _huber(d: np.ndarray, delta: float) -> np.ndarray:
    return np.where(np.abs(d) <= delta, 0.5 * d * d, delta * (np.abs(d) - 0.5 * delta))


def _bce(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


# fmt: off
ROWS: tuple[OpRow, ...] = (
    OpRow("nll_loss", lambda x: F.nll_loss(x, _LABELS),
          lambda x: -x[np.arange(3), _LABELS].mean(), smooth=False),
    OpRow("nll_loss(none)", lambda x: F.nll_loss(x, _LABELS, reduction="none"),
          lambda x: -x[np.arange(3), _LABELS], smooth=False),
    OpRow("cross_entropy(sum)", lambda z: F.cross_entropy(z, _LABELS, reduction="sum"),
          lambda z: _ce_smoothed(z, 0.0).sum()),
    OpRow("cross_entropy(label_smoothing=0.1)",
          lambda z: F.cross_entropy(z, _LABELS, label_smoothing=0.1),
          lambda z: _ce_smoothed(z, 0.1).mean()),
    OpRow("cross_entropy(none, probs, smoothing)",
          lambda z: F.cross_entropy(z, np.full((3, 4), 0.25), reduction="none",
                                    label_smoothing=0.3),
          lambda z: -(0.25 * _log_softmax(z)).sum(axis=1)),
    # a probability target that requires grad is an input: dE/dt = -log softmax(z) / B
    OpRow("cross_entropy(probs target requires grad)", F.cross_entropy,
          lambda z, t: -(t * _log_softmax(z)).sum() / 3, make_inputs=_logits_and_targets),
    OpRow("mse_loss", lambda a, b: F.mse_loss(a, b), lambda a, b: ((a - b) ** 2).mean(),
          shapes=((3, 4), (3, 4))),
    OpRow("mse_loss(none)", lambda a, b: F.mse_loss(a, b, reduction="none"),
          lambda a, b: (a - b) ** 2, shapes=((3, 4), (3, 4)),
          dref=lambda a, b: (2 * (a - b), -2 * (a - b))),
    OpRow("l1_loss(none)", lambda a, b: F.l1_loss(a, b, reduction="none"),
          lambda a, b: np.abs(a - b), shapes=((3, 4), (3, 4)), smooth=False,
          kinks=(Kink(at=(0.0, 0.0), grad=(0.0, 0.0)), Kink(at=(1.5, 1.5), grad=(0.0, 0.0))),
          dref=lambda a, b: (np.sign(a - b), -np.sign(a - b))),
    OpRow("l1_loss(sum)", lambda a, b: F.l1_loss(a, b, reduction="sum"),
          lambda a, b: np.abs(a - b).sum(), shapes=((3, 4), (3, 4)), smooth=False),
    OpRow("huber_loss(none, delta=0.7)",
          lambda a, b: F.huber_loss(a, b, reduction="none", delta=0.7),
          lambda a, b: _huber(a - b, 0.7), shapes=((3, 4), (3, 4)),
          dref=lambda a, b: (np.clip(a - b, -0.7, 0.7), -np.clip(a - b, -0.7, 0.7))),
    OpRow("smooth_l1_loss(beta=0.5)", lambda a, b: F.smooth_l1_loss(a, b, beta=0.5),
          lambda a, b: (_huber(a - b, 0.5) / 0.5).mean(), shapes=((3, 4), (3, 4))),
    OpRow("binary_cross_entropy(none)",
          lambda p, y: F.binary_cross_entropy(p, y, reduction="none"), _bce,
          make_inputs=_probs_and_targets,
          dref=lambda p, y: ((p - y) / (p * (1 - p)), np.log(1 - p) - np.log(p))),
    OpRow("binary_cross_entropy(sum)",
          lambda p, y: F.binary_cross_entropy(p, y, reduction="sum"),
          lambda p, y: _bce(p, y).sum(), make_inputs=_probs_and_targets),
    OpRow("binary_cross_entropy_with_logits(none)",
          lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction="none"),
          lambda x, y: _bce(_sigmoid(x), y), make_inputs=_logits_and_targets,
          dref=lambda x, y: (_sigmoid(x) - y, -x)),
    OpRow("binary_cross_entropy_with_logits(weight)",
          lambda x, y: F.binary_cross_entropy_with_logits(x, y, weight=np.arange(4.0)),
          lambda x, y: (_bce(_sigmoid(x), y) * np.arange(4.0)).mean(),
          make_inputs=_logits_and_targets),
)
# fmt: on
