"""Fused replay kernels for the seed network's ops: Linear, LinearReLU and CrossEntropy.

Each kernel repeats, call for call, the numpy arithmetic of the eager op's forward or
backward (``ops/nn.py``, ``ops/loss.py``) and of the engine's handling of its gradients
(``engine/backward.py``: ``unbroadcast`` sums a bias gradient over the batch), so its
results are the same bits. What it saves is everything around the arithmetic: no Tensor, no
op object, no graph, no dict of gradients, no checks the trace has already made, and no
allocation: every result goes into a buffer (``out=``) made once per signature.

A kernel reads its operands' ``value`` from the slots it closes over (``jit/slots.py``) and
writes its output into its own slot; a backward kernel reads its node's ``grad`` and hands
each input's gradient on: summed into the input's slot, set as a parameter's ``.grad``, or
given to a *sink* that delivers it to a leaf as the engine does.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from .slots import Kernel, Slot

__all__ = [
    "linear_forward",
    "linear_backward",
    "cross_entropy_forward",
    "cross_entropy_backward",
    "LinearSinks",
    "Labels",
    "label_error",
]

Sink = Callable[[np.ndarray, bool], None]  # (gradient, fresh: owned by this input alone)

_add = np.add.reduce
_max = np.maximum.reduce


def linear_forward(
    x: Slot, w: Slot, b: Slot | None, z: Slot, relu: bool, out: np.ndarray
) -> Kernel:
    """z = x W^T (+ b) (then max(z, 0)) into ``out``: ``_affine`` and ``LinearReLU.forward``."""
    matmul, maximum = np.matmul, np.maximum
    z.value = out
    # the in-place operator: the same ufunc, without an out= keyword to parse
    iadd: Callable[[Any, Any], Any] = operator.iadd

    def run() -> None:
        matmul(x.value, w.value.T, out=out)
        if b is not None:
            iadd(out, b.value)  # as _affine's z += b on its fresh z
        if relu:
            maximum(out, 0, out=out)

    return run


class LinearSinks:
    """Where a linear node's three gradients go. ``x``, ``w``, ``b``: the sink of each
    input (None where no gradient is wanted); ``own_w``, ``own_b``: the weight's and the
    bias's tensor when the kernel's buffer may become its ``.grad`` directly (an owned
    delivery, see ``routing.owned_deliveries``), else None."""

    __slots__ = ("x", "w", "b", "own_w", "own_b")

    def __init__(
        self, x: Sink | None, w: Sink | None, b: Sink | None, own_w: Any, own_b: Any
    ) -> None:
        self.x, self.w, self.b, self.own_w, self.own_b = x, w, b, own_w, own_b


def linear_backward(
    node: Slot,
    x: Slot,
    w: Slot,
    relu: bool,
    sinks: LinearSinks,
    given: tuple[np.ndarray | None, np.ndarray | None] = (None, None),
    upstream: np.ndarray | None = None,
) -> tuple[Kernel, np.ndarray]:
    """dE/dx = gz W, dE/dW = gz^T x, dE/db = sum_b gz (gz = g * (a > 0) after a ReLU).

    The same calls as ``LinearReLU.backward`` / ``_linear_backward`` and ``unbroadcast``.
    ``node`` is the op's output (its gradient in ``node.grad``). ``given`` are buffers for
    the weight's and the bias's gradient made by the caller (views into one array, so that
    an optimizer can update every parameter with one call), else None. ``upstream`` is the
    buffer of the fused kernel that computes this node's gradient: when the gradient is
    that buffer itself, nothing else reads it afterwards, and the ReLU's mask is applied in
    place (fewer buffers, so more of them stay in cache). Returns the kernel and its
    dE/dx buffer.
    """
    assert node.shape is not None and x.shape is not None and node.dtype is not None
    batch, width = node.shape
    dtype = node.dtype
    mask = np.empty((batch, width), dtype=bool)
    gm = np.empty((batch, width), dtype=dtype)  # untouched while g is the upstream buffer
    # buffers for the gradients; a zero-size one where the input needs none
    gx = np.empty(x.shape if sinks.x is not None else 0, dtype=dtype)
    gw, gb = given
    if gw is None:
        gw = np.empty((width, x.shape[1]) if sinks.w is not None else 0, dtype)
    if gb is None:
        gb = np.empty(width if sinks.b is not None else 0, dtype)
    matmul, multiply, greater = np.matmul, np.multiply, np.greater
    to_x = _hand(gx, sinks.x, None)
    to_w = _hand(gw, sinks.w, sinks.own_w)
    to_b = _hand(gb, sinks.b, sinks.own_b)
    owners = [t for t in (sinks.own_w, sinks.own_b) if t is not None]

    def run() -> None:
        g = node.grad
        if g is None:  # no gradient reached this node: its owned .grad stays None
            for t in owners:
                t.grad = None
            return
        node.grad = None  # popped, as the engine pops a node's gradient
        gz: np.ndarray = g
        if relu:
            greater(node.value, 0, out=mask)  # a > 0 exactly where z > 0
            if g is not upstream:
                gz = gm
            multiply(g, mask, out=gz)  # g * mask: the same bits as the eager rule
        if to_x is not None:
            matmul(gz, w.value, out=gx)
            to_x()
        if to_w is not None:
            matmul(gz.T, x.value, out=gw)
            to_w()
        if to_b is not None:
            _add(gz, axis=(0,), out=gb)  # unbroadcast: g.sum(axis=(0,))
            to_b()

    return run, gx


def _hand(buf: np.ndarray, sink: Sink | None, own: Any) -> Kernel | None:
    """What hands ``buf`` on once computed: set as ``own``'s ``.grad``, summed into a slot
    (inlined), or given to ``sink``; None when no gradient is wanted."""
    if sink is None:
        return None
    if own is not None:

        def keep() -> None:
            own.grad = buf

        return keep
    slot: Slot | None = getattr(sink, "slot", None)
    if slot is not None:

        def accumulate() -> None:
            prev = slot.grad
            slot.grad = buf if prev is None else prev + buf

        return accumulate
    return lambda: sink(buf, False)


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

    From an integer argument (``source``: its slot), checked on every call as
    ``cross_entropy`` checks them, or from a constant checked when traced. Flat indices
    pick the same elements as ``[np.arange(B), labels]``, with one cheap 1-D gather.
    """

    def __init__(self, source: Slot | np.ndarray, shape: tuple[int, int]) -> None:
        self.shape = shape
        self.rows = np.arange(shape[0])
        self.arg: Slot | None = None
        if isinstance(source, np.ndarray):
            self.flat = np.ravel_multi_index((self.rows, source), shape)
        else:
            self.arg = source

    def update(self) -> None:
        """Read this call's labels, refusing one outside [0, K) as ``cross_entropy`` does."""
        if self.arg is None:
            return
        try:  # one call computes b K + label_b and checks both ends of the range
            self.flat = np.ravel_multi_index((self.rows, self.arg.value), self.shape)
        except ValueError:
            raise label_error(self.arg.value, self.shape[1]) from None


