"""Train the seed network (default: 64-256-128-10 on the UCI digits) and report test accuracy.

Progress (a bar while an epoch runs, then one line per epoch: loss, accuracy, samples per
second) goes to stderr, and ``--quiet`` drops it; the results go to stdout. Exit status: 0
when training finished, 1 when the loss became NaN or infinite, 2 for bad usage or an
unreadable data or checkpoint file, 130 when interrupted. ``--resume`` continues a run
saved with ``--save`` exactly where it stopped, with the checkpoint's settings (options that
contradict them are refused); ``--epochs`` is the total to reach.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from dataclasses import asdict
from typing import Any

from .argtypes import (
    fraction,
    non_negative_float,
    non_negative_int,
    output_path,
    positive_float,
    positive_int,
)
from .train_config import config_from_args, file_error
from .train_support import Interrupts, Progress

__all__ = ["NAME", "HELP", "add_arguments", "run"]

NAME = "train"
HELP = "train the seed network on digits, spirals or IDX files; report test accuracy"
EPILOG = """exit status:
  0  trained (or nothing left to train)
  1  the loss became NaN or infinite
  2  bad usage, or a data, checkpoint or output file that could not be read or written
  130  interrupted (Ctrl-C); the --save checkpoint holds the last finished epoch

example:
  tinygrad-mlp train --hidden 128 64 --epochs 10 --seed 1 --save run.npz --plot run.svg"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``tinygrad-mlp train`` (None means: the checkpoint's value, else the default)."""
    from ..train.loop import TrainConfig

    d = TrainConfig()
    add = parser.add_argument
    add("--dataset", choices=["digits", "spirals", "idx"], help=f"(default: {d.dataset})")
    for name in ("train-images", "train-labels", "test-images", "test-labels"):
        add(
            f"--{name}",
            metavar="PATH",
            help=f"IDX file of {name.replace('-', ' ')} (--dataset idx)",
        )
    add("--test-fraction", type=fraction, metavar="F", help="held-out share (default: 0.2)")
    add(
        "--hidden",
        type=positive_int,
        nargs="+",
        metavar="H",
        help=f"hidden sizes (default: {' '.join(map(str, d.hidden))})",
    )
    add("--epochs", type=positive_int, help=f"total epochs to reach (default: {d.epochs})")
    add("--batch-size", type=positive_int, help=f"(default: {d.batch_size})")
    add("--optimizer", choices=["sgd", "adam"], help=f"(default: {d.optimizer})")
    add("--lr", type=positive_float, help="learning rate (default: 0.05 for sgd, 0.001 for adam)")
    add("--momentum", type=non_negative_float, help=f"SGD momentum (default: {d.momentum})")
    add("--weight-decay", type=non_negative_float, help="L2 weight decay (default: 0)")
    add(
        "--seed",
        type=non_negative_int,
        help=f"seeds the split, weights, shuffles (default: {d.seed})",
    )
    add("--dtype", choices=["float32", "float64"], help=f"(default: {d.dtype})")
    add("--save", metavar="PATH", help="write a checkpoint (.npz) after every epoch, atomically")
    add("--resume", metavar="PATH", help="continue the run saved in this checkpoint")
    add(
        "--plot",
        metavar="FILE",
        help="draw the loss and accuracy curves as .png, .pdf or .svg (needs matplotlib)",
    )
    add(
        "--records",
        type=output_path((".json", ".csv")),
        metavar="FILE",
        help="write one row per epoch (loss, accuracy, speed) to FILE (.json or .csv, with the "
        "settings, tool, numpy and python versions and the command line) when training ends",
    )
    add(
        "--threads",
        type=non_negative_int,
        default=1,
        help="BLAS threads (default: 1, fastest for these small matrices; 0: numpy's default)",
    )
    add(
        "--detect-anomaly",
        action="store_true",
        help="stop at the first op making NaN or inf, naming it and its line (slower; no jit)",
    )
    add(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress on stderr (no bar, no line per epoch): only the results and errors",
    )
    add(
        "--no-jit",
        action="store_true",
        help="run every step eagerly instead of replaying it with tm.jit (same results, slower)",
    )


def _check_output(path: str | None, option: str, parser: argparse.ArgumentParser) -> None:
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path) or not os.path.isdir(folder):
        parser.error(f"{option} {path}: not a writable file path (is the folder there?)")
    if not os.access(folder, os.W_OK):
        parser.error(f"{option} {path}: the folder {folder} is not writable")


