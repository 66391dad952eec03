"""Eager step / hand-written numpy step of the seed network, for any checkout of this repo.

Compares the engine's eager training step across commits: run it on two worktrees in turn
(e.g. ``git worktree add /tmp/before <commit>``) and compare the printed medians. Both steps
come from the checkout's own ``bench`` module and alternate in rounds of 100 in one process,
so machine load affects both alike. Set OPENBLAS_NUM_THREADS=1 for stable figures.

Usage: ``python scripts/eager_vs_numpy.py CHECKOUT [tiny|digits] [float32|float64]``
"""

from __future__ import annotations

import sys
import time

SIZES = {"tiny": (64, [32, 32], 10, 32), "digits": (64, [128, 64], 10, 64)}


def main(argv: list[str]) -> None:
    checkout = argv[0]
    size = argv[1] if len(argv) > 1 else "tiny"
    dtype_name = argv[2] if len(argv) > 2 else "float64"
    sys.path.insert(0, checkout)
    import numpy as np

    from tinygrad_mlp import nn

    try:  # the bench module moved into a package this round
        from tinygrad_mlp.bench.tensor import engine_step, numpy_step
    except ImportError:
        from tinygrad_mlp.bench import engine_step, numpy_step  # type: ignore[no-redef]

    n, hidden, k, b = SIZES[size]
    dtype = np.dtype(dtype_name)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((b, n)).astype(dtype)
    y = rng.integers(0, k, b)
    model = nn.MLP(n, hidden, k, rng=np.random.default_rng(1), dtype=dtype)
    reference = numpy_step([p.data.copy() for p in model.parameters()], x, y, 0.01)
    eager = engine_step(model, x, y, 0.01)
    for _ in range(300):  # warm up both
        reference()
        eager()
    ratios = []
    for _ in range(30):
        t0 = time.perf_counter()
        for _ in range(100):
            reference()
        t1 = time.perf_counter()
        for _ in range(100):
            eager()
        ratios.append((time.perf_counter() - t1) / (t1 - t0))
    ratios.sort()
    print(
        f"{checkout} {size} {dtype_name}: eager/numpy median {ratios[15]:.2f} "
        f"(quartiles {ratios[7]:.2f}-{ratios[22]:.2f})"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
