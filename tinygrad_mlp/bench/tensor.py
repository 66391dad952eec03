"""Speed of one training step: the engine, eager and jitted, against hand-written numpy.

One step is forward, softmax cross-entropy, backward and an SGD update of the seed network.
The reference is the seed's closed form written by hand for exactly this network (what a
careful numpy programmer would write: no graph, no checks). The three run interleaved in
one process, step by step, with BLAS on one thread, and each step's time is divided by the
numpy step's time next to it: the median of those ratios is robust to the machine's speed
drifting during the run (and to other processes sharing it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import functional as F
from ..engine.tensor import Tensor
from ..jit import jit
from ..nn import MLP
from ..optim import SGD
from ..utils.blas import limit_threads

__all__ = ["SIZES", "BenchResult", "numpy_step", "engine_step", "jit_step", "run_bench"]

# name: (N, [I, J], K, batch), the sizes of the seed network the peers were measured on
SIZES: dict[str, tuple[int, list[int], int, int]] = {
    "tiny": (64, [32, 32], 10, 32),
    "digits": (64, [128, 64], 10, 64),
    "mnist": (784, [256, 128], 10, 128),
    "wide": (784, [1024, 1024], 10, 256),
}


@dataclass
class BenchResult:
    """Median ms per step of each, and the median of the per-step ratios to numpy's."""

    size: str
    dtype: str
    numpy_ms: float
    engine_ms: float
    jit_ms: float
    ratio: float  # eager engine / numpy, step by step
    jit_ratio: float  # jitted engine / numpy, step by step


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


def jit_step(model: MLP, x: np.ndarray, y: np.ndarray, lr: float) -> Callable[[], float]:
    """The same step through ``tm.jit``: traced on its first two calls, replayed after."""
    opt = SGD(model.parameters(), lr=lr)
    xt = Tensor.from_numpy(x)

    @jit
    def train(x: Tensor, y: np.ndarray) -> Tensor:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    def step() -> float:
        return float(train(xt, y).data)

    return step


def run_bench(
    size: str, dtype: type, steps: int, seed: int = 0, threads: int | None = 1, repeat: int = 5
) -> BenchResult:
    """Median ms per step of the three, and the median ratio to numpy, over rounds.

    Two phases in one run: rounds of numpy and eager, then rounds of numpy and jitted. A
    round runs each of its pair ``repeat`` steps in a row (as the peers were measured), the
    first of the pair alternating between rounds (measured: going first or second moves a
    ratio by up to 0.03), and divides the engine's time by the numpy time beside it. A slow
    second (another process, a frequency change) slows both sides of the round it falls in.
    Not all three in turn: the eager step touches far more memory than the others and
    leaves the cache cold for whatever runs after it, which would charge part of its cost
    to the jitted step (measured: 0.05 to 0.1 of the ratio). ``threads`` caps BLAS (one: no
    thread pool spins while another side runs).
    """
    n_in, hidden, n_out, batch = SIZES[size]
    rng = np.random.default_rng(seed)
    model = MLP(n_in, hidden, n_out, rng=rng, dtype=dtype)
    params = [p.data.copy() for p in model.parameters()]
    twin = MLP(n_in, hidden, n_out, rng=np.random.default_rng(seed), dtype=dtype)
    x: np.ndarray = rng.standard_normal((batch, n_in)).astype(dtype)
    y = rng.integers(0, n_out, batch)
    lr = 1e-3  # small, so weights barely move and all do the same arithmetic all run
    sides = [numpy_step(params, x, y, lr), engine_step(model, x, y, lr), jit_step(twin, x, y, lr)]
    clock = time.perf_counter
    rounds = max(1, steps // (2 * repeat))
    times = np.empty((4, rounds))  # numpy, eager, numpy, jitted
    with limit_threads(threads):
        for phase in (1, 2):
            pair = (sides[0], sides[phase])
            for _ in range(max(rounds // 10, 3)):  # warm up caches, allocator, the jit's trace
                for f in pair:
                    f()
            for i in range(rounds):
                for k in (0, 1) if i % 2 == 0 else (1, 0):
                    f = pair[k]
                    t0 = clock()
                    for _ in range(repeat):
                        f()
                    times[2 * (phase - 1) + k, i] = (clock() - t0) / repeat
    ms = np.median(times, axis=1) * 1e3
    numpy_ms = float(np.median(times[[0, 2]])) * 1e3
    ratios = np.median(times[[1, 3]] / times[[0, 2]], axis=1)
    return BenchResult(
        size, np.dtype(dtype).name, numpy_ms, float(ms[1]), float(ms[3]), *map(float, ratios)
    )
