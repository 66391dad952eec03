"""The network's own nodes: softmax, log-softmax, fused linear and linear+ReLU.

Fusing is what keeps per-step overhead low: a linear layer is one node instead of three
(transpose, matmul, add). Softmax cross-entropy, fused the same way, is in ``loss``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import Grad, Op, call, data_of, normalize_axis
from .math import Exp
from .tangents import lift, plus

__all__ = ["Softmax", "LogSoftmax", "Linear", "LinearReLU", "log_softmax_array"]

# read-only 0-d zeros of the float dtypes: np.maximum(z, 0) (and z > 0) converts the
# Python 0 to z's dtype on every call (about 0.8 us of a 3 us call on a 32x32 layer); the
# same value, so the same result bit for bit
_ZEROS = {np.dtype(t): np.zeros((), dtype=t) for t in (np.float16, np.float32, np.float64)}
for _z in _ZEROS.values():
    _z.flags.writeable = False


def log_softmax_array(z: np.ndarray, axis: int) -> np.ndarray:
    """log_softmax(z) by log-sum-exp: the shifted logits are <= 0, so exp cannot overflow."""
    shifted = z - z.max(axis=axis, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


def _softmax_axis(z: np.ndarray, axis: int, who: str) -> int:
    """The axis a (log-)softmax normalises over, checked: in range and not empty."""
    axis = normalize_axis(axis, z.ndim, who)
    if z.shape[axis] == 0:
        raise ValueError(f"{who}: axis {axis} of shape {z.shape} is empty: nothing to normalise")
    return axis


class Softmax(Op):
    """a = e^z / sum e^z along an axis: d/dz applies diag(a) - a a^T."""

    def forward(self, z: np.ndarray, axis: int) -> np.ndarray:
        self.axis = axis = _softmax_axis(z, axis, "softmax")
        e = np.exp(z - z.max(axis=axis, keepdims=True))
        e /= e.sum(axis=axis, keepdims=True)
        return e

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        # Jacobian diag(s) - s s^T applied to g, without forming it.
        return (out * (g - (g * out).sum(axis=self.axis, keepdims=True)),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        # d a_k = a_k (dz_k - sum_c a_c dz_c)
        return out * (t[0] - (out * t[0]).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Op):
    """z - log sum e^z along an axis: d/dz_c of entry k is 1[k=c] - a_c."""

    def forward(self, z: np.ndarray, axis: int) -> np.ndarray:
        self.axis = axis = _softmax_axis(z, axis, "log_softmax")
        return log_softmax_array(z, axis)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        # d(z_k - lse)/dz_c = 1[k=c] - softmax_c, and softmax = exp(out).
        return (g - call(Exp, out) * g.sum(axis=self.axis, keepdims=True),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        # d (z_k - lse(z)) = dz_k - sum_c softmax_c dz_c
        return t[0] - (np.exp(out) * t[0]).sum(axis=self.axis, keepdims=True)


def _linear_backward(op: Op, gz: Grad, inputs: Sequence[Grad]) -> tuple[Grad, ...]:
    """Gradients of z = x @ W^T + b given dE/dz: (dz W, dz^T x, dz); the engine sums db."""
    x, w = inputs[0], inputs[1]
    needs = op.needs
    gx = gz @ w if needs[0] else None
    gw = None
    if needs[1]:
        if gz.ndim == 2 and x.ndim == 2:
            gw = gz.T @ x  # dE/dW_kj = sum_b delta_bk a_bj
        else:  # flatten leading batch axes: dW sums dz^T x over every sample
            gw = gz.reshape(-1, gz.shape[-1]).swapaxes(-1, -2) @ x.reshape(-1, x.shape[-1])
    if len(inputs) == 2:
        return gx, gw
    return gx, gw, (gz if needs[2] else None)


def _linear_tangent(t: Sequence[np.ndarray], inputs: Sequence[np.ndarray]) -> np.ndarray:
    """d(x W^T + b) = dx W^T + x dW^T + db: the product rule, term by term."""
    x, w = inputs[0], inputs[1]
    dx = lift(lambda v: v @ w.T, t[0])
    dw = lift(lambda v: x @ v.T, t[1])
    return plus(dx, dw, t[2] if len(inputs) == 3 else None)


def _affine(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    if x.ndim == 0 or w.ndim != 2 or x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not fit weight of shape {w.shape} "
            f"(expected input (..., {w.shape[-1] if w.ndim else '?'}))"
        )
    z = x @ w.T
    if b is not None:
        if b.shape != (w.shape[0],):
            raise ValueError(f"linear: bias of shape {b.shape}, expected ({w.shape[0]},)")
        if b.dtype == z.dtype:
            z += b  # z is fresh: add in place
        else:
            z = z + b  # let numpy promote, as the unfused x @ W.T + b would
    return np.asarray(z)


class Linear(Op):
    """z = x @ W^T + b with W of shape (fan_out, fan_in), as the seed's W_kj."""

    saves = (0, 1)  # x and W; the bias and z are never read

    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        return _affine(x, w, b)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return _linear_backward(self, g, inputs)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return _linear_tangent(t, inputs)


class LinearReLU(Op):
    """a = relu(x @ W^T + b) in one node: the seed's hidden layer."""

    saves = (0, 1, "out")  # x, W and the output, whose sign is the ReLU's mask

    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        z = _affine(x, w, b)
        return np.maximum(z, _ZEROS.get(z.dtype, 0), out=z)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        # delta_j = (sum_k delta_k W_kj) * 1[z_j > 0]; a_j > 0 exactly when z_j > 0.
        a = data_of(out)
        mask = a > _ZEROS.get(a.dtype, 0)  # a 0-d zero: no Python 0 converted per call
        return _linear_backward(self, g * mask, inputs)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return _linear_tangent(t, inputs) * (out > 0)
