"""Time one training step of the scalar engine's 2-16-16-2 network (batch 32, softmax
cross-entropy, SGD) and, when micrograd is installed, micrograd's same step side by side."""

from __future__ import annotations

import argparse

from .argtypes import non_negative_int, positive_int

__all__ = ["NAME", "HELP", "add_arguments", "run"]

NAME = "bench-scalar"
HELP = "time the scalar engine's training step, and micrograd's if installed"
EPILOG = """exit status:
  0  timed and reported (speed is reported, never judged)
  2  bad usage

example:
  tinygrad-mlp bench-scalar"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``tinygrad-mlp bench-scalar``."""
    parser.add_argument(
        "--blocks", type=positive_int, default=5, help="timed blocks per engine (default: 5)"
    )
    parser.add_argument(
        "--steps", type=positive_int, default=40, help="our steps per block (default: 40)"
    )
    parser.add_argument(
        "--micrograd-steps",
        type=positive_int,
        default=4,
        help="micrograd's steps per block (default: 4)",
    )
    parser.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default: 0)")
    parser.add_argument("--no-micrograd", action="store_true", help="time the scalar engine alone")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Print ms per step and nodes per step (and micrograd's, and the ratio); always 0."""
    from ..bench.scalar import run_scalar_bench

    print("scalar engine: 2-16-16-2 MLP, batch 32, softmax cross-entropy, SGD, one step")
    r = run_scalar_bench(
        blocks=args.blocks,
        ours_steps=args.steps,
        micrograd_steps=args.micrograd_steps,
        seed=args.seed,
        micrograd=not args.no_micrograd,
    )
    print(f"{'engine':<22}{'ms/step':>10}{'nodes/step':>12}")
    print(f"{'tinygrad_mlp.scalar':<22}{r.ours_ms:>10.2f}{r.nodes_per_step:>12}")
    if r.micrograd_ms is not None and r.ratio is not None:
        print(f"{'micrograd':<22}{r.micrograd_ms:>10.2f}{r.micrograd_nodes:>12}")
        print(
            f"ratio: ours is {r.ratio:.1f}x faster than micrograd (median of {args.blocks} blocks)"
        )
        if r.ours_loss is not None and r.micrograd_loss is not None:
            print(
                f"same first-step loss: ours {r.ours_loss:.15g}, micrograd {r.micrograd_loss:.15g}"
            )
    elif not args.no_micrograd:
        print(
            "micrograd is not installed; to compare, in a throwaway environment: "
            "python -m venv /tmp/mg && /tmp/mg/bin/pip install micrograd==0.1.0 -e . && "
            "/tmp/mg/bin/tinygrad-mlp bench-scalar"
        )
    return 0