def _plot(history: Any, path: str, settings: dict[str, Any]) -> None:
    """Loss and accuracy per epoch, the run's settings in the caption; the format follows the
    extension (.png, .pdf, .svg; tinygrad_mlp/experiments/plots.py, the shared figure style)."""
    from ..experiments.plots import plot_training

    plot_training(history, path, settings)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Train, printing progress on stderr and the summary on stdout; see the module doc.

    Ctrl-C stops it with one line and exit status 130 (128 + SIGINT, as shells report);
    a checkpoint written with ``--save`` is whole: each save is atomic.
    """
    try:
        return _run(args, parser)
    except KeyboardInterrupt:
        saved = args.save and os.path.exists(args.save)
        where = f"; {args.save} holds the last finished epoch" if saved else ""
        print(f"\ntinygrad-mlp train: interrupted{where}", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from ..train.loop import load_dataset

    began = time.perf_counter()
    config, ckpt = config_from_args(args, parser)
    _check_output(args.save, "--save", parser)
    _check_output(args.plot, "--plot", parser)
    if args.plot is not None:
        _check_plot(args.plot, parser)
    try:
        ds = load_dataset(config)  # refuse a bad data file before anything else happens
    except (OSError, ValueError) as e:
        file_error(str(e))
    sizes = "-".join(map(str, [ds.x_train.shape[1], *config.hidden, ds.classes]))
    opt = f"{config.optimizer} lr {config.lr:g}"
    if config.optimizer == "sgd" and config.momentum:
        opt += f" momentum {config.momentum:g}"
    done = 0 if ckpt is None else int(ckpt["epoch"])
    print(
        f"{config.dataset}: {len(ds.x_train)} train / {len(ds.x_test)} test samples, "
        f"{ds.classes} classes; seed network {sizes}, {config.dtype}, {opt}, "
        f"batch {config.batch_size}, seed {config.seed}"
        + (f"; resuming after epoch {done}" if ckpt is not None else "")
    )
    sys.stdout.flush()
    try:
        result = _train(args, config, ckpt)
    except FloatingPointError:
        return 1
    history = result.history
    if not history.epochs:
        print("no epochs trained")
        return 0
    _summary(config, ds, history.epochs[done:], history.epochs[-1], began)
    if args.save:
        print(f"checkpoint: {args.save} (epoch {history.epochs[-1].epoch})")
    if args.records:
        from ..experiments.results import write_results

        rows = [asdict(r) for r in history.epochs]
        write_results(args.records, "train", asdict(config), rows, getattr(args, "argv", None))
        print(f"records: {args.records}")
    if args.plot:
        run = {"data": config.dataset, "network": sizes, "dtype": config.dtype, "optimizer": opt}
        run.update(batch=config.batch_size, seed=config.seed, epochs=history.epochs[-1].epoch)
        _plot(history, args.plot, run)
        print(f"plot: {args.plot}")
    return 0


def _check_plot(path: str, parser: argparse.ArgumentParser) -> None:
    """--plot's format (.png, .pdf or .svg) and matplotlib: anything else is refused, exit 2."""
    from ..experiments.figure_style import check_format

    try:
        check_format(path)
    except ValueError as e:
        parser.error(f"--plot {e}")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        parser.error("--plot needs matplotlib: pip install 'tinygrad-mlp[plot]'")


def _train(args: argparse.Namespace, config: Any, ckpt: Any) -> Any:
    """The training run, progress on stderr; FloatingPointError once reported there."""
    from ..engine.anomaly import detect_anomaly
    from ..train.loop import run as train_run
    from ..utils.blas import limit_threads

    progress = Progress(config.epochs, sys.stderr, quiet=args.quiet)
    try:
        anomaly = detect_anomaly() if args.detect_anomaly else contextlib.nullcontext()
        with limit_threads(args.threads or None), anomaly, Interrupts() as stop:

            def on_step(*a: Any, **k: Any) -> Any:
                stop.check()  # Ctrl-C takes effect here, between steps (train_support.py)
                return progress.step(*a, **k)

            return train_run(
                config,
                args.save,
                ckpt,
                on_step,
                progress.epoch,
                jit=not (args.no_jit or args.detect_anomaly),  # replay bypasses Op.apply's checks
            )
    except FloatingPointError as e:  # NonFiniteLossError, or what --detect-anomaly caught
        progress.close()
        print(f"\ntinygrad-mlp train: error: {e}", file=sys.stderr)
        if args.save:
            print(f"the last finished epoch is in {args.save}", file=sys.stderr)
        raise
    except (KeyError, TypeError, ValueError) as e:  # a checkpoint that does not fit
        if ckpt is None:
            raise
        file_error(f"--resume {args.resume}: {e}")


def _summary(config: Any, ds: Any, new: list[Any], last: Any, began: float) -> None:
    """The run's results on stdout (and on stderr, a run that had nothing left to train)."""
    correct = round(last.test_accuracy * len(ds.x_test)) if len(ds.x_test) else 0
    if not new:
        print(
            f"nothing to train: the checkpoint is at epoch {last.epoch}, --epochs asks for "
            f"{config.epochs}",
            file=sys.stderr,
        )
    seconds = sum(r.seconds for r in new)
    samples = len(ds.x_train) * len(new)
    print(
        f"test accuracy {100 * last.test_accuracy:.2f}% ({correct}/{len(ds.x_test)}), "
        f"test loss {last.test_loss:.4f} after {last.epoch} epochs"
    )
    print(
        f"trained {len(new)} epochs in {seconds:.2f} s ({samples / max(seconds, 1e-9):,.0f} "
        f"samples/s); total {time.perf_counter() - began:.2f} s"
    )
