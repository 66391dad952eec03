"""The examples in the docstrings run and print what they claim; public names are documented."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import tinygrad_mlp
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(tinygrad_mlp.__path__, prefix="tinygrad_mlp.")
    if not m.name.endswith("__main__")  # importing it runs the command line
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    globs = {"np": np, "Tensor": Tensor, "tm": tinygrad_mlp, "F": F}
    result = doctest.testmod(module, extraglobs=globs, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


@pytest.mark.parametrize("name", MODULES)
def test_public_names_have_docstrings(name):
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} has no module docstring"
    for public in getattr(module, "__all__", []):
        obj = getattr(module, public)
        if callable(obj):
            assert obj.__doc__, f"{name}.{public} has no docstring"
