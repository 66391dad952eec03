"""The oracle: the seed's derivation written out in plain numpy, with no Tensor inside.

Equation numbers refer to the seed note (``shared/seed``, restated in ``docs/derivation.md``).
Notation for a mini-batch of B rows: ``x`` is (B, N); layer l has ``W`` of shape
(fan_out, fan_in) (the seed's W_kj joins output k to input j) and ``b`` of shape (fan_out,);
z = a_prev W^T + b, a = relu(z) on hidden layers, a = softmax(z) on the output layer.
The loss is the batch mean of the cross-entropy, so every gradient carries a factor 1/B.

Complex input (for the complex-step derivative Im f(x + ih) / h, ``docs/gradcheck.md``):
``forward``, ``softmax`` and ``loss`` take complex arrays too. ReLU and the
softmax's max shift then decide by the real part, the analytic continuation of the real
function near the point; real input goes through exactly the same numpy calls as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Forward", "forward", "relu", "softmax", "one_hot", "loss", "loss_and_grads"]

Params = Sequence[tuple[np.ndarray, np.ndarray]]


@dataclass
class Forward:
    """Every pre-activation z and activation a, layer by layer (a[0] is the input x)."""

    zs: list[np.ndarray]
    activations: list[np.ndarray]

    @property
    def probs(self) -> np.ndarray:
        """The softmax output a_k (section 0.1.2)."""
        return self.activations[-1]


def forward(params: Params, x: np.ndarray) -> Forward:
    """z_j = sum_i W_ji a_i + b_j per layer, ReLU on hidden layers, softmax on the last.

    Example::

        >>> W, b = np.eye(2), np.zeros(2)
        >>> forward([(W, b)], np.array([[0.0, 0.0]])).probs
        array([[0.5, 0.5]])
    """
    if not params:
        raise ValueError("closed_form.forward: params is empty; need at least one (W, b) pair")
    a = np.asarray(x)
    zs: list[np.ndarray] = []
    acts = [a]
    for layer, (W, b) in enumerate(params):
        if a.shape[-1] != W.shape[1]:
            raise ValueError(
                f"closed_form.forward: layer {layer} has W of shape {W.shape}, "
                f"its input has {a.shape[-1]} features"
            )
        z = a @ W.T + b  # z_k = sum_j W_kj a_j + b_k   (section 0.1.2)
        zs.append(z)
        if layer < len(params) - 1:
            a = relu(z)
        else:
            a = softmax(z)
        acts.append(a)
    return Forward(zs, acts)


def relu(z: np.ndarray) -> np.ndarray:
    """max(z, 0); on complex z, z where Re z > 0 and 0 elsewhere (the kink decided by Re z).

    Example::

        >>> relu(np.array([-1.0, 2.0])), relu(np.array([-1 + 1j, 2 + 1e-20j]))
        (array([0., 2.]), array([0.+0.e+00j, 2.+1.e-20j]))
    """
    if np.iscomplexobj(z):
        return np.where(z.real > 0, z, 0)
    return np.maximum(z, 0)  # real input: numpy's own max, NaN propagated as before


def softmax(z: np.ndarray) -> np.ndarray:
    """a_k = e^{z_k} / sum_c e^{z_c} row by row (section 0.1.2), shifted by max z: no overflow.

    Example::

        >>> softmax(np.array([[0.0, 0.0], [1e4, 0.0]]))
        array([[0.5, 0.5],
               [1. , 0. ]])
    """
    e = np.exp(z - _row_max(z))
    return e / e.sum(axis=1, keepdims=True)


def _row_max(z: np.ndarray) -> np.ndarray:
    """max z per row; Re z for complex z (numpy orders complex numbers lexicographically)."""
    return z.real.max(axis=1, keepdims=True)


def one_hot(labels: np.ndarray, classes: int, dtype: npt.DTypeLike = np.float64) -> np.ndarray:
    """t with t[b, labels[b]] = 1 and zeros elsewhere."""
    t = np.zeros((len(labels), classes), dtype=dtype)
    t[np.arange(len(labels)), labels] = 1
    return t


def _target(target: np.ndarray, shape: tuple[int, int], dtype: np.dtype) -> np.ndarray:
    t: np.ndarray = np.asarray(target)
    if t.dtype.kind in "iu":
        if t.shape != (shape[0],) or (t.size and (t.min() < 0 or t.max() >= shape[1])):
            raise ValueError(
                f"closed_form: labels must be {shape[0]} ints in [0, {shape[1] - 1}], "
                f"got shape {t.shape}"
            )
        return one_hot(t, shape[1], dtype)
    if t.shape != shape:
        raise ValueError(f"closed_form: target must have shape {shape}, got {t.shape}")
    return t.astype(dtype, copy=False)


def loss(params: Params, x: np.ndarray, target: np.ndarray) -> np.generic:
    """The mean cross-entropy E of eq. 1 alone, as a numpy scalar: complex for complex input.

    This is the function the complex step differentiates: dE/dw = Im E(w + ih e) / h.

    Example::

        >>> W, b = np.zeros((2, 3)), np.zeros(2)
        >>> x, y = np.ones((1, 3)), np.array([0])
        >>> round(float(loss([(W, b)], x, y)), 6)   # log 2
        0.693147
        >>> e00 = np.zeros((2, 3)); e00[0, 0] = 1.0
        >>> dW00 = loss([(W + 1e-20j * e00, b)], x, y).imag / 1e-20
        >>> round(float(dW00), 12)   # (a_0 - t_0) x_0 = -0.5, exact to round-off
        -0.5
    """
    z_out = forward(params, x).zs[-1]
    return _cross_entropy(z_out, _target(target, z_out.shape, z_out.dtype))


def _cross_entropy(z_out: np.ndarray, t: np.ndarray) -> np.generic:
    # eq. 1 in its stable form: z_k - log sum_c e^{z_c}, shifted by max z so nothing overflows
    shifted = z_out - _row_max(z_out)
    log_a = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    out: np.generic = -(t * log_a).sum() / z_out.shape[0]
    return out


def loss_and_grads(
    params: Params, x: np.ndarray, target: np.ndarray
) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
    """Mean cross-entropy and its gradient in every (W, b), by the seed's closed form.

    E = -(1/B) sum_b sum_k t_k (z_k - log sum_c e^{z_c})                 (eq. 1)
    delta_k = dE/dz_k = (a_k sum_d t_d - t_k) / B  = (a_k - t_k) / B     (eq. 3)
    dE/dW_kj = sum_b delta_k a_j,   dE/db_k = sum_b delta_k              (eq. 3)
    delta_j = (sum_k delta_k W_kj) * 1[z_j > 0]       (the rule the note leaves open)
    and so on down to the first layer, whose a_j is the input x_n.

    Example::

        >>> W, b = np.zeros((2, 3)), np.zeros(2)
        >>> loss, [(dW, db)] = loss_and_grads([(W, b)], np.ones((1, 3)), np.array([0]))
        >>> round(loss, 6), db.tolist()   # log 2, and a - t = (0.5 - 1, 0.5)
        (0.693147, [-0.5, 0.5])
    """
    fwd = forward(params, x)
    z_out = fwd.zs[-1]
    batch = z_out.shape[0]
    t = _target(target, z_out.shape, z_out.dtype)
    loss = float(_cross_entropy(z_out, t))

    # eq. 3 in its general form a_k sum_d t_d - t_k (= a_k - t_k when sum_d t_d = 1)
    delta = (fwd.probs * t.sum(axis=1, keepdims=True) - t) / batch
    grads: list[tuple[np.ndarray, np.ndarray]] = []
    for layer in range(len(params) - 1, -1, -1):
        a_below = fwd.activations[layer]
        grads.append((delta.T @ a_below, delta.sum(axis=0)))  # dE/dW_kj, dE/db_k
        if layer > 0:
            W = params[layer][0]
            # delta_j = (sum_k delta_k W_kj) * relu'(z_j), relu'(0) = 0 by convention
            delta = (delta @ W) * (fwd.zs[layer - 1].real > 0)
    grads.reverse()
    return loss, grads
