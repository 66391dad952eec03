"""The examples in the docstrings run and print what they claim; public names are documented."""

from __future__ import annotations

import dataclasses
import doctest
import importlib
import inspect
import pkgutil
import re
import typing

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


def _generated_doc(obj: object) -> str | None:
    """The docstring Python writes itself for an undocumented dataclass or named tuple.

    ``@dataclass`` sets ``__doc__`` to the class's signature, "Name(field: type, ...)", and
    ``NamedTuple`` to "Name(field, ...)", so ``obj.__doc__`` alone is never empty for them.
    """
    if not isinstance(obj, type):
        return None
    if dataclasses.is_dataclass(obj):
        try:
            return obj.__name__ + str(inspect.signature(obj)).replace(" -> None", "")
        except (TypeError, ValueError):
            return None
    fields = getattr(obj, "_fields", None)
    if issubclass(obj, tuple) and fields is not None:
        return f"{obj.__name__}({', '.join(fields)})"
    return None


def test_generated_docstrings_are_told_from_written_ones():
    @dataclasses.dataclass
    class Bare:
        x: int

    @dataclasses.dataclass
    class Written:
        """A point."""

        x: int

    class Pair(typing.NamedTuple):
        a: int
        b: float

    assert Bare.__doc__ == _generated_doc(Bare)
    assert Pair.__doc__ == _generated_doc(Pair)
    assert Written.__doc__ != _generated_doc(Written)


@pytest.mark.parametrize("name", MODULES)
def test_public_names_have_docstrings(name):
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} has no module docstring"
    for public in getattr(module, "__all__", []):
        obj = getattr(module, public)
        if callable(obj):
            doc = obj.__doc__
            assert doc and doc != _generated_doc(obj), f"{name}.{public} has no docstring"


SPHINX_ROLE = re.compile(r":(?:func|mod|class|data|meth|attr|exc|obj|ref):`")


@pytest.mark.parametrize("name", MODULES)
def test_no_raw_sphinx_role_in_a_docstring(name):
    """The API pages render docstrings as Markdown (mkdocstrings), where a reST role such as
    ``:func:`x``` shows up as raw text: docstrings write names in double backticks instead."""
    module = importlib.import_module(name)
    source = inspect.getsource(module)
    found = [line.strip() for line in source.splitlines() if SPHINX_ROLE.search(line)]
    assert not found, f"raw Sphinx roles in {name}: {found[:3]}"
