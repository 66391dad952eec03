"""Tensors made from nothing: zeros, ones, full, arange, linspace, eye, and random ones.

Names and arguments follow torch (``tm.zeros(2, 3)``, ``tm.arange(0, 1, 0.25)``). Default
dtypes follow the rule of ``Tensor(...)``: float32 for floating values (a Python float is
float32, as torch's default dtype), int64 for ints, bool for bools; ``dtype=`` overrides.
Random tensors draw from ``generator=`` (a ``numpy.random.Generator``) or, when it is omitted,
from the one documented default Generator ``tm.default_generator`` (seeded at import, reseeded
by ``tm.manual_seed``; see ``seeding``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine.seeding import generator_or_default
from ..ops import nondiff as _nondiff
from .assemble import full_like, ones_like, zeros_like
from .assemble import leaf as _leaf
from .tensor import Tensor

__all__ = [
    "zeros",
    "ones",
    "full",
    "zeros_like",
    "ones_like",
    "full_like",
    "arange",
    "linspace",
    "eye",
    "rand",
    "randn",
    "randint",
    "normal",
]

FLOAT = np.float32  # torch's default floating dtype, and Tensor(1.5)'s


def _size(size: tuple[Any, ...], who: str) -> tuple[int, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` alike; every entry a non-negative int."""
    dims = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    for d in dims:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)) or d < 0:
            raise ValueError(f"{who}: sizes must be non-negative ints, got {dims!r}")
    return tuple(int(d) for d in dims)


def _float(dtype: Any) -> Any:
    """``dtype``, or the default float dtype when none is given."""
    return FLOAT if dtype is None else dtype


def _value_dtype(value: Any, dtype: Any) -> Any:
    """``dtype`` if given, else the dtype of ``value`` by Tensor's rule (float -> float32)."""
    if dtype is not None:
        return np.dtype(dtype)
    kind = np.asarray(value).dtype
    return np.dtype(FLOAT) if kind == np.float64 and not isinstance(value, np.generic) else kind


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype``).

    Example::

        >>> tm.zeros(2, 3).shape, tm.zeros((2,), dtype=np.int64).dtype
        ((2, 3), dtype('int64'))
    """
    data = np.zeros(_size(size, "zeros"), dtype=_float(dtype))
    return _leaf(data, requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones (float32 unless ``dtype``)."""
    return _leaf(np.ones(_size(size, "ones"), dtype=_float(dtype)), requires_grad)


def full(
    size: Sequence[int] | int, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value (1.5 -> float32,
    2 -> int64, True -> bool), as torch's ``full``.

    Example::

        >>> tm.full((2,), 7).numpy(), tm.full((2,), 0.5).dtype
        (array([7, 7]), dtype('float32'))
    """
    shape = _size((size,) if isinstance(size, (int, np.integer)) else (tuple(size),), "full")
    data = np.full(shape, fill_value, dtype=_value_dtype(fill_value, dtype))
    return _leaf(data, requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """start, start + step, ... below ``end`` (``arange(n)`` is 0 .. n-1): int64 when every
    argument is an int, else float32, as torch.

    Example::

        >>> tm.arange(3).numpy(), tm.arange(0, 1, 0.25).numpy()
        (array([0, 1, 2]), array([0.  , 0.25, 0.5 , 0.75], dtype=float32))
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    dt = np.dtype(dtype) if dtype is not None else np.dtype(np.int64 if ints else FLOAT)
    # computed in float64 (or int64) and cast once, so float32 entries are correctly rounded
    data = np.arange(start, end, step, dtype=np.int64 if ints else np.float64).astype(dt)
    return _leaf(data, requires_grad)


def linspace(
    start: float, end: float, steps: int, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (float32).

    Example::

        >>> tm.linspace(0, 1, 5).numpy()
        array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float32)
    """
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative int, got {steps!r}")
    data = np.linspace(start, end, int(steps)).astype(_float(dtype))
    return _leaf(data, requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m = n by default), float32 unless ``dtype``."""
    rows, cols = _size((n, n if m is None else m), "eye")
    return _leaf(np.eye(rows, cols, dtype=_float(dtype)), requires_grad)


def rand(
    *size: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform on [0, 1), drawn from ``generator`` (default: ``tm.default_generator``),
    float32 unless ``dtype``.

    Example::

        >>> tm.rand(2, 3, generator=np.random.default_rng(0)).shape
        (2, 3)
    """
    shape = _size(size, "rand")
    return _drawn(
        generator_or_default(generator, "rand"), "random", (shape,), _float(dtype), requires_grad
    )


def randn(
    *size: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples from ``generator`` (default: ``tm.default_generator``),
    float32 unless ``dtype``.

    Example::

        >>> _ = tm.manual_seed(0)
        >>> a = tm.randn(2, 3).numpy()
        >>> bool((a == tm.randn(2, 3, generator=np.random.default_rng(0)).numpy()).all())
        True
    """
    shape = _size(size, "randn")
    rng = generator_or_default(generator, "randn")
    return _drawn(rng, "standard_normal", (shape,), _float(dtype), requires_grad)


def randint(
    low: int,
    high: int | Sequence[int] | None = None,
    size: Sequence[int] = (),
    *,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
) -> Tensor:
    """Ints uniform in [low, high), int64; ``randint(high, size)`` means low = 0, as torch.

    Example::

        >>> tm.randint(0, 10, (3,), generator=np.random.default_rng(0)).dtype
        dtype('int64')
    """
    if high is None:
        lo, hi, dims = 0, low, tuple(size)
    elif isinstance(high, (int, np.integer)):
        lo, hi, dims = low, int(high), tuple(size)
    else:  # randint(high, size): torch's other overload
        lo, hi, dims = 0, low, tuple(high)
    if hi <= lo:
        raise ValueError(f"randint: need low < high, got [{lo}, {hi})")
    shape = _size((dims,), "randint")
    rng = generator_or_default(generator, "randint")
    return _drawn(rng, "integers", (lo, hi, shape), np.int64 if dtype is None else dtype, False)


def normal(
    mean: float,
    std: float,
    size: Sequence[int],
    *,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Normal samples with the given ``mean`` and ``std`` (>= 0) from ``generator``."""
    if not std >= 0:
        raise ValueError(f"normal: std must be >= 0, got {std}")
    shape = _size((tuple(size),), "normal")
    rng = generator_or_default(generator, "normal")
    return _drawn(rng, "normal", (mean, std, shape), _float(dtype), requires_grad)


def _drawn(
    rng: np.random.Generator, method: str, args: tuple[Any, ...], dtype: Any, requires_grad: bool
) -> Tensor:
    """``rng.<method>(*args)`` as a tensor of ``dtype``, by a recorded op (tm.jit redraws it)."""
    t = _nondiff.Draw.run(generator=rng, method=method, args=args, dtype=dtype)
    return t.requires_grad_(True) if requires_grad else t
