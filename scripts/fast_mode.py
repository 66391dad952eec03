"""What the optional non-exact fast mode of issue 21 would gain, and how far it drifts.

The mode would fold SGD's update into the weight-gradient product (a GEMM with
alpha = -lr and beta = 1). numpy has no such GEMM; the nearest it gets is to scale each
layer's delta by -lr before its weight product and bias sum and add the result to the
parameters: one pass over all parameters instead of two, for one pass over each delta
(``bench/exact.py: exact_numpy_step(..., folded=True)``). Three sides run in the same
rounds (the order rotating, BLAS on one thread): the hand-written numpy step, the exact
step, the folded step. Printed: medians of the per-round ratios, and the drift of the
folded step's parameters from the exact step's after 200 steps from the same start
(max |difference| / max |parameter|, over all parameters).

Usage: ``OPENBLAS_NUM_THREADS=1 python scripts/fast_mode.py [tiny digits mnist ...]``
"""

from __future__ import annotations

import sys
import time

import numpy as np

from tinygrad_mlp.bench.exact import exact_numpy_step
from tinygrad_mlp.bench.tensor import SIZES, numpy_step
from tinygrad_mlp.nn import MLP
from tinygrad_mlp.utils.blas import limit_threads

__all__ = ["main"]


def _row(size: str, dtype: type, rounds: int = 60) -> str:
    n_in, hidden, n_out, batch = SIZES[size]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, n_in)).astype(dtype)
    y = rng.integers(0, n_out, batch)

    def params() -> list[np.ndarray]:
        model = MLP(n_in, hidden, n_out, rng=np.random.default_rng(0), dtype=dtype)
        return [p.data.copy() for p in model.parameters()]

    exact_p, folded_p = params(), params()
    sides = {
        "numpy": numpy_step(params(), x, y, 0.01),
        "exact": exact_numpy_step(exact_p, x, y, 0.01),
        "folded": exact_numpy_step(folded_p, x, y, 0.01, folded=True),
    }
    for _ in range(200):
        sides["exact"]()
        sides["folded"]()
    scale = max(float(np.max(np.abs(p))) for p in exact_p)
    drift = max(float(np.max(np.abs(a - b))) for a, b in zip(exact_p, folded_p, strict=True))
    names = list(sides)
    steps = {"tiny": 100, "digits": 50}.get(size, 5)
    times: dict[str, list[float]] = {k: [] for k in names}
    for r in range(rounds):
        for k in names[r % 3 :] + names[: r % 3]:
            t0 = time.perf_counter()
            for _ in range(steps):
                sides[k]()
            times[k].append(time.perf_counter() - t0)
    t = {k: np.array(v) for k, v in times.items()}
    exact, folded = t["exact"] / t["numpy"], t["folded"] / t["numpy"]
    return (
        f"{size:7s} {np.dtype(dtype).name:8s} exact/np {np.median(exact):.3f}  "
        f"folded/np {np.median(folded):.3f}  folded/exact {np.median(t['folded'] / t['exact']):.3f}"
        f"  drift after 200 steps {drift / scale:.1e}"
    )


def main(argv: list[str]) -> None:
    with limit_threads(1):
        for size in argv or ["tiny", "digits", "mnist"]:
            for dtype in (np.float32, np.float64):
                print(_row(size, dtype), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
