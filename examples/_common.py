"""Shared by the examples: the two options every example takes.

``--fast`` shrinks the work so the test suite can run every example in seconds;
``--out DIR`` is where an example writes its files (default: the current folder).
"""

from __future__ import annotations

import argparse
import os


def options(description: str) -> argparse.Namespace:
    """Parse ``--fast`` and ``--out DIR`` (the folder is created if needed)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--fast", action="store_true", help="small settings, for the test suite")
    parser.add_argument("--out", default=".", metavar="DIR", help="where to write files")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    return args
