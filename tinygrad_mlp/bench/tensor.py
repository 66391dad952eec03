"""Speed of one training step: the engine, eager and jitted, against hand-written numpy.

One step is forward, softmax cross-entropy, backward and an SGD update of the seed network.
Beside them runs the best exact numpy step (``exact``), the floor of an exact replay.
The reference is the seed's closed form written by hand for exactly this network (what a
careful numpy programmer would write: no graph, no checks). All four run interleaved in
one process, step by step, with BLAS on one thread, and each step's time is divided by the
numpy step's time next to it: the median of those ratios is robust to the machine's speed
drifting during the run (and to other processes sharing it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import permutations

import numpy as np

from .. import functional as F
from ..jit import jit
from ..nn import MLP
from ..optim import SGD
from ..tensor import Tensor
from ..utils.blas import limit_threads
from .exact import exact_numpy_step

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
    """Median ms per step of each side, and the median of the per-round ratios to numpy's.

    ``exact`` is ``exact_numpy_step``: the eager step's arithmetic in fixed buffers,
    the floor for an exact replay on numpy. ``*_spread`` is the interquartile range of that
    side's per-round ratios (how much the ratio moved from round to round).
    """

    size: str
    dtype: str
    numpy_ms: float
    engine_ms: float
    jit_ms: float
    ratio: float  # eager engine / numpy, round by round
    jit_ratio: float  # jitted engine / numpy, round by round
    exact_ms: float = float("nan")
    exact_ratio: float = float("nan")  # best exact numpy / numpy, round by round
    ratio_spread: float = float("nan")
    jit_spread: float = float("nan")
    exact_spread: float = float("nan")


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
    """Median ms per step of the four sides, and the median ratio of each to numpy's.

    The sides are the hand-written numpy step (the reference, ratio 1), the best exact numpy
    step (``exact``), the eager engine and the jitted engine. Every round runs each side
    ``repeat`` steps in a row (as the peers were measured), and the rounds take the sides in
    every order in turn (all permutations), so each side follows each other side equally
    often: a side that leaves the cache cold (the eager step touches the most memory) charges
    the same share to every other side, and no ratio depends on a phase order. (A rotation
    would not do: it keeps each side's predecessor, so the jit followed the eager step in
    three rounds of four.) Each side's time is divided by
    the numpy time of the same round: a slow second (another process, a frequency change)
    slows a whole round, and the median of the per-round ratios is robust to it. ``threads``
    caps BLAS (one: no thread pool spins while another side runs).
    """
    n_in, hidden, n_out, batch = SIZES[size]
    rng = np.random.default_rng(seed)
    model = MLP(n_in, hidden, n_out, rng=rng, dtype=dtype)
    params = [p.data.copy() for p in model.parameters()]
    exact_params = [p.data.copy() for p in model.parameters()]
    twin = MLP(n_in, hidden, n_out, rng=np.random.default_rng(seed), dtype=dtype)
    x: np.ndarray = rng.standard_normal((batch, n_in)).astype(dtype)
    y = rng.integers(0, n_out, batch)
    lr = 1e-3  # small, so weights barely move and all do the same arithmetic all run
    sides = [
        numpy_step(params, x, y, lr),
        exact_numpy_step(exact_params, x, y, lr),
        engine_step(model, x, y, lr),
        jit_step(twin, x, y, lr),
    ]
    clock = time.perf_counter
    n = len(sides)
    orders = list(permutations(range(n)))  # each ordered pair of sides adjacent equally often
    rounds = max(n, steps // (n * repeat))  # a long run goes through every order many times
    times = np.empty((n, rounds))
    with limit_threads(threads):
        # warm up caches, the allocator and the jit: its trace (call 1), verification (2)
        # and first re-verifications (calls 4, 8, 16: each costs about three steps, see
        # docs/jit.md) all fall before the timed rounds, which measure its replay; later
        # ones (32, 64, ...) land in few rounds, which the median leaves out
        for _ in range(max(rounds // 10, 17)):
            for f in sides:
                f()
        for i in range(rounds):
            for k in orders[i % len(orders)]:
                f = sides[k]
                t0 = clock()
                for _ in range(repeat):
                    f()
                times[k, i] = (clock() - t0) / repeat
    ms = np.median(times, axis=1) * 1e3
    ratios = times[1:] / times[0]
    med = np.median(ratios, axis=1)
    q75, q25 = np.percentile(ratios, [75, 25], axis=1)
    spread = q75 - q25
    return BenchResult(
        size,
        np.dtype(dtype).name,
        float(ms[0]),
        float(ms[2]),
        float(ms[3]),
        float(med[1]),
        float(med[2]),
        exact_ms=float(ms[1]),
        exact_ratio=float(med[0]),
        ratio_spread=float(spread[1]),
        jit_spread=float(spread[2]),
        exact_spread=float(spread[0]),
    )
