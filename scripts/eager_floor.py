"""The floor of an eager step in this Python: the seed step on a minimal tape, no checks at all.

The engine's eager step records a graph while it runs and walks it back, as any eager
autodiff must; the guards, hooks and general routing it adds cost Python time on top. This
script measures that floor: the same arithmetic (bit for bit, checked against the engine's
step before timing) on the smallest tape that can still be called eager: a Tensor of three
slots, one node object per op, a backward that follows the chain and sums the bias
gradients, SGD through a scratch buffer. No saved-array guard, no ownership rule, no
anomaly or jit hooks, no shape or label checks, a chain-only graph walk. Whatever the
engine costs above this is the price of those.

It prints, for each size and dtype, the median and interquartile range of the per-round
ratios to the hand-written numpy step (``tinygrad_mlp.bench.numpy_step``) of this step,
of this step with the engine's saved-array guard added (the same ``hold`` on the same
arrays, the same check before each backward), and of the engine's eager step, all four
alternated in the same rounds. The guarded floor is the least an eager step that keeps
the guard can cost here.

At mnist float64 the ratios here are not the bench's: in this fresh process the
hand-written numpy step page-faults about 940 times a step (glibc returns its 1.6 MB
temporaries to the system and maps them again), where in the bench's process it faults
none; use the bench for that size.

Usage: ``OPENBLAS_NUM_THREADS=1 python scripts/eager_floor.py [tiny] [digits] [mnist]``
"""

from __future__ import annotations

import operator
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_mlp.bench.tensor import SIZES, engine_step, numpy_step
from tinygrad_mlp.engine.saved import _version, hold
from tinygrad_mlp.nn import MLP
from tinygrad_mlp.utils.blas import limit_threads

__all__ = ["floor_step", "main", "tape_sgd"]

_data = operator.attrgetter("data")


class _T:
    """A tensor of the tape: its array, its gradient and the node that made it."""

    __slots__ = ("data", "grad", "node")

    def __init__(self, data: np.ndarray, node: Any = None) -> None:
        self.data, self.grad, self.node = data, None, node


class _Dense:
    """z = x W^T + b, then ReLU if ``relu``: the engine's Linear and LinearReLU nodes.

    With ``guard``, what backward reads is frozen by the engine's own saved-array guard
    (``engine/saved.py``: the same ``hold`` on the same arrays as the engine's nodes) and
    checked before backward as the engine checks it (rebound ``.data``, versions).
    """

    __slots__ = ("parents", "out", "relu", "hold", "saved")

    def __init__(self, x: _T, w: _T, b: _T, relu: bool, guard: bool) -> None:
        z = x.data @ w.data.T
        z += b.data
        if relu:
            np.maximum(z, 0, out=z)
        self.parents, self.out, self.relu = (x, w, b), z, relu
        if guard:
            self.saved = (x.data, w.data, b.data)
            self.hold = hold(self.saved, z, {}, (0, 1, "out") if relu else (0, 1))

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, w, _ = self.parents
        if hasattr(self, "hold"):
            _check(self.parents, self.saved, self.hold)
        if self.relu:
            g = g * (self.out > 0)
        return (g @ w.data if x.node is not None else None, g.T @ x.data, g)


def _check(parents: tuple[_T, ...], saved: tuple[np.ndarray, ...], h: Any) -> None:
    """The engine's check before a node's backward: no input rebound, no version moved."""
    if not all(map(operator.is_, map(_data, parents), saved)):  # as engine/saved.py: check
        raise RuntimeError("an input's .data was replaced before backward")
    if _version and h is not None:  # versions only once writing() moved one, as the engine
        h.check_versions("floor")


class _CrossEntropy:
    """The engine's fused softmax cross-entropy node (ops/loss.py), labels only."""

    __slots__ = ("parents", "softmax", "labels", "hold", "saved")

    def __init__(self, z: _T, labels: np.ndarray, guard: bool) -> None:
        self.parents, self.labels = (z,), labels
        if guard:
            self.saved = (z.data,)
            self.hold = hold(self.saved, z.data, {}, (0,))

    def forward(self) -> np.ndarray:
        z = self.parents[0].data
        batch = z.shape[0]
        shifted = z - np.maximum.reduce(z, axis=1, keepdims=True)
        e = np.exp(shifted)
        total = np.add.reduce(e, axis=1, keepdims=True)
        picked = shifted[np.arange(batch), self.labels]
        loss = np.add.reduce(np.log(total), axis=None) - np.add.reduce(picked, axis=None)
        e /= total
        self.softmax = e
        return np.asarray(loss / batch, dtype=z.dtype)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        if hasattr(self, "hold"):
            _check(self.parents, self.saved, self.hold)
        batch = self.softmax.shape[0]
        scale = float(g) / batch
        d = self.softmax * scale
        d[np.arange(batch), self.labels] -= scale
        return (d,)


