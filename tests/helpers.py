"""Helpers shared by the test modules (strategies live in strategies.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tinygrad_mlp.cli import main


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``tinygrad-mlp argv`` run in this process.

    argparse reports bad usage by raising SystemExit(2); that becomes the status here.
    """
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code  # type: ignore[assignment]
    out, err = capsys.readouterr()
    return status, out, err


def training_step(opt: Any, loss_of: Callable[..., Any], first: bool) -> Callable[..., Any]:
    """A step: ``loss_of(*args)``, zero_grad, backward, ``opt.step()``, the loss returned;
    with ``first``, zero_grad before the loss instead (both common habits)."""

    def step(*args: Any) -> Any:
        if first:
            opt.zero_grad()
        loss = loss_of(*args)
        if not first:
            opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step
