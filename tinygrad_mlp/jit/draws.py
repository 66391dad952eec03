"""Values a step draws in Python from sources no guard can follow: refused at the trace.

A replay runs none of the step's Python, so it would not draw again what the step draws
there (``r.random()`` of a ``random.Random`` or a numpy ``Generator``, ``random.random()``,
``time.time()``, ``np.random.rand()``); and a re-verification (calls 4, 8, 16, ...) sees
only a difference that is still there when it runs. So reading such a source is refused
when the step is traced; random tensors drawn with ``tm.rand(..., generator=g)`` are
recorded ops and are redrawn on every replay.
"""

from __future__ import annotations

import random
import types
from typing import Any

import numpy as np

from .reads import a_key
from .trace import JitError

__all__ = ["hidden_source", "refuse_drawn"]

# the objects and modules whose values change from call to call with no name to guard
_DRAWS = (random.Random, np.random.Generator, np.random.RandomState)
_HIDDEN_MODULES = frozenset({"random", "time", "os", "secrets", "uuid", "datetime"})
_NP_RANDOM_TYPES = frozenset(
    {"default_rng", "Generator", "SeedSequence", "BitGenerator", "PCG64", "PCG64DXSM",
     "Philox", "SFC64", "MT19937"}
)  # fmt: skip


def hidden_source(value: Any, attrs: tuple[Any, ...]) -> str:
    """What reading ``attrs`` of ``value`` draws that no guard can follow ('' if nothing):
    a random generator's method, a function of ``random``, ``time``, ``os``, ... or one of
    numpy's global-state random functions (``np.random.rand``).

    Example::

        >>> hidden_source(random, ("random",)), hidden_source(np, ("zeros",))
        ('random.random', '')
    """
    first = str(a_key(attrs[0])) if attrs else ""
    if isinstance(value, _DRAWS) and first:
        return f"{type(value).__name__}.{first}"
    owner = getattr(value, "__self__", None)  # `from random import random`: a bound method
    if isinstance(owner, _DRAWS) and not isinstance(value, type):
        return f"{type(owner).__name__}.{getattr(value, '__name__', '?')}"
    if isinstance(value, types.ModuleType):
        mod = value.__name__
        if mod in _HIDDEN_MODULES and first:
            return f"{mod}.{first}"
        if mod == "numpy" and first == "random" and len(attrs) > 1:
            mod, first = "numpy.random", str(a_key(attrs[1]))
        if mod == "numpy.random" and first and first not in _NP_RANDOM_TYPES:
            return f"numpy.random.{first}"
        return ""
    if isinstance(value, types.BuiltinFunctionType) and value.__module__ in _HIDDEN_MODULES:
        return f"{value.__module__}.{value.__name__}"  # `from time import time`
    return ""


def refuse_drawn(value: Any, attrs: tuple[Any, ...], where: str) -> None:
    """Raise a ``JitError`` if reading ``attrs`` of ``value`` draws a value in Python
    (``hidden_source``); ``where`` names the path the step read it by."""
    what = hidden_source(value, attrs)
    if what:
        raise JitError(
            f"tm.jit: the step reads {what} ({where}): a value drawn in Python that no guard "
            "can follow and a replay would not draw again. Draw random tensors with "
            "tm.rand/tm.randn(..., generator=g) inside the step, or pass the value as an "
            "argument"
        )
