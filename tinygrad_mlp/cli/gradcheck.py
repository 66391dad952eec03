"""Build the seed network N -> I relu -> J relu -> K softmax (float64, seeded) and compare
every parameter's gradient three ways: engine, closed form, central finite differences."""

from __future__ import annotations

import argparse

from .argtypes import non_negative_int, positive_float, positive_int

__all__ = ["NAME", "HELP", "add_arguments", "run"]

NAME = "gradcheck"
HELP = "check the seed network's gradients: engine, closed form, finite differences"


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
        "--eps", type=positive_float, default=1e-6, help="finite-difference step (default: 1e-6)"
    )


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Print the three-way table; 0 when every parameter passes, 1 otherwise."""
    from ..seedcheck import format_table, seed_network_check

    if len(args.sizes) < 2:
        parser.error("--sizes needs at least an input and an output size")
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
