"""What a replayed step costs beyond its kernels: the generated entry with its guards removed.

A jitted step's call runs the plan's generated entry (``jit/entry.py``): the signature and
guard comparisons, the lock and call count, the kernels (the same lines as ``Plan.replay``)
and the returned Tensor. This script times, in one process with BLAS on one thread and the
sides in a new random order every round (each ``repeat`` steps: each side follows
every other equally often; in a fixed rotation the first jitted side after the floor finds
the engine's code and objects colder than the others), the hand-written numpy step (ratio 1),
the exact floor (``bench/exact.py``), the entry as generated, the same source compiled
again (a control), the entry recompiled without the guards on the step's Python state
(closure cells, module attributes, the layer list), without the guards on the parameters
and the optimizer's list, without any guard, and ``Plan.replay()`` alone (the kernels).
Each side has a jitted step of its own (its own model, plan and buffers): sides sharing
buffers would find them in cache after each other, which a real step does not. Medians of
per-round ratios to numpy, and the same in microseconds at the median numpy time.

Variants without guards are for measuring only: they would replay a changed step stale.
The plan's re-verification count is pushed out of reach for the timed calls, so every call
replays (a re-verification would run the eager step inside a timed round).

Usage: ``OPENBLAS_NUM_THREADS=1 python scripts/jit_entry_parts.py [tiny|digits|mnist]
[float32|float64]``
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from tinygrad_mlp import Tensor, nn
from tinygrad_mlp.bench.exact import exact_numpy_step
from tinygrad_mlp.bench.tensor import SIZES, jit_step, numpy_step
from tinygrad_mlp.jit.entry import MISS
from tinygrad_mlp.utils.blas import limit_threads

__all__ = ["main", "without"]

PY_GUARDS = (r"GN\d|GA\d|GV\d",)
PARAM_GUARDS = (r"T\d+\.data", r"O\d+\.params", r"P\d+\[")
ALL_GUARDS = (*PY_GUARDS, *PARAM_GUARDS, r"KEPT", r"ES\.tracer", r"GM\.enabled", r"type\(a")


def without(entry: Any, patterns: tuple[str, ...]) -> Callable[[tuple[Any, ...]], Any]:
    """``entry`` recompiled in its own namespace with the guards matching ``patterns`` (an
    ``if`` line and its ``return MISS``) removed."""
    lines, kept, i = entry.source.split("\n"), [], 0
    while i < len(lines):
        line = lines[i]
        if line.strip().startswith("if ") and any(re.search(p, line) for p in patterns):
            i += 2
            continue
        kept.append(line)
        i += 1
    ns = entry.__globals__
    exec(compile("\n".join(kept).replace("def entry(", "def variant("), "<variant>", "exec"), ns)
    return ns["variant"]  # type: ignore[no-any-return]


def main(argv: list[str]) -> None:
    size = argv[0] if argv else "tiny"
    dtype = np.dtype(argv[1] if len(argv) > 1 else "float32").type
    n, hidden, k, b = SIZES[size]
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((b, n)).astype(dtype), rng.integers(0, k, b)

    def params() -> list[np.ndarray]:
        model = nn.MLP(n, hidden, k, rng=np.random.default_rng(0), dtype=dtype)
        return [p.data.copy() for p in model.parameters()]

    def entry_of_new_plan() -> Any:
        """A jitted step of its own (its own model, plan and buffers), replaying."""
        model = nn.MLP(n, hidden, k, rng=np.random.default_rng(0), dtype=dtype)
        jitted = jit_step(model, x, y, 1e-3)
        for _ in range(40):  # traced, verified, re-verified on calls 4, 8, 16 and 32
            jitted()
        entry = jitted.__closure__[0].cell_contents._fast  # type: ignore[index]
        entry.__globals__["PLAN"].recheck = 1 << 60  # every timed call a replay
        return entry

    args = (Tensor.from_numpy(x), y)
    # each side its own plan: a side sharing buffers with the one before it would start
    # its round with them in cache, where the generated entry's does not
    variants = {
        "entry": (),
        "entry recompiled": None,  # a control: the same source compiled again
        "no Python-state guards": PY_GUARDS,
        "no parameter guards": PARAM_GUARDS,
        "no kept-.grad check": (r"KEPT",),
        "no argument checks": (r"type\(a",),
        "no mode checks": (r"ES\.tracer", r"GM\.enabled"),
        "no guards": ALL_GUARDS,
    }
    sides: dict[str, Callable[[], Any]] = {
        "numpy": numpy_step(params(), x, y, 1e-3),
        "exact (floor)": exact_numpy_step(params(), x, y, 1e-3),
    }
    for name, patterns in variants.items():
        entry = entry_of_new_plan()
        f = entry if patterns == () else without(entry, patterns or ())
        if f(args) is MISS:
            raise AssertionError(f"{name}: the entry did not replay")
        sides[name] = partial(f, args)
    plan = entry_of_new_plan().__globals__["PLAN"]
    sides["Plan.replay() alone"] = plan.replay
    repeat = {"tiny": 20, "digits": 10, "mnist": 3}[size]
    rounds = 600 if size != "mnist" else 80
    names = list(sides)
    times = np.empty((len(names), rounds))
    clock = time.perf_counter
    order = np.random.default_rng(0)
    for r in range(rounds):
        for j in order.permutation(len(names)):
            f = sides[names[j]]
            t0 = clock()
            for _ in range(repeat):
                f()
            times[j, r] = clock() - t0
    ratios = np.median(times / times[0], axis=1)
    us = np.median(times[0]) / repeat * 1e6
    print(f"{size} {np.dtype(dtype).name}: numpy step {us:.0f} us")
    for name, q in zip(names, ratios, strict=True):
        print(f"  {name:24s} {q:.3f} of numpy  {q * us:6.1f} us")


if __name__ == "__main__":
    with limit_threads(1):
        main(sys.argv[1:])
