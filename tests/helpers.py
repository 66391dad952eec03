"""Helpers shared by the test modules (strategies live in strategies.py)."""

from __future__ import annotations

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
