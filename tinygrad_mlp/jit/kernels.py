"""Fused replay kernels for the seed network's ops: Linear, LinearReLU and CrossEntropy.

Each kernel repeats, call for call, the numpy arithmetic of the eager op's forward or
backward (``ops/nn.py``, ``ops/loss.py``) and of the engine's handling of its gradients
(``engine/backward.py``: ``unbroadcast`` sums a bias gradient over the batch), so its
results are the same bits. What it saves is everything around the arithmetic: no Tensor, no
op object, no graph, no dict of gradients, no checks the trace has already made, and no
allocation: every result goes into a buffer (``out=``) made once per signature.

A kernel is source (``jit/code.py``): a few lines, specialised when compiled to what this
node needs (a bias or not, a ReLU or not, which gradients and where they go), that read
their operands' ``value`` from slots (``jit/slots.py``) and write their output into their
own slot; a backward kernel reads its node's ``grad`` and hands each input's gradient on:
summed into the input's slot, set as a parameter's ``.grad``, or given to a *sink* that
delivers it to a leaf as the engine does. A replay runs all kernels' lines in one function.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from ..ops.loss import bad_labels
from .code import Code, compiled
from .slots import Kernel, Slot

__all__ = [
    "linear_forward",
    "linear_backward",
    "cross_entropy_forward",
    "cross_entropy_backward",
    "LinearSinks",
    "Labels",
    "label_error",
    "handed",
]

Sink = Callable[[np.ndarray, bool], None]  # (gradient, fresh: owned by this input alone)

_add = np.add.reduce
_max = np.maximum.reduce


def linear_forward(
    x: Slot, w: Slot, b: Slot | None, z: Slot, relu: bool, out: np.ndarray
) -> Kernel:
    """z = x W^T (+ b) (then max(z, 0)) into ``out``: ``_affine`` and ``LinearReLU.forward``."""
    z.value = out
    lines = ["$matmul($x.value, $w.value.T, out=$out)"]
    if b is not None:  # the in-place operator, as _affine's z += b on its fresh z
        lines.append("$iadd($out, $b.value)")
    if relu:
        lines.append("$maximum($out, 0, out=$out)")
    names = {"matmul": np.matmul, "maximum": np.maximum, "iadd": operator.iadd}
    return compiled(Code(lines, {**names, "x": x, "w": w, "b": b, "out": out}), "linear")


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
    gw, gb = given
    names: dict[str, Any] = {
        "node": node, "x": x, "w": w, "upstream": upstream,
        "mask": np.empty((batch, width), dtype=bool),
        "gm": np.empty((batch, width), dtype=dtype),  # untouched while g is upstream's
        # buffers for the gradients; a zero-size one where the input needs none
        "gx": np.empty(x.shape if sinks.x is not None else 0, dtype=dtype),
        "gw": gw if gw is not None else np.empty(
            (width, x.shape[1]) if sinks.w is not None else 0, dtype),
        "gb": gb if gb is not None else np.empty(width if sinks.b is not None else 0, dtype),
        "matmul": np.matmul, "multiply": np.multiply, "greater": np.greater, "add": _add,
    }  # fmt: skip
    owners = [t for t in ("own_w", "own_b") if getattr(sinks, t) is not None]
    lines = ["$g = $node.grad", "if $g is None:  # no gradient reached it: owned .grad None"]
    lines += [f"    ${t}.grad = None" for t in owners] or ["    pass"]
    lines += ["else:", "    $node.grad = None  # popped, as the engine pops it", "    $gz = $g"]
    if relu:  # g * (a > 0): a > 0 exactly where z > 0; the same bits as the eager rule
        lines += ["    $greater($node.value, 0, out=$mask)", "    if $g is not $upstream:"]
        lines += ["        $gz = $gm", "    $multiply($g, $mask, out=$gz)"]
    for part, call in (
        ("x", "$matmul($gz, $w.value, out=$gx)"),
        ("w", "$matmul($gz.T, $x.value, out=$gw)"),
        ("b", "$add($gz, axis=(0,), out=$gb)  # unbroadcast: g.sum(axis=(0,))"),
    ):
        sink = getattr(sinks, part)
        if sink is not None:
            own = getattr(sinks, f"own_{part}", None)
            lines += ["    " + call, *_hand(f"g{part}", part, sink, own, names)]
    names.update({f"own_{t}": getattr(sinks, f"own_{t}") for t in ("w", "b")})
    return compiled(Code(lines, names), "linear backward"), names["gx"]


def handed(kernel: Kernel) -> list[tuple[Any, np.ndarray]]:
    """(parameter, buffer) for each buffer a fused linear backward sets as a parameter's
    ``.grad`` itself (an owned delivery); none for any other kernel."""
    names = getattr(getattr(kernel, "code", None), "names", {})
    owners = [(names.get(f"own_{p}"), p) for p in ("w", "b")]
    return [(owner, names[f"g{p}"]) for owner, p in owners if owner is not None]


def _hand(buf: str, part: str, sink: Sink, own: Any, names: dict[str, Any]) -> list[str]:
    """The lines handing ``$buf`` on once computed: set as ``own``'s ``.grad``, summed
    into a slot (as ``routing.sink``'s accumulate), or given to ``sink``."""
    if own is not None:
        return [f"    $own_{part}.grad = ${buf}"]
    slot: Slot | None = getattr(sink, "slot", None)
    if slot is not None:
        names[f"to_{part}"] = slot
        return [
            f"    $prev = $to_{part}.grad",
            f"    $to_{part}.grad = ${buf} if $prev is None else $prev + ${buf}",
        ]
    names[f"to_{part}"] = sink
    return [f"    $to_{part}(${buf}, False)"]


def label_error(labels: np.ndarray, classes: int) -> ValueError:
    """The error ``cross_entropy`` raises for a label outside [0, classes)."""
    return ValueError(bad_labels(labels, (len(labels), classes)))


class Labels:
    """The labels of one call as flat indices into a (B, K) array: b K + label_b.

    From an integer argument (``source``: its slot; ``cross_entropy_forward`` reads and
    checks them on every call, as ``cross_entropy`` does), or from a constant checked when
    traced. Flat indices
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


def cross_entropy_forward(
    z: Slot, loss: Slot, labels: Labels, dtype: np.dtype[Any]
) -> tuple[Kernel, np.ndarray]:
    """E = (1/B) sum_b (log sum_c e^{z_bc - m_b} - (z_b,label - m_b)): ``CrossEntropy.forward``.

    Returns the kernel and the softmax buffer the backward reads.
    """
    shape = labels.shape
    batch = shape[0]
    shifted = np.empty(shape, dtype=dtype)
    names: dict[str, Any] = {
        "z": z, "loss": loss, "labels": labels, "arg": labels.arg, "batch": batch,
        "dtype": dtype, "shape": shape, "mx": np.empty((batch, 1), dtype=dtype),
        "shifted": shifted, "flat": shifted.ravel(),  # a view: flat[b K + label_b]
        "e": np.empty(shape, dtype=dtype), "total": np.empty((batch, 1), dtype=dtype),
        "logt": np.empty((batch, 1), dtype=dtype), "subtract": np.subtract,
        "npexp": np.exp, "nplog": np.log, "divide": np.divide, "asarray": np.asarray,
        "add": _add, "rowmax": _max, "ravel": np.ravel_multi_index, "error": label_error,
    }  # fmt: skip
    lines = []
    if labels.arg is not None:  # this call's labels, refused outside [0, K) as eagerly
        lines += [  # one call computes b K + label_b and checks both ends of the range
            "try:",
            "    $labels.flat = $ravel(($labels.rows, $arg.value), $shape)",
            "except ValueError:",
            "    raise $error($arg.value, $shape[1]) from None",
        ]
    lines += [
        "$zv = $z.value",
        "$rowmax($zv, axis=1, keepdims=True, out=$mx)",
        "$subtract($zv, $mx, out=$shifted)  # <= 0: exp cannot overflow",
        "$npexp($shifted, out=$e)",
        "$add($e, axis=1, keepdims=True, out=$total)",
        "$picked = $flat.take($labels.flat)  # (np.take with out= buffers: slower)",
        "$tl = $add($nplog($total, out=$logt), axis=None) - $add($picked, axis=None)",
        "$divide($e, $total, out=$e)  # the softmax, all the backward needs but labels",
        "$loss.value = $asarray($tl / $batch, dtype=$dtype)",
    ]
    code = Code(lines, names, raises=labels.arg is not None)
    return compiled(code, "cross-entropy"), names["e"]


def cross_entropy_backward(node: Slot, softmax: np.ndarray, labels: Labels, sink: Sink) -> Kernel:
    """dE/dz = (g / B) (a - t): ``CrossEntropyGrad.forward`` with labels, into a buffer."""
    d = np.empty_like(softmax)
    names: dict[str, Any] = {
        "node": node, "softmax": softmax, "labels": labels, "batch": softmax.shape[0],
        "d": d, "flat": d.ravel(), "multiply": np.multiply, "tofloat": float,
    }  # fmt: skip
    lines = [
        "$g = $node.grad",
        "if $g is not None:",
        "    $node.grad = None",
        "    $scale = $tofloat($g) / $batch  # a Python float: it keeps the softmax's dtype",
        "    $multiply($softmax, $scale, out=$d)",
        "    $flat[$labels.flat] -= $scale  # d[b, label_b] -= scale",
        *_hand("d", "x", sink, None, names),
    ]
    return compiled(Code(lines, names), "cross-entropy backward")