def cross_entropy_forward(
    z: Slot, loss: Slot, labels: Labels, dtype: np.dtype[Any]
) -> tuple[Kernel, np.ndarray]:
    """E = (1/B) sum_b (log sum_c e^{z_bc - m_b} - (z_b,label - m_b)): ``CrossEntropy.forward``.

    Returns the kernel and the softmax buffer the backward reads.
    """
    shape = labels.shape
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
        zv = z.value
        update()
        _max(zv, axis=1, keepdims=True, out=mx)
        subtract(zv, mx, out=shifted)  # <= 0: exp cannot overflow
        exp(shifted, out=e)
        _add(e, axis=1, keepdims=True, out=total)
        picked = flat.take(labels.flat)  # (np.take with out= buffers: slower)
        total_loss = _add(log(total, out=logt), axis=None) - _add(picked, axis=None)
        divide(e, total, out=e)  # the softmax, all the backward needs besides the labels
        loss.value = asarray(total_loss / batch, dtype=dtype)

    return run, e


def cross_entropy_backward(node: Slot, softmax: np.ndarray, labels: Labels, sink: Sink) -> Kernel:
    """dE/dz = (g / B) (a - t): ``CrossEntropyGrad.forward`` with labels, into a buffer."""
    batch = softmax.shape[0]
    d = np.empty_like(softmax)
    flat = d.ravel()
    multiply = np.multiply
    hand = _hand(d, sink, None)
    assert hand is not None

    def run() -> None:
        g = node.grad
        if g is None:
            return
        node.grad = None
        scale = float(g) / batch  # a Python float: it keeps the softmax's dtype
        multiply(softmax, scale, out=d)
        flat[labels.flat] -= scale  # d[b, label_b] -= scale
        hand()

    return run
