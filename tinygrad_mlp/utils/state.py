"""Checking a state dict against what a model expects, before anything is copied."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["checked_arrays"]


def checked_arrays(
    expected: Mapping[str, tuple[tuple[int, ...], np.dtype[Any] | None]],
    state: Mapping[str, Any],
    who: str = "load_state_dict",
) -> dict[str, np.ndarray]:
    """The arrays of ``state`` after checking names, shapes and dtypes; raises on the first
    problem, naming the key, so a caller that copies only afterwards changes nothing.

    ``expected`` maps each name to (shape, dtype); a dtype of None accepts any real dtype.
    Values may be arrays, Tensors (their ``.data``) or anything ``numpy.asarray`` takes.

    Example::

        >>> checked_arrays({"w": ((2,), None)}, {"w": [1, 2]})["w"]
        array([1, 2])
    """
    if not isinstance(state, Mapping):
        raise TypeError(
            f"{who}: expected a mapping of names to arrays (a state_dict), "
            f"got {type(state).__name__}"
        )
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise KeyError(f"{who}: missing keys {missing}, unexpected keys {unexpected}")
    arrays = {}
    for name, (shape, dtype) in expected.items():
        value = state[name]
        arr = np.asarray(getattr(value, "data", value))
        if arr.shape != shape:
            raise ValueError(f"{who}: {name!r} has shape {arr.shape}, the model expects {shape}")
        if dtype is not None and arr.dtype != dtype:
            raise TypeError(f"{who}: {name!r} has dtype {arr.dtype}, the model expects {dtype}")
        if dtype is None and arr.dtype.kind not in "fiu":
            raise TypeError(f"{who}: {name!r} has dtype {arr.dtype}, expected real numbers")
        arrays[name] = arr
    return arrays
