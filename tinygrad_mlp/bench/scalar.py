"""Time one training step of the scalar seed network, and micrograd's, side by side.

The step: a 2-16-16-2 MLP, a batch of 32, softmax cross-entropy averaged over the batch,
backward, SGD. When micrograd (0.1.0) is importable, the same step with the same weights
runs in it too, blocks of steps alternating between the engines in one process. micrograd
has no ``exp`` or ``log``; ``_patch_micrograd`` adds both, written the way micrograd
writes its ops, for this comparison only. micrograd is never a dependency of this package.

Each block starts with an untimed ``gc.collect()``, so one engine's garbage is not collected
on the other's clock, and two untimed steps, so the engine's own garbage is back to its
steady state: a first step after a full collection is about twice as fast for micrograd,
whose every step leaves reference cycles for the collector. The figure per engine is the
median over its blocks of the mean step.
"""

from __future__ import annotations

import gc
import importlib
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..scalar.functional import cross_entropy
from ..scalar.nn import MLP
from ..scalar.value import Value

__all__ = ["BenchResult", "make_problem", "scalar_step", "run_scalar_bench", "import_micrograd"]

SIZES = (2, [16, 16], 2)
BATCH = 32
LR = 0.05


@dataclass
class BenchResult:
    """Milliseconds per step of ours (and micrograd's), nodes per step, the final losses."""

    ours_ms: float
    nodes_per_step: int
    steps: int
    micrograd_ms: float | None = None
    micrograd_nodes: int | None = None
    ours_loss: float | None = None
    micrograd_loss: float | None = None

    @property
    def ratio(self) -> float | None:
        """micrograd's step time over ours (how many times faster ours is)."""
        return None if self.micrograd_ms is None else self.micrograd_ms / self.ours_ms


def make_problem(seed: int = 0) -> tuple[MLP, list[list[float]], list[int]]:
    """The network (He-initialised as ``nn.MLP``), a batch of 32 two-feature rows, labels.

    Example::

        >>> from tinygrad_mlp.bench.scalar import make_problem
        >>> net, x, y = make_problem(0)
        >>> net.sizes, len(x), len(y)
        ([2, 16, 16, 2], 32, 32)
    """
    rng = np.random.default_rng(seed)
    net = MLP(*SIZES, rng=rng)
    x = rng.standard_normal((BATCH, SIZES[0]))
    y = (x[:, 0] * x[:, 1] > 0).astype(int)  # a task an MLP can learn: same-sign quadrants
    return net, x.tolist(), y.tolist()


def scalar_step(net: MLP, x: list[list[float]], y: list[int], lr: float = LR) -> float:
    """One SGD step: forward every row, mean cross-entropy, backward, w -= lr dE/dw.

    Example::

        >>> from tinygrad_mlp.bench.scalar import make_problem, scalar_step
        >>> net, x, y = make_problem(0)
        >>> scalar_step(net, x, y) > scalar_step(net, x, y)    # the loss goes down
        True
    """
    params = net.parameters()
    for p in params:
        p.grad = 0.0
    loss = cross_entropy([net(row) for row in x], y)
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
    return loss.data


def import_micrograd() -> Any:
    """micrograd's ``engine`` and ``nn`` modules with exp/log added, or None if not installed."""
    try:
        engine = importlib.import_module("micrograd.engine")
        mnn = importlib.import_module("micrograd.nn")
    except ImportError:
        return None
    _patch_micrograd(engine.Value)
    return engine, mnn


def _patch_micrograd(V: Any) -> None:
    """Give micrograd's Value exp and log in its own style (closures), if it lacks them."""

    def exp(self: Any) -> Any:
        out = V(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self: Any) -> Any:
        out = V(math.log(self.data), (self,), "log")

        def _backward() -> None:
            self.grad += (1.0 / self.data) * out.grad

        out._backward = _backward
        return out

    for name, fn in (("exp", exp), ("log", log)):
        if not hasattr(V, name):
            setattr(V, name, fn)


def _micrograd_model(mnn: Any, net: MLP) -> Any:
    model = mnn.MLP(SIZES[0], [*SIZES[1], SIZES[2]])
    for layer, mlayer in zip(net.layers, model.layers, strict=True):
        for n, mn in zip(layer.neurons, mlayer.neurons, strict=True):
            for w, mw in zip(n.w, mn.w, strict=True):
                mw.data = w.data
            mn.b.data = n.b.data
    return model


def _micrograd_step(model: Any, x: list[list[float]], y: list[int], lr: float = LR) -> float:
    """The same step in micrograd: stable log-softmax from its ops, mean over the batch."""
    losses = []
    for row, label in zip(x, y, strict=True):
        logits = model(row)
        m = max(v.data for v in logits)
        shifted = [v - m for v in logits]
        lse = sum(s.exp() for s in shifted).log()
        losses.append(lse - shifted[label])
    loss = sum(losses) * (1.0 / len(losses))
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return float(loss.data)


def _micrograd_graph_size(model: Any, x: list[list[float]], y: list[int]) -> int:
    logits = [model(row) for row in x]
    losses = []
    for z, label in zip(logits, y, strict=True):
        m = max(v.data for v in z)
        shifted = [v - m for v in z]
        losses.append(sum(s.exp() for s in shifted).log() - shifted[label])
    root = sum(losses) * (1.0 / len(losses))
    seen, stack = {id(root)}, [root]
    while stack:
        for c in stack.pop()._prev:
            if id(c) not in seen:
                seen.add(id(c))
                stack.append(c)
    return len(seen)


def _timed_block(step: Any, steps: int, warmup: int = 2) -> float:
    gc.collect()  # untimed: no garbage of the other engine is left to collect on our clock
    for _ in range(warmup):  # untimed: the collector's generations reach their steady state
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps * 1e3


def run_scalar_bench(
    blocks: int = 5,
    ours_steps: int = 40,
    micrograd_steps: int = 4,
    seed: int = 0,
    micrograd: bool = True,
) -> BenchResult:
    """Alternate ``blocks`` timed blocks of each engine; median ms per step of each.

    Example::

        >>> from tinygrad_mlp.bench.scalar import run_scalar_bench
        >>> r = run_scalar_bench(blocks=1, ours_steps=1, micrograd=False)
        >>> r.ours_ms > 0 and r.nodes_per_step > 1000
        True
    """
    net, x, y = make_problem(seed)
    before = Value(0.0)._order
    scalar_step(net, x, y, lr=0.0)
    nodes = Value(0.0)._order - before - 1
    mg = import_micrograd() if micrograd else None
    model = _micrograd_model(mg[1], net) if mg is not None else None
    result = BenchResult(0.0, nodes, blocks * ours_steps)
    if model is not None:  # same weights, same batch: the two losses must agree
        result.ours_loss = scalar_step(net, x, y, lr=0.0)
        result.micrograd_loss = _micrograd_step(model, x, y, lr=0.0)
        result.micrograd_nodes = _micrograd_graph_size(model, x, y)

    ours, theirs = [], []
    for _ in range(blocks):
        ours.append(_timed_block(lambda: scalar_step(net, x, y), ours_steps))
        if model is not None:
            theirs.append(_timed_block(lambda: _micrograd_step(model, x, y), micrograd_steps))
    result.ours_ms = float(np.median(ours))
    if model is not None:
        result.micrograd_ms = float(np.median(theirs))
    return result
