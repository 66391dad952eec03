"""Ratios of one training step (forward, cross-entropy, backward, SGD) to a hand-written numpy
step: the best exact numpy step (the floor of an exact replay), the eager engine and the engine
under ``tm.jit``, all four alternated round by round in one process. Each ratio is the median of
per-round ratios; it is measured in ``--runs`` separate runs, and the row gives the median over
the runs and half their range (the spread between runs)."""

from __future__ import annotations

import argparse

import numpy as np

from .argtypes import non_negative_int, output_path, positive_float, positive_int

__all__ = ["NAME", "HELP", "add_arguments", "run", "sizes_lines"]

NAME = "bench"
HELP = "time a training step against hand-written numpy, side by side"
EPILOG = """exit status:
  0  timed and reported (speed is reported, never judged)
  2  bad usage, or a results file that could not be written

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
        "--runs",
        type=positive_int,
        default=3,
        help="separate runs per size and dtype, for the spread (default: 3)",
    )
    parser.add_argument(
        "--threads",
        type=non_negative_int,
        default=1,
        help="BLAS threads while timing (default: 1; 0 leaves BLAS alone)",
    )
    parser.add_argument(
        "--out",
        type=output_path((".json", ".csv")),
        default=None,
        metavar="FILE",
        help="also write the rows to FILE (.json or .csv, with the tool, numpy and python "
        "versions and the command line), atomically",
    )


def _cell(values: list[float]) -> str:
    """The median over runs and half the range, as ``0.92±0.01``."""
    mid = float(np.median(values))
    half = (max(values) - min(values)) / 2
    return f"{mid:.2f}±{half:.2f}"


def sizes_lines(names: list[str]) -> list[str]:
    """The networks of the sizes ``names``, wrapped to 100 columns like every table.

    Example::

        >>> sizes_lines(["tiny"])
        ['sizes: tiny 64-32-32-10 (batch 32)']
    """
    from ..bench.tensor import SIZES

    items = [
        f"{s} {n}-{'-'.join(map(str, h))}-{k} (batch {b})"
        for s, (n, h, k, b) in SIZES.items()
        if s in names
    ]
    lines = ["sizes:"]
    for i, item in enumerate(items):  # whole items per line, never one cut in two
        text = item + ("," if i < len(items) - 1 else "")
        if len(lines[-1]) + 1 + len(text) > 100:
            lines.append("      ")
        lines[-1] += " " + text
    return lines


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Print one row per size and dtype; always 0 (speed is reported, not judged)."""
    from ..bench.tensor import run_bench

    threads = args.threads if args.threads > 0 else None
    rows: list[dict[str, object]] = []
    print(f"{'size':<8}{'dtype':<9}{'numpy ms':>9}{'exact/np':>11}{'eager/np':>11}{'jit/np':>11}")
    for size in args.sizes:
        for dtype in args.dtypes:
            # size the run to the time budget from a short probe
            probe = run_bench(size, np.dtype(dtype).type, steps=4, threads=threads)
            per_step = (probe.numpy_ms + probe.exact_ms + probe.engine_ms + probe.jit_ms) / 1e3
            budget = args.budget / args.runs
            steps = int(max(20, min(20000, budget / max(per_step, 1e-6))))
            results = [
                run_bench(size, np.dtype(dtype).type, steps=steps, threads=threads, seed=r)
                for r in range(args.runs)
            ]
            numpy_ms = float(np.median([r.numpy_ms for r in results]))
            exact = _cell([r.exact_ratio for r in results])
            eager = _cell([r.ratio for r in results])
            jitted = _cell([r.jit_ratio for r in results])
            cells = "".join(f" {c:>10}" for c in (exact, eager, jitted))  # never run together
            print(
                f"{size:<8}{results[0].dtype:<9}{numpy_ms:>9.3f}{cells}",
                f"  {args.runs}x{steps} steps",
                flush=True,
            )
            rows.append(
                {"size": size, "dtype": results[0].dtype, "numpy_ms": numpy_ms,
                 **_columns("exact_ratio", [r.exact_ratio for r in results]),
                 **_columns("eager_ratio", [r.ratio for r in results]),
                 **_columns("jit_ratio", [r.jit_ratio for r in results]),
                 "runs": args.runs, "steps": steps}
            )  # fmt: skip
    print("\n".join(sizes_lines(args.sizes)))
    print("ratio to the hand-written numpy step (lower is faster): median over runs ± half range")
    if args.out is not None:
        from ..experiments.results import write_results

        settings = {"budget_s": args.budget, "runs": args.runs, "threads": args.threads}
        write_results(args.out, "bench", settings, rows, getattr(args, "argv", None))
        print(f"results written to {args.out}")
    return 0


def _columns(name: str, values: list[float]) -> dict[str, float]:
    """A ratio's median over the runs and half their range, as two columns of a results row."""
    return {name: float(np.median(values)), f"{name}_half_range": (max(values) - min(values)) / 2}
