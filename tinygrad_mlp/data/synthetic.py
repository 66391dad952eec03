"""Synthetic data: interleaved spirals, a small problem no linear model can solve."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["make_spirals"]


def make_spirals(
    n_per_class: int = 100,
    classes: int = 3,
    noise: float = 0.2,
    rng: np.random.Generator | None = None,
    dtype: Any = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` spiral arms of ``n_per_class`` points in the plane: (x (n, 2), y int64).

    Point i of arm c has radius r = i / (n_per_class - 1) and angle
    theta = 4 (c + r) + noise * N(0, 1), at (r sin theta, r cos theta): each arm turns
    4 radians, and arm c starts 4 c radians on. ``rng`` draws the noise (default:
    ``np.random.default_rng(0)``). Rows come grouped by class; shuffle with ``batches``.

    Example::

        >>> x, y = make_spirals(50, 3, noise=0.1, rng=np.random.default_rng(0))
        >>> x.shape, np.bincount(y).tolist(), bool(np.abs(x).max() <= 1.5)
        ((150, 2), [50, 50, 50], True)
    """
    if isinstance(n_per_class, bool) or int(n_per_class) != n_per_class or n_per_class < 2:
        raise ValueError(f"make_spirals: n_per_class must be an integer >= 2, got {n_per_class}")
    if isinstance(classes, bool) or int(classes) != classes or classes < 2:
        raise ValueError(f"make_spirals: classes must be an integer >= 2, got {classes}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"make_spirals: noise must be finite and >= 0, got {noise}")
    if np.dtype(dtype).kind != "f":  # points lie in [-1, 1]: an int dtype rounds them to 0
        raise TypeError(f"make_spirals: dtype must be a floating-point type, got {np.dtype(dtype)}")
    rng = np.random.default_rng(0) if rng is None else rng
    n_per_class, classes = int(n_per_class), int(classes)
    r = np.linspace(0.0, 1.0, n_per_class)
    xs, ys = [], []
    for c in range(classes):
        theta = 4.0 * (c + r) + noise * rng.standard_normal(n_per_class)
        xs.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        ys.append(np.full(n_per_class, c, dtype=np.int64))
    return np.concatenate(xs).astype(dtype), np.concatenate(ys)
