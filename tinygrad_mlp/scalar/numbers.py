"""The scalar engine's numbers: operands made floats, and real powers, with clear errors."""

from __future__ import annotations

__all__ = ["as_float", "power"]


def as_float(x: object, what: str) -> float:
    """x as a Python float if it is a real number (a numpy scalar or 0-d array too); else a
    TypeError naming ``what`` (bool is refused: True is no operand of arithmetic here).

    Example::

        >>> as_float(3, "Value"), as_float(np.float32(0.5), "+")
        (3.0, 0.5)
    """
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        try:  # numpy scalars and 0-d arrays of a real dtype
            import numpy as np

            if isinstance(x, (np.floating, np.integer)) or (
                isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "fiu"
            ):
                return float(x)
        except ImportError:  # pragma: no cover - numpy is a dependency
            pass
        raise TypeError(f"{what}: expected a real number, got {type(x).__name__}")
    return float(x)


def power(x: float, n: float) -> float:
    """x ** n as a real float, or a ValueError / OverflowError saying why it is not one.

    Example::

        >>> power(2.0, 10.0)
        1024.0
    """
    try:
        y = x**n
    except ZeroDivisionError:
        raise ValueError(f"Value **: 0.0 ** {n!r} is undefined (negative power of zero)") from None
    except OverflowError:
        raise OverflowError(f"Value **: {x!r} ** {n!r} overflows float64") from None
    if type(y) is complex:
        raise ValueError(f"Value **: {x!r} ** {n!r} is not real (negative base, fractional power)")
    return float(y)