def _dense(x: _T, w: _T, b: _T, relu: bool, guard: bool) -> _T:
    node = _Dense(x, w, b, relu, guard)
    return _T(node.out, node)


def _backward(root: _T) -> None:
    """The chain from the loss to the input: each node's rule, biases summed, leaves filled."""
    g = np.ones((), dtype=root.data.dtype)
    t: _T | None = root
    while t is not None and t.node is not None:
        node = t.node
        nxt = None
        for p, pg in zip(node.parents, node.backward(g), strict=True):
            if pg is None:
                continue
            if pg.shape != p.data.shape:
                pg = np.add.reduce(pg, axis=0)
            if p.node is None:
                p.grad = pg if p.grad is None else p.grad + pg
            else:
                g, nxt = pg, p
        t.node = None
        t = nxt


def tape_sgd(params: Sequence[Any], bufs: Sequence[np.ndarray], lr: float) -> None:
    """The tape's SGD: p -= lr g for each parameter, lr g through a buffer kept between steps
    (SGD.step's arithmetic, without its checks or write protocol)."""
    for p, buf in zip(params, bufs, strict=True):
        np.multiply(p.grad, lr, out=buf)
        p.data -= buf


def floor_step(
    params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float, guard: bool = False
) -> Callable[[], float]:
    """The seed step (forward, cross-entropy, backward, SGD) on the minimal tape; with
    ``guard``, plus the engine's saved-array guard, the one check the issue keeps as is."""
    ps = [_T(p) for p in params]
    xt = _T(x)
    scratch = [np.empty_like(p) for p in params]

    def step() -> float:
        for p in ps:
            p.grad = None
        h = _dense(xt, ps[0], ps[1], True, guard)
        h = _dense(h, ps[2], ps[3], True, guard)
        z = _dense(h, ps[4], ps[5], False, guard)
        ce = _CrossEntropy(z, y.astype(np.uintp), guard)
        loss = _T(ce.forward(), ce)
        _backward(loss)
        tape_sgd(ps, scratch, lr)
        return float(loss.data)

    return step


def _ratios(size: str, dtype: type, rounds: int = 300, repeat: int = 5) -> list[np.ndarray]:
    """Per-round ratios to numpy of the floor, the floor with the guard, and the engine."""
    n_in, hidden, n_out, batch = SIZES[size]
    rng = np.random.default_rng(0)
    model = MLP(n_in, hidden, n_out, rng=rng, dtype=dtype)
    x: np.ndarray = rng.standard_normal((batch, n_in)).astype(dtype)
    y = rng.integers(0, n_out, batch)
    copies = [[p.data.copy() for p in model.parameters()] for _ in range(3)]
    sides = [numpy_step(copies[0], x, y, 1e-3), floor_step(copies[1], x, y, 1e-3)]
    sides.append(floor_step(copies[2], x, y, 1e-3, guard=True))
    sides.append(engine_step(model, x, y, 1e-3))
    for _ in range(3):  # the floor does the engine's arithmetic: same losses, same weights
        if not sides[1]() == sides[2]() == sides[3]():
            raise AssertionError("the floor step's loss differs from the engine's")
    for floor in copies[1:]:
        pairs = zip(floor, model.parameters(), strict=True)
        if not all(np.array_equal(a, p.data) for a, p in pairs):
            raise AssertionError("the floor step's weights differ from the engine's")
    for _ in range(50):
        for f in sides:
            f()
    n = len(sides)
    times = np.empty((n, rounds))
    clock = time.perf_counter
    for i in range(rounds):
        for k in range(n):
            j = (i + k) % n
            t0 = clock()
            for _ in range(repeat):
                sides[j]()
            times[j, i] = clock() - t0
    return [times[j] / times[0] for j in range(1, n)]


def main(argv: list[str]) -> None:
    with limit_threads(1):
        for size in argv or ["tiny", "digits"]:
            for dtype in (np.float32, np.float64):
                cells = []
                names = ("floor", "floor+guard", "eager")
                for name, r in zip(names, _ratios(size, dtype), strict=True):
                    q1, med, q3 = np.percentile(r, [25, 50, 75])
                    cells.append(f"{name}/np {med:.2f} [{q1:.2f}-{q3:.2f}]")
                print(f"{size:7s} {np.dtype(dtype).name}:  " + "   ".join(cells))


if __name__ == "__main__":
    main(sys.argv[1:])
