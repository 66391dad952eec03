"""Hypothesis profiles and the suite's two sizes (the default run and ``--exhaustive``).

Profiles (``HYPOTHESIS_PROFILE``):

- ``ci`` is the DEFAULT, what plain ``pytest`` loads, and what CI runs: derandomize=True and
  database=None make a run a pure function of the code (a failure fails again, identically,
  on any machine and any clone, and a pass cannot turn into a failure by the luck of a seed);
  no deadline (timings on a shared 2-core machine are noise); a bounded number of examples.
- ``explore`` (alias ``dev``) draws fresh random examples on every run, more of them, and
  prints a reproduce blob: for hunting bugs, never for gating a merge.
  ``HYPOTHESIS_PROFILE=explore pytest``.

Sizes: the default run checks every op-table row and every program-fuzzer check, with fewer
examples per row (see ``examples``); ``pytest --exhaustive`` (or ``TINYGRAD_EXHAUSTIVE=1``)
runs the full count and the tests marked ``exhaustive`` (thousands of fuzzed programs).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

_SUPPRESS = [HealthCheck.too_slow, HealthCheck.filter_too_much]

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=40,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=_SUPPRESS,
)
settings.register_profile(
    "explore", deadline=None, max_examples=100, print_blob=True, suppress_health_check=_SUPPRESS
)
settings.register_profile(
    "dev", deadline=None, max_examples=100, print_blob=True, suppress_health_check=_SUPPRESS
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--exhaustive",
        action="store_true",
        default=False,
        help="run every example of the op tables and the tests marked exhaustive "
        "(also TINYGRAD_EXHAUSTIVE=1)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--exhaustive"):
        os.environ["TINYGRAD_EXHAUSTIVE"] = "1"  # read by tests.helpers.exhaustive()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("TINYGRAD_EXHAUSTIVE", "") not in ("", "0"):
        return
    skip = pytest.mark.skip(reason="exhaustive only: pytest --exhaustive")
    for item in items:
        if "exhaustive" in item.keywords:
            item.add_marker(skip)
