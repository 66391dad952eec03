"""Forward mode: a rule adds the tangent terms of the inputs that have one.

The machinery (``_push_tangent`` in ``base``) passes None, not zeros, for an input
without a tangent (a constant). Its term is then never formed: a non-finite partial of a
constant (d/db a**b is NaN at a negative base, d/dc of x * c is inf where x is) never
meets its zero tangent, where 0 * inf = NaN would poison the output's tangent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["plus", "times", "lift", "zero_if_none"]

Tangent = np.ndarray | None


def plus(*terms: Tangent) -> Any:
    """The sum of the terms that are not None (an input without a tangent adds nothing).

    Example::

        >>> plus(np.ones(2), None, np.ones(2))
        array([2., 2.])
    """
    present = [t for t in terms if t is not None]
    if not present:
        raise ValueError("forward mode: a tangent rule was called with no tangent at all")
    total = present[0]
    for t in present[1:]:
        total = total + t
    return total


def times(coefficient: Any, tangent: Tangent) -> Tangent:
    """coefficient * tangent, or None (no term) for an input without a tangent.

    Example::

        >>> times(np.inf, None) is None     # not inf * 0 = nan
        True
    """
    return None if tangent is None else coefficient * tangent


def lift(fn: Callable[[np.ndarray], Any], tangent: Tangent) -> Tangent:
    """fn(tangent), or None for an input without a tangent (for matmul and the like)."""
    return None if tangent is None else fn(tangent)


def zero_if_none(tangent: Tangent, like: np.ndarray) -> np.ndarray:
    """The tangent, or zeros shaped like ``like`` where a rule only selects (never scales).

    Example::

        >>> zero_if_none(None, np.ones(2))
        array([0., 0.])
    """
    if tangent is not None:
        return tangent
    return np.zeros(like.shape, dtype=like.dtype if like.dtype.kind == "f" else np.float64)
