"""Fused replay kernels for the seed network's ops: Linear, LinearReLU and CrossEntropy.

Each kernel repeats, call for call, the numpy arithmetic of the eager op's forward or
backward (``ops/nn.py``, ``ops/loss.py``) and of the engine's handling of its gradients
(``engine/backward.py``: ``unbroadcast`` sums a bias gradient over the batch), so its
results are the same bits. What it saves is everything around the arithmetic: no Tensor, no
op object, no graph, no dict of gradients, no checks the trace has already made, and no
allocation: every result goes into a buffer (``out=``) made once per signature.

A kernel reads its operands from the plan's environment ``env`` (a list, by position) and
writes its output there; a backward kernel reads its gradient from ``grads`` and hands each
input's gradient to a *sink* (accumulate into another slot, or deliver to a leaf).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "linear_forward",
    "linear_backward",
    "cross_entropy_forward",
    "cross_entropy_backward",
    "Labels",
    "label_error",
]

Kernel = Callable[[], None]
Sink = Callable[[np.ndarray, bool], None]  # (gradient, fresh: owned by this input alone)

_add = np.add.reduce
_max = np.maximum.reduce


def linear_forward(
    env: list[Any], xp: int, wp: int, bp: int | None, outp: int, relu: bool, out: np.ndarray
) -> Kernel:
    """z = x W^T (+ b) (then max(z, 0)) into ``out``: ``_affine`` and ``LinearReLU.forward``."""
    matmul, maximum = np.matmul, np.maximum
    z = out  # (in-place operators: the same ufuncs, without parsing out= keywords)

    def run() -> None:
        nonlocal z
        matmul(env[xp], env[wp].T, out=out)
        if bp is not None:
            z += env[bp]  # as _affine does on its fresh z
        if relu:
            maximum(out, 0, out=out)
        env[outp] = out

    return run


def linear_backward(
    env: list[Any],
    grads: list[Any],
    k: int,
    xp: int,
    wp: int,
    relu: bool,
    sinks: tuple[Sink | None, Sink | None, Sink | None],
    owners: tuple[Any, Any],
    shapes: tuple[tuple[int, ...], tuple[int, ...], int],
    dtype: np.dtype[Any],
    given: tuple[np.ndarray | None, np.ndarray | None] = (None, None),
    upstream: np.ndarray | None = None,
) -> tuple[Kernel, np.ndarray]:
    """dE/dx = gz W, dE/dW = gz^T x, dE/db = sum_b gz (gz = g * (a > 0) after a ReLU).

    The same calls as ``LinearReLU.backward`` / ``_linear_backward`` and ``unbroadcast``.
    ``k`` is the node's position (its output in ``env``, its gradient in ``grads``);
    a sink is None for an input that needs no gradient. ``owners`` are the weight's and
    the bias's tensors when their buffer may become their ``.grad`` directly (an owned
    delivery, see ``Plan._owned_deliveries``), else None. ``given`` are buffers for the
    weight's and the bias's gradient made by the caller (views into one array, so that an
    optimizer can update every parameter with one call), else None. ``upstream`` is the
    buffer of the fused kernel that computes this node's gradient: when the gradient is
    that buffer itself, nothing else reads it afterwards, and the ReLU's mask is applied in
    place (fewer buffers, so more of them stay in cache). Returns the kernel and its
    dE/dx buffer.
    """
    sx, sw, sb = sinks
    ow, ob = owners
    xslot = getattr(sx, "slot", None)  # summing into a slot, inlined below
    (batch, width), xshape, _ = shapes
    mask = np.empty((batch, width), dtype=bool)
    gm = np.empty((batch, width), dtype=dtype)  # untouched while g is the upstream buffer
    # buffers for the gradients; a zero-size one where the input needs none
    gx = np.empty(xshape if sx is not None else 0, dtype=dtype)
    gw = given[0] if given[0] is not None else np.empty((width, xshape[1]) if sw else 0, dtype)
    gb = given[1] if given[1] is not None else np.empty(width if sb is not None else 0, dtype)
    matmul, multiply, greater = np.matmul, np.multiply, np.greater

    def run() -> None:
        g = grads[k]
        if g is None:  # no gradient reached this node: its owned .grad stays None
            if ow is not None:
                ow.grad = None
            if ob is not None:
                ob.grad = None
            return
        grads[k] = None  # popped, as the engine pops a node's gradient
        gz: np.ndarray = g
        if relu:
            greater(env[k], 0, out=mask)  # a > 0 exactly where z > 0
            if g is not upstream:
                gz = gm
            multiply(g, mask, out=gz)  # g * mask: the same bits as the eager rule
        if sx is not None:
            matmul(gz, env[wp], out=gx)
            if xslot is not None:
                prev = grads[xslot]
                grads[xslot] = gx if prev is None else prev + gx
            else:
                sx(gx, False)
        if sw is not None:
            matmul(gz.T, env[xp], out=gw)
            if ow is not None:
                ow.grad = gw
            else:
                sw(gw, False)
        if sb is not None:
            _add(gz, axis=(0,), out=gb)  # unbroadcast: g.sum(axis=(0,))
            if ob is not None:
                ob.grad = gb
            else:
                sb(gb, False)

    return run, gx


def label_error(labels: np.ndarray, classes: int) -> ValueError:
    """The error ``cross_entropy`` raises for a label outside [0, classes)."""
    signed = labels.astype(np.int64)
    bad = signed[(signed < 0) | (signed >= classes)][0]
    return ValueError(
        f"cross_entropy: label {bad} is out of range for {classes} classes "
        f"(labels must lie in [0, {classes - 1}])"
    )


class Labels:
    """The labels of one call as flat indices into a (B, K) array: b K + label_b.

    From an integer argument (``arg``: its position in ``env``), checked on every call as
    ``cross_entropy`` checks them, or from a constant checked when traced. Flat indices
    pick the same elements as ``[np.arange(B), labels]``, with one cheap 1-D gather.
    """

    def __init__(
        self, env: list[Any], source: tuple[int, np.dtype[Any]] | np.ndarray, shape: tuple[int, int]
    ) -> None:
        self.env, self.shape = env, shape
        self.rows = np.arange(shape[0])
        if isinstance(source, np.ndarray):
            self.arg = -1
            self.flat = np.ravel_multi_index((self.rows, source), shape)
        else:
            self.arg = source[0]

    def update(self) -> None:
        """Read this call's labels, refusing one outside [0, K) as ``cross_entropy`` does."""
        if self.arg < 0:
            return
        try:  # one call computes b K + label_b and checks both ends of the range
            self.flat = np.ravel_multi_index((self.rows, self.env[self.arg]), self.shape)
        except ValueError:
            raise label_error(self.env[self.arg], self.shape[1]) from None


