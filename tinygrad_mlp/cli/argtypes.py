"""Argument types shared by the subcommands: each rejects bad values with a usage error."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "positive_int", "non_negative_int", "positive_float", "non_negative_float", "fraction",
    "output_path",
]  # fmt: skip


def _number(text: str, kind: type, what: str) -> float:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    return value


def positive_int(text: str) -> int:
    """An integer >= 1, for sizes and counts."""
    value = int(_number(text, int, "a positive integer"))
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """An integer >= 0, for seeds (numpy.random.default_rng refuses negative seeds)."""
    value = int(_number(text, int, "a non-negative integer"))
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0, for steps, rates and time budgets."""
    value = _number(text, float, "a positive number")
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number >= 0, for momentum and weight decay."""
    value = _number(text, float, "a non-negative number")
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative number, got {text}")
    return value


def fraction(text: str) -> float:
    """A number strictly between 0 and 1, for a held-out share (0 would leave no test set)."""
    value = _number(text, float, "a fraction in (0, 1)")
    if not 0 < value < 1:  # NaN fails this too
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 1), got {text}")
    return value


def output_path(suffixes: tuple[str, ...]) -> Callable[[str], str]:
    """An argument type for a file to write: its suffix one of ``suffixes`` (any case), its
    folder there and writable, checked before any work is done.

    Example::

        >>> output_path((".json", ".csv"))("results.csv")
        'results.csv'
    """

    def check(text: str) -> str:
        path = Path(text)
        if path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(f"{text!r} must end in {' or '.join(suffixes)}")
        if not path.parent.is_dir():
            raise argparse.ArgumentTypeError(f"folder {str(path.parent)!r} does not exist")
        if not os.access(path.parent, os.W_OK):
            raise argparse.ArgumentTypeError(f"folder {str(path.parent)!r} is not writable")
        return text

    return check
