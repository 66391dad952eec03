"""Assertions that compare gradients and say which entry disagrees and by how much."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["assert_grads_close"]


def assert_grads_close(
    actual: Sequence[np.ndarray] | np.ndarray,
    expected: Sequence[np.ndarray] | np.ndarray,
    rtol: float = 1e-12,
    atol: float = 0.0,
    names: Sequence[str] | None = None,
) -> None:
    """Assert |actual - expected| <= atol + rtol * max|expected| for every array, entrywise.

    The scale is the array's largest entry (a normwise relative error), not each entry's own
    magnitude: entries that are sums of cancelling terms carry round-off relative to the
    largest terms, so a per-entry relative tolerance would fail on correct code.
    The default rtol = 1e-12 suits two float64 computations of the same sums in another order.

    Example::

        >>> assert_grads_close([np.array([1.0, 2.0])], [np.array([1.0, 2.0 + 1e-15])])
    """
    if isinstance(actual, np.ndarray):
        actual = [actual]
    if isinstance(expected, np.ndarray):
        expected = [expected]
    if len(actual) != len(expected):
        raise AssertionError(f"{len(actual)} gradients, expected {len(expected)}")
    for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
        name = names[i] if names is not None else f"gradient {i}"
        a, e = np.asarray(a), np.asarray(e)
        if a.shape != e.shape:
            raise AssertionError(f"{name}: shape {a.shape}, expected {e.shape}")
        if not np.isfinite(a).all():
            raise AssertionError(f"{name}: non-finite entries in {a}")
        scale = float(np.max(np.abs(e), initial=0.0))
        err = np.abs(a - e)
        bound = atol + rtol * scale
        if err.size and float(err.max()) > bound:
            idx = np.unravel_index(int(np.argmax(err)), err.shape)
            raise AssertionError(
                f"{name}: max |actual - expected| = {float(err.max()):.3e} at index {idx} "
                f"(actual {a[idx]!r}, expected {e[idx]!r}) exceeds atol + rtol * max|expected| "
                f"= {atol:g} + {rtol:g} * {scale:.3e} = {bound:.3e}"
            )