def cross_entropy_forward(
    env: list[Any], zp: int, outp: int, labels: Labels, shape: tuple[int, int], dtype: np.dtype[Any]
) -> tuple[Kernel, np.ndarray]:
    """E = (1/B) sum_b (log sum_c e^{z_bc - m_b} - (z_b,label - m_b)): ``CrossEntropy.forward``.

    Returns the kernel and the softmax buffer the backward reads.
    """
    batch = shape[0]
    mx = np.empty((batch, 1), dtype=dtype)
    shifted = np.empty(shape, dtype=dtype)
    flat = shifted.ravel()  # a view: gathering from it reads shifted[b, label_b]
    e = np.empty(shape, dtype=dtype)
    total = np.empty((batch, 1), dtype=dtype)
    logt = np.empty((batch, 1), dtype=dtype)
    subtract, exp, log, divide = np.subtract, np.exp, np.log, np.divide
    asarray, update = np.asarray, labels.update

    def run() -> None:
        z = env[zp]
        update()
        _max(z, axis=1, keepdims=True, out=mx)
        subtract(z, mx, out=shifted)  # <= 0: exp cannot overflow
        exp(shifted, out=e)
        _add(e, axis=1, keepdims=True, out=total)
        picked = flat.take(labels.flat)  # (np.take with out= buffers: slower)
        loss = _add(log(total, out=logt), axis=None) - _add(picked, axis=None)
        divide(e, total, out=e)  # the softmax, all the backward needs besides the labels
        env[outp] = asarray(loss / batch, dtype=dtype)

    return run, e


def cross_entropy_backward(
    grads: list[Any], k: int, softmax: np.ndarray, labels: Labels, sink: Sink
) -> Kernel:
    """dE/dz = (g / B) (a - t): ``CrossEntropyGrad.forward`` with labels, into a buffer."""
    batch = softmax.shape[0]
    d = np.empty_like(softmax)
    flat = d.ravel()
    multiply = np.multiply
    slot = getattr(sink, "slot", None)  # summing into a slot, inlined below

    def run() -> None:
        g = grads[k]
        if g is None:
            return
        grads[k] = None
        scale = float(g) / batch  # a Python float: it keeps the softmax's dtype
        multiply(softmax, scale, out=d)
        flat[labels.flat] -= scale  # d[b, label_b] -= scale
        if slot is not None:
            prev = grads[slot]
            grads[slot] = d if prev is None else prev + d
        else:
            sink(d, False)

    return run
