"""Build the seed network N -> I relu -> J relu -> K softmax (float64, seeded) and compare
every parameter's gradient three ways: engine, closed form, central finite differences.

The table's metric is the normwise relative error max|a - r| / max|r| of a parameter's
whole array (a the engine's gradient, r the reference); a row PASSes when it is <= 1e-12
against the closed form (same sums, another order: round-off only) and <= 1e-6 against
finite differences (their truncation and round-off at eps 1e-6). tm.gradcheck judges each
entry instead, |a - n| <= atol + rtol |n| (docs/gradcheck.md explains the two rules).

Experiments instead of the table: --sweep-eps (error of each numerical scheme against the
closed form as eps goes from 1e-1 to 1e-12, float32 and float64; --schemes forward central
richardson complex) and --kinks (how many entries sit at ReLU kinks as width and batch
grow, over --seeds networks each). Each prints a table; --out writes the rows (.json or
.csv) and --plot draws a figure in the extension's format, .png, .pdf or .svg (needs
matplotlib: pip install 'tinygrad-mlp[plot]')."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

from ..checks.schemes import SCHEMES
from .argtypes import non_negative_int, output_path, positive_float, positive_int

DEFAULT_EPS = 1e-6  # the table's step; --kinks uses KINKS_EPS
KINKS_EPS = 1e-2  # large enough that kinks show up at these sizes (at 1e-6 there are ~none)
SWEEP_POINTS = 23  # 1e-1 .. 1e-12, two points per decade

__all__ = ["NAME", "HELP", "add_arguments", "run"]

NAME = "gradcheck"
HELP = "check the seed network's gradients: engine, closed form, finite differences"
EPILOG = """exit status:
  0  every gradient agrees (an experiment, --sweep-eps or --kinks, always exits 0)
  1  a gradient is out of tolerance
  2  bad usage, or a file that could not be written

example:
  tinygrad-mlp gradcheck --sweep-eps --schemes forward central richardson complex \\
      --out sweep.json --plot sweep.svg"""
KINKS_SEEDS = 3  # networks per configuration in --kinks: a mean and a spread, in seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``tinygrad-mlp gradcheck``."""
    parser.add_argument(
        "--sizes",
        type=positive_int,
        nargs="+",
        default=[4, 5, 4, 3],
        metavar="N",
        help="layer sizes N I ... K (default: 4 5 4 3)",
    )
    parser.add_argument("--batch", type=positive_int, default=6, help="batch size (default: 6)")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default: 0)")
    parser.add_argument(
        "--eps",
        type=positive_float,
        default=None,
        help=f"finite-difference step (default: {DEFAULT_EPS:g}; {KINKS_EPS:g} with --kinks; "
        "1e-05 with --order 2)",
    )
    parser.add_argument(
        "--engine",
        choices=["tensor", "scalar", "both"],
        default="tensor",
        help="whose gradients to check: tensor (default), scalar (tinygrad_mlp.scalar), or "
        "both (adds a 'scalar vs closed' column)",
    )
    parser.add_argument(
        "--order",
        type=int,
        choices=[1, 2],
        default=1,
        help="1: gradients (default); 2: the logits' Hessian against the closed form and "
        "every parameter's Hessian-vector product against finite differences",
    )
    _add_experiment_arguments(parser)


