"""Median milliseconds of one training step (forward, cross-entropy, backward, SGD) of a
hand-written numpy step, the eager engine and the engine under ``tm.jit``, alternated step by
step in one run, and the median ratio of each engine step to the numpy step beside it."""

from __future__ import annotations

import argparse

import numpy as np

from .argtypes import non_negative_int, positive_float

__all__ = ["NAME", "HELP", "add_arguments", "run"]

NAME = "bench"
HELP = "time a training step against hand-written numpy, side by side"
EPILOG = """exit status:
  0  timed and reported (speed is reported, never judged)
  2  bad usage

example:
  tinygrad-mlp bench --sizes tiny digits --dtypes float32"""
SIZE_NAMES = ["tiny", "digits", "mnist", "wide"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``tinygrad-mlp bench``."""
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=SIZE_NAMES,
        choices=SIZE_NAMES,
        metavar="SIZE",
        help="tiny, digits, mnist, wide (default: all)",
    )
    parser.add_argument(
        "--dtypes",
        nargs="+",
        default=["float32", "float64"],
        choices=["float32", "float64"],
        metavar="DTYPE",
        help="float32, float64 (default: both)",
    )
    parser.add_argument(
        "--budget",
        type=positive_float,
        default=2.0,
        help="seconds to spend per size and dtype (default: 2)",
    )
    parser.add_argument(
        "--threads",
        type=non_negative_int,
        default=1,
        help="BLAS threads while timing (default: 1; 0 leaves BLAS alone)",
    )


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Print one row per size and dtype; always 0 (speed is reported, not judged)."""
    from ..bench.tensor import SIZES, run_bench

    threads = args.threads if args.threads > 0 else None
    print(
        f"{'size':<8}{'dtype':<9}{'numpy ms':>10}{'eager ms':>10}{'jit ms':>9}"
        f"{'eager/np':>10}{'jit/np':>8}"
    )
    for size in args.sizes:
        n_in, hidden, n_out, batch = SIZES[size]
        shape = f"{n_in}-{'-'.join(map(str, hidden))}-{n_out}, batch {batch}"
        for dtype in args.dtypes:
            # size the run to the time budget from a short probe
            probe = run_bench(size, np.dtype(dtype).type, steps=4, threads=threads)
            per_step = (probe.numpy_ms + probe.engine_ms + probe.jit_ms) / 1e3
            steps = int(max(10, min(20000, args.budget / max(per_step, 1e-6))))
            r = run_bench(size, np.dtype(dtype).type, steps=steps, threads=threads)
            print(
                f"{size:<8}{r.dtype:<9}{r.numpy_ms:>10.3f}{r.engine_ms:>10.3f}{r.jit_ms:>9.3f}"
                f"{r.ratio:>10.2f}{r.jit_ratio:>8.2f}   ({shape}, {steps} steps)",
                flush=True,
            )
    return 0
