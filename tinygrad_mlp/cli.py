"""The ``tinygrad-mlp`` command: ``gradcheck`` and ``bench``.

Exit status: 0 when everything passed, 1 when a check failed, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

__all__ = ["main", "build_parser"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tinygrad-mlp`` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="tinygrad-mlp",
        description="Exact reverse-mode autodiff on numpy: checks and benchmarks.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gc = sub.add_parser(
        "gradcheck",
        help="check the seed network's gradients: engine, closed form, finite differences",
        description="Build the seed network N -> I relu -> J relu -> K softmax (float64, "
        "seeded) and compare every parameter's gradient three ways.",
    )
    gc.add_argument(
        "--sizes",
        type=_positive_int,
        nargs="+",
        default=[4, 5, 4, 3],
        metavar="N",
        help="layer sizes N I ... K (default: 4 5 4 3)",
    )
    gc.add_argument("--batch", type=_positive_int, default=6, help="batch size (default: 6)")
    gc.add_argument("--seed", type=_seed, default=0, help="random seed (default: 0)")
    gc.add_argument(
        "--eps", type=_positive_float, default=1e-6, help="finite-difference step (default: 1e-6)"
    )

    bench = sub.add_parser(
        "bench",
        help="time a training step against hand-written numpy, side by side",
        description="Median ms of one training step (forward, cross-entropy, backward, SGD) "
        "of the engine and of a hand-written numpy step, interleaved in one run.",
    )
    bench.add_argument(
        "--sizes",
        nargs="+",
        default=["tiny", "digits", "mnist", "wide"],
        choices=["tiny", "digits", "mnist", "wide"],
        metavar="SIZE",
        help="tiny, digits, mnist, wide (default: all)",
    )
    bench.add_argument(
        "--dtypes",
        nargs="+",
        default=["float32", "float64"],
        choices=["float32", "float64"],
        metavar="DTYPE",
    )
    bench.add_argument(
        "--budget",
        type=_positive_float,
        default=2.0,
        help="seconds to spend per size and dtype (default: 2)",
    )
    return parser


def _gradcheck(args: argparse.Namespace) -> int:
    from .seedcheck import format_table, seed_network_check

    n_in, *hidden, n_out = args.sizes
    print(
        f"seed network {'-'.join(map(str, args.sizes))}, batch {args.batch}, "
        f"seed {args.seed}, eps {args.eps:g}, float64"
    )
    rows = seed_network_check(n_in, hidden, n_out, args.batch, args.seed, args.eps)
    print(format_table(rows))
    failed = [r.name for r in rows if not r.ok]
    print("all gradients agree" if not failed else f"FAILED: {', '.join(failed)}")
    return 1 if failed else 0


def _bench(args: argparse.Namespace) -> int:
    from .bench import SIZES, run_bench

    print(f"{'size':<8}{'dtype':<9}{'numpy ms':>10}{'engine ms':>11}{'ratio':>8}")
    for size in args.sizes:
        for dtype in args.dtypes:
            # calibrate the step count to the time budget from one quick measurement
            probe = run_bench(size, np.dtype(dtype).type, steps=4)
            per_step = (probe.numpy_ms + probe.engine_ms) / 1e3
            steps = int(max(10, min(5000, args.budget / max(per_step, 1e-6))))
            r = run_bench(size, np.dtype(dtype).type, steps=steps)
            n_in, hidden, n_out, batch = SIZES[size]
            label = f"{size}"
            print(
                f"{label:<8}{r.dtype:<9}{r.numpy_ms:>10.3f}{r.engine_ms:>11.3f}"
                f"{r.ratio:>8.2f}   ({n_in}-{'-'.join(map(str, hidden))}-{n_out}, "
                f"batch {batch}, {steps} steps)",
                flush=True,
            )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "gradcheck" and len(args.sizes) < 2:
        parser.error("gradcheck --sizes needs at least an input and an output size")
    if args.command == "gradcheck":
        return _gradcheck(args)
    return _bench(args)


if __name__ == "__main__":
    sys.exit(main())
