"""Where the eager step's time goes: the engine with one piece replaced at a time.

Six sides run in the same rounds (each five steps, the order rotating, BLAS on one
thread), and each prints the median of its per-round ratios to the hand-written numpy step:

- ``floor``: the minimal tape of ``eager_floor.py``; ``floor+guard``: the same with the
  engine's saved-array guard;
- ``direct+tape SGD``: the engine's ops called directly (``LinearReLU.apply``, ``Linear.apply``,
  ``CrossEntropy.apply`` with labels converted once), ``backward()``, and the tape's SGD loop;
- ``direct``: the same with ``SGD.step``;
- ``engine``: the user's step: ``model(x)``, ``F.cross_entropy``, ``backward()``,
  ``SGD.step()`` (``tinygrad_mlp.bench.engine_step``).

Differences between neighbouring rows price one layer each: the guard, the engine's
recording and backward machinery, the optimizer, the module and loss functions. All sides
are checked to give the same loss before timing.

Usage: ``OPENBLAS_NUM_THREADS=1 python scripts/eager_parts.py [tiny|digits|mnist] [float64]``
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np
from eager_floor import floor_step

from tinygrad_mlp import Tensor
from tinygrad_mlp.bench.tensor import SIZES, engine_step, numpy_step
from tinygrad_mlp.nn import MLP
from tinygrad_mlp.ops import CrossEntropy, Linear, LinearReLU
from tinygrad_mlp.optim import SGD
from tinygrad_mlp.utils.blas import limit_threads

__all__ = ["direct_step", "main"]


def direct_step(
    model: MLP, x: np.ndarray, y: np.ndarray, lr: float, tape_sgd: bool
) -> Callable[[], float]:
    """The seed step with the engine's ops called directly (no module, no loss function)."""
    ps = model.parameters()
    w1, b1, w2, b2, w3, b3 = ps
    opt = SGD(ps, lr=lr)
    bufs = [np.empty_like(p.data) for p in ps]
    xt, labels = Tensor.from_numpy(x), y.astype(np.uintp)

    def step() -> float:
        for p in ps:
            p.grad = None
        h = LinearReLU.apply(xt, w1, b1)
        h = LinearReLU.apply(h, w2, b2)
        loss = CrossEntropy.apply(Linear.apply(h, w3, b3), labels=labels)
        loss.backward()
        if tape_sgd:
            for p, buf in zip(ps, bufs, strict=True):
                np.multiply(p.grad, lr, out=buf)
                p.data -= buf
        else:
            opt.step()
        return float(loss.data)

    return step


def main(argv: list[str]) -> None:
    size = argv[0] if argv else "tiny"
    dtype = np.dtype(argv[1] if len(argv) > 1 else "float32").type
    n_in, hidden, n_out, batch = SIZES[size]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, n_in)).astype(dtype)
    y = rng.integers(0, n_out, batch)

    def model() -> MLP:
        return MLP(n_in, hidden, n_out, rng=np.random.default_rng(0), dtype=dtype)

    def params() -> list[np.ndarray]:
        return [p.data.copy() for p in model().parameters()]

    names = ["floor", "floor+guard", "direct+tape SGD", "direct", "engine"]
    sides = [
        numpy_step(params(), x, y, 1e-3),
        floor_step(params(), x, y, 1e-3),
        floor_step(params(), x, y, 1e-3, guard=True),
        direct_step(model(), x, y, 1e-3, tape_sgd=True),
        direct_step(model(), x, y, 1e-3, tape_sgd=False),
        engine_step(model(), x, y, 1e-3),
    ]
    with limit_threads(1):
        for _ in range(3):  # the same arithmetic everywhere but numpy's own step
            losses = {f() for f in sides[1:]}
            if len(losses) != 1:
                raise AssertionError(f"the sides disagree: {losses}")
        rounds, repeat, n = (400 if size == "tiny" else 60), 5, len(sides)
        times = np.empty((n, rounds))
        for i in range(rounds):
            for k in range(n):
                j = (i + k) % n
                t0 = time.perf_counter()
                for _ in range(repeat):
                    sides[j]()
                times[j, i] = time.perf_counter() - t0
    print(f"{size} {np.dtype(dtype).name}: numpy step {np.median(times[0]) / repeat * 1e6:.0f} us")
    for name, row in zip(names, times[1:], strict=True):
        print(f"  {name:16s} {np.median(row / times[0]):.2f} of numpy")


if __name__ == "__main__":
    main(sys.argv[1:])