def _run_order2(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from ..checks.seed_network import HVP_EPS, format_table2, seed_network_check2

    if args.engine != "tensor" or args.sweep_eps or args.kinks or args.out or args.plot:
        parser.error("--order 2 prints its own table: no --engine, experiments, --out or --plot")
    if len(args.sizes) < 2:
        parser.error("--sizes needs at least an input and an output size")
    eps = HVP_EPS if args.eps is None else args.eps
    n_in, *hidden, n_out = args.sizes
    print(
        f"seed network {'-'.join(map(str, args.sizes))}, batch {args.batch}, "
        f"seed {args.seed}, eps {eps:g}, float64, second order"
    )
    rows = seed_network_check2(n_in, hidden, n_out, args.batch, args.seed, eps)
    print(format_table2(rows))
    failed = [r.name for r in rows if not r.ok]
    print("all second derivatives agree" if not failed else f"FAILED: {', '.join(failed)}")
    return 1 if failed else 0


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Print the three-way table; 0 when every parameter passes, 1 otherwise."""
    from ..checks.seed_network import LEGEND, format_table, seed_network_check

    if sys.stdout is None:  # started with stdout closed (>&-): print() would drop the verdict
        if sys.stderr is not None:
            msg = "tinygrad-mlp gradcheck: error: stdout is closed: nowhere to report"
            print(msg, file=sys.stderr)
        return 2
    if args.order == 2:
        return _run_order2(args, parser)
    if args.engine != "tensor" and (args.sweep_eps or args.kinks):
        parser.error("--engine applies to the table, not to --sweep-eps or --kinks")
    status = _run_experiment(args, parser)
    if status is not None:
        return status
    args.eps = DEFAULT_EPS if args.eps is None else args.eps

    if len(args.sizes) < 2:
        parser.error("--sizes needs at least an input and an output size")
    n_in, *hidden, n_out = args.sizes
    print(
        f"seed network {'-'.join(map(str, args.sizes))}, batch {args.batch}, "
        f"seed {args.seed}, eps {args.eps:g}, float64"
    )
    rows = seed_network_check(
        n_in, hidden, n_out, args.batch, args.seed, args.eps, engine=args.engine
    )
    print(format_table(rows, engine=args.engine))
    print("\n".join(textwrap.wrap(LEGEND, 100)))  # within the 100 columns of every table
    failed = [r.name for r in rows if not r.ok]
    print("all gradients agree" if not failed else f"FAILED: {', '.join(failed)}")
    _emit_table(rows, args)
    return 1 if failed else 0


# --- experiments: --sweep-eps, --kinks, and --out / --plot for every mode --------------------


def _add_experiment_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--sweep-eps",
        action="store_true",
        help="sweep eps from 1e-1 to 1e-12 in float32 and float64: the V-curve, best eps marked",
    )
    which.add_argument(
        "--kinks",
        action="store_true",
        help="count entries at ReLU kinks as width and batch grow (input and output sizes, "
        "and the number of hidden layers, from --sizes)",
    )
    parser.add_argument(
        "--points",
        type=positive_int,
        default=None,
        help=f"eps values in --sweep-eps, log-spaced (default: {SWEEP_POINTS})",
    )
    parser.add_argument(
        "--widths",
        type=positive_int,
        nargs="+",
        default=None,
        help="hidden widths for --kinks (default: 4 8 16 32)",
    )
    parser.add_argument(
        "--batches",
        type=positive_int,
        nargs="+",
        default=None,
        help="batch sizes for --kinks (default: 1 8 32 128)",
    )
    parser.add_argument(
        "--out",
        type=output_path((".json", ".csv")),
        default=None,
        metavar="FILE",
        help="also write the rows to FILE (.json or .csv), atomically",
    )
    parser.add_argument(
        "--plot",
        type=output_path((".png", ".pdf", ".svg")),
        default=None,
        metavar="FILE",
        help="also draw a figure, in the format of FILE's extension: .png, .pdf or .svg "
        "(needs matplotlib: pip install 'tinygrad-mlp[plot]')",
    )
    parser.add_argument(
        "--schemes",
        nargs="+",
        choices=SCHEMES,
        default=None,
        metavar="SCHEME",
        help=f"numerical schemes for --sweep-eps, any of {', '.join(SCHEMES)} (default: central)",
    )
    parser.add_argument(
        "--seeds",
        type=positive_int,
        default=None,
        help="networks per configuration for --kinks, seeds --seed, --seed + 1, ...: the "
        f"mean, spread and failures over them (default: {KINKS_SEEDS})",
    )


def _run_experiment(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int | None:
    """Run --sweep-eps or --kinks and return its status; None for the default table."""
    from ..experiments.runner import run_kinks, run_sweep

    if args.plot is not None:
        from ..experiments.plots import PlotUnavailable, require_matplotlib

        try:
            require_matplotlib()
        except PlotUnavailable as e:
            parser.error(str(e))
    if args.points is not None and not args.sweep_eps:
        parser.error("--points applies to --sweep-eps")
    if (args.widths is not None or args.batches is not None) and not args.kinks:
        parser.error("--widths and --batches apply to --kinks")
    if args.schemes is not None and not args.sweep_eps:
        parser.error("--schemes applies to --sweep-eps")
    if args.seeds is not None and not args.kinks:
        parser.error("--seeds applies to --kinks")
    if len(args.sizes) < 2:
        parser.error("--sizes needs at least an input and an output size")
    if args.sweep_eps:
        if args.eps is not None:
            parser.error("--sweep-eps sweeps eps itself: drop --eps")
        if args.points is not None and args.points < 2:
            parser.error("--points needs at least 2 values")
        points = SWEEP_POINTS if args.points is None else args.points
        schemes = list(dict.fromkeys(args.schemes or ["central"]))  # each once, in order
        return run_sweep(
            args.sizes, args.batch, args.seed, points, args.out, args.plot, schemes, _argv(args)
        )
    if args.kinks:
        return run_kinks(
            args.sizes,
            args.widths or [4, 8, 16, 32],
            args.batches or [1, 8, 32, 128],
            KINKS_EPS if args.eps is None else args.eps,
            args.seed,
            args.out,
            args.plot,
            KINKS_SEEDS if args.seeds is None else args.seeds,
            _argv(args),
        )
    return None


def _emit_table(rows: Sequence[Any], args: argparse.Namespace) -> None:
    from ..experiments.runner import emit_table_rows

    settings = {"sizes": args.sizes, "batch": args.batch, "seed": args.seed, "eps": args.eps}
    settings["engine"] = args.engine  # names the engine in the figure
    emit_table_rows(rows, settings, args.out, args.plot, _argv(args))


def _argv(args: argparse.Namespace) -> list[str] | None:
    """The command line main() recorded, for the results' provenance (None: sys.argv)."""
    return getattr(args, "argv", None)
