"""Jitted step / hand-written numpy step of the seed network, for any checkout of this repo.

Compares ``tm.jit``'s replay across commits with one harness, whatever the checkout's own
bench does: run it on two worktrees in turn and compare the printed medians. The steps
come from the checkout's ``bench.tensor`` (``numpy_step``, ``jit_step``, ``engine_step``)
and run in rounds of ``repeat`` steps in one process, BLAS on one thread
(set OPENBLAS_NUM_THREADS=1). Two orders:

- ``pair``: numpy and jit alternate (the jit's caches stay warm between its rounds);
- ``rot``: numpy, eager and jit rotate, so the jit often follows the eager step, which
  touches far more memory (what ``tinygrad-mlp bench`` does since issue 21).

The warm-up (300 calls at tiny and digits, 40 at mnist) covers the jit's trace,
verification and re-verifications of calls 4, 8, 16 (and 32 ... 256 at the small sizes).

Usage: ``python scripts/jit_vs_numpy.py CHECKOUT tiny|digits|mnist float32|float64 pair|rot``
"""

from __future__ import annotations

import sys
import time

SIZES = {
    "tiny": (64, [32, 32], 10, 32),
    "digits": (64, [128, 64], 10, 64),
    "mnist": (784, [256, 128], 10, 128),
}


def main(argv: list[str]) -> None:
    checkout, size, dtype_name, order = argv[:4]
    sys.path.insert(0, checkout)
    import numpy as np

    from tinygrad_mlp import nn
    from tinygrad_mlp.bench.tensor import engine_step, jit_step, numpy_step

    n, hidden, k, b = SIZES[size]
    dtype = np.dtype(dtype_name).type
    rng = np.random.default_rng(0)
    x = rng.standard_normal((b, n)).astype(dtype)
    y = rng.integers(0, k, b)
    model = nn.MLP(n, hidden, k, rng=np.random.default_rng(1), dtype=dtype)
    twin = nn.MLP(n, hidden, k, rng=np.random.default_rng(1), dtype=dtype)
    ref = numpy_step([p.data.copy() for p in model.parameters()], x, y, 1e-3)
    jitted = jit_step(twin, x, y, 1e-3)
    sides = [ref, jitted] if order == "pair" else [ref, engine_step(model, x, y, 1e-3), jitted]
    for _ in range(40 if size == "mnist" else 300):
        for f in sides:
            f()
    repeat, rounds = (5, 40) if size == "mnist" else (20, 40)
    times = np.empty((len(sides), rounds))
    for i in range(rounds):
        for j in range(len(sides)):
            s = (i + j) % len(sides)
            t0 = time.perf_counter()
            for _ in range(repeat):
                sides[s]()
            times[s, i] = time.perf_counter() - t0
    ratios = np.median(times[1:] / times[0], axis=1)
    names = ["jit/np"] if order == "pair" else ["eager/np", "jit/np"]
    print(
        f"{checkout} {size} {dtype_name} {order}: "
        + " ".join(f"{m} {r:.3f}" for m, r in zip(names, ratios, strict=True))
        + f" (numpy {np.median(times[0]) / repeat * 1e6:.0f} us)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
