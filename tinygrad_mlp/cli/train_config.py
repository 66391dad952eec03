"""The options of ``tinygrad-mlp train`` made into a TrainConfig, or refused with a reason.

With ``--resume`` the checkpoint's settings are the run's: an option that contradicts them
is refused (``--epochs``, the total to reach, excepted); then the combinations that make no
sense (``--momentum`` with adam, IDX files without ``--dataset idx``, ...) are refused, each
with argparse's usage error (exit status 2).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields, replace
from typing import Any, NoReturn

from .train_support import check_checkpoint

__all__ = ["config_from_args", "file_error"]

_IDX_FILES = ("train_images", "train_labels", "test_images", "test_labels")


def config_from_args(args: argparse.Namespace, parser: argparse.ArgumentParser) -> tuple[Any, Any]:
    """(TrainConfig, loaded checkpoint or None) from the options, refusing contradictions.

    Example::

        >>> p = argparse.ArgumentParser(); from tinygrad_mlp.cli.train import add_arguments
        >>> add_arguments(p)
        >>> config_from_args(p.parse_args(["--epochs", "3"]), p)[0].epochs
        3
    """
    from ..train.loop import TrainConfig

    given: dict[str, Any] = {}
    for f in fields(TrainConfig):
        value = getattr(args, f.name)
        if value is not None:
            given[f.name] = tuple(value) if f.name == "hidden" else value
    if args.resume is None:
        config, ckpt = TrainConfig(**given), None
    else:
        config, ckpt = _resumed(args, parser, given)
    _check_combinations(config, given, parser)
    return config, ckpt


def _resumed(
    args: argparse.Namespace, parser: argparse.ArgumentParser, given: dict[str, Any]
) -> tuple[Any, Any]:
    """The checkpoint's config (with the given ``--epochs``) and the checkpoint itself."""
    from ..train import checkpoint
    from ..train.loop import TrainConfig

    try:
        ckpt = checkpoint.load(args.resume)
        if not {"config", "model", "optimizer", "epoch", "history"} <= set(ckpt):
            raise ValueError(
                f"{args.resume}: not a checkpoint of tinygrad-mlp train (it needs config, "
                "model, optimizer, epoch and history)"
            )
        theirs = TrainConfig.from_dict(ckpt["config"])
        check_checkpoint(theirs, ckpt)
    except FileNotFoundError as e:
        parser.error(f"--resume: {e}")  # a wrong path: a usage error, with the synopsis
    except (OSError, ValueError, KeyError, TypeError) as e:
        msg = f"missing key {e}" if type(e) is KeyError else str(e)
        # load's own errors name the file already
        named = args.resume in msg
        file_error(f"--resume: {msg}" if named else f"--resume {args.resume}: {msg}")
    clash = [
        f"--{k.replace('_', '-')} {v} (the checkpoint has {getattr(theirs, k)})"
        for k, v in given.items()
        if k != "epochs" and getattr(theirs, k) != v
    ]
    if clash:
        parser.error(f"--resume {args.resume}: contradicts the checkpoint: {'; '.join(clash)}")
    return replace(theirs, epochs=given.get("epochs", theirs.epochs)), ckpt


def _check_combinations(
    config: Any, given: dict[str, Any], parser: argparse.ArgumentParser
) -> None:
    """Refuse the options that make no sense together (argparse's usage error)."""
    if config.optimizer != "sgd" and "momentum" in given:
        parser.error("--momentum applies to --optimizer sgd only")
    idx_given = [n for n in _IDX_FILES if given.get(n)]
    if config.dataset != "idx" and idx_given:
        parser.error(f"--{idx_given[0].replace('_', '-')} needs --dataset idx")
    if config.dataset == "idx":
        _check_idx(config, parser)
    if "test_fraction" in given and (
        config.dataset == "spirals" or (config.dataset == "idx" and config.test_images)
    ):
        parser.error(
            "--test-fraction applies to digits and to idx without test files: spirals makes "
            "its own test set, and idx test files are the test set"
        )
    if config.momentum >= 1 and config.optimizer == "sgd":
        parser.error(
            f"--momentum must be below 1 (the velocity grows without bound), got {config.momentum}"
        )


def _check_idx(config: Any, parser: argparse.ArgumentParser) -> None:
    if not (config.train_images and config.train_labels):
        parser.error("--dataset idx needs --train-images and --train-labels (IDX files)")
    if bool(config.test_images) != bool(config.test_labels):
        parser.error("--dataset idx: give both --test-images and --test-labels, or neither")


def file_error(message: str) -> NoReturn:
    """A data or checkpoint file that cannot be used: one line on stderr, exit status 2.

    Not argparse's error: the options were fine, so the usage synopsis would only hide it.

    Example::

        >>> try:
        ...     file_error("x.npz: truncated")
        ... except SystemExit as e:
        ...     print(e.code)
        2
    """
    print(f"tinygrad-mlp train: error: {message}", file=sys.stderr)
    raise SystemExit(2)
