"""Speed of one training step: the engine against hand-written numpy, side by side.

One step is forward, softmax cross-entropy, backward and an SGD update of the seed network.
The reference is the seed's closed form written by hand for exactly this network (what a
careful numpy programmer would write: no graph, no checks). Both run interleaved in one
process, so the ratio is robust to the machine's speed drifting during the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import functional as F
from ..engine.tensor import Tensor
from ..nn import MLP
from ..optim import SGD

__all__ = ["SIZES", "BenchResult", "numpy_step", "engine_step", "run_bench"]

# name: (N, [I, J], K, batch), the sizes of the seed network the peers were measured on
SIZES: dict[str, tuple[int, list[int], int, int]] = {
    "tiny": (64, [32, 32], 10, 32),
    "digits": (64, [128, 64], 10, 64),
    "mnist": (784, [256, 128], 10, 128),
    "wide": (784, [1024, 1024], 10, 256),
}


@dataclass
class BenchResult:
    size: str
    dtype: str
    numpy_ms: float
    engine_ms: float

    @property
    def ratio(self) -> float:
        return self.engine_ms / self.numpy_ms


def numpy_step(
    params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float
) -> Callable[[], float]:
    """A hand-written step of the seed network: forward, closed-form backward, SGD."""
    W1, b1, W2, b2, W3, b3 = params
    batch = x.shape[0]
    rows = np.arange(batch)

    def step() -> float:
        z1 = x @ W1.T + b1
        a1 = np.maximum(z1, 0)
        z2 = a1 @ W2.T + b2
        a2 = np.maximum(z2, 0)
        z3 = a2 @ W3.T + b3
        shifted = z3 - z3.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=1, keepdims=True)
        loss = (np.log(s).sum() - shifted[rows, y].sum()) / batch
        d3 = e / s  # delta_k = (a_k - t_k) / B
        d3[rows, y] -= 1
        d3 /= batch
        gW3, gb3 = d3.T @ a2, d3.sum(axis=0)
        d2 = (d3 @ W3) * (z2 > 0)
        gW2, gb2 = d2.T @ a1, d2.sum(axis=0)
        d1 = (d2 @ W2) * (z1 > 0)
        gW1, gb1 = d1.T @ x, d1.sum(axis=0)
        for p, g in ((W1, gW1), (b1, gb1), (W2, gW2), (b2, gb2), (W3, gW3), (b3, gb3)):
            p -= lr * g
        return float(loss)

    return step


def engine_step(model: MLP, x: np.ndarray, y: np.ndarray, lr: float) -> Callable[[], float]:
    """The same step through the engine: model, F.cross_entropy, backward, optim.SGD."""
    opt = SGD(model.parameters(), lr=lr)
    xt = Tensor.from_numpy(x)

    def step() -> float:
        opt.zero_grad()
        loss = F.cross_entropy(model(xt), y)
        loss.backward()
        opt.step()
        return float(loss.data)

    return step


def run_bench(size: str, dtype: type, steps: int, seed: int = 0) -> BenchResult:
    """Median ms per step of both, alternating one reference step and one engine step.

    Alternating step by step means both see the same machine: a slow second (another
    process, a frequency change) slows both sides of the pairs it falls in, not one side.
    """
    n_in, hidden, n_out, batch = SIZES[size]
    rng = np.random.default_rng(seed)
    model = MLP(n_in, hidden, n_out, rng=rng, dtype=dtype)
    params = [p.data.copy() for p in model.parameters()]
    x: np.ndarray = rng.standard_normal((batch, n_in)).astype(dtype)
    y = rng.integers(0, n_out, batch)
    lr = 1e-3  # small, so weights barely move and both do the same arithmetic all run
    ref, eng = numpy_step(params, x, y, lr), engine_step(model, x, y, lr)
    clock = time.perf_counter
    for _ in range(max(steps // 10, 3)):  # warm up caches, allocator and BLAS threads
        ref()
        eng()
    ref_t = np.empty(steps)
    eng_t = np.empty(steps)
    for i in range(steps):
        t0 = clock()
        ref()
        t1 = clock()
        eng()
        t2 = clock()
        ref_t[i], eng_t[i] = t1 - t0, t2 - t1
    return BenchResult(
        size, np.dtype(dtype).name, float(np.median(ref_t)) * 1e3, float(np.median(eng_t)) * 1e3
    )
