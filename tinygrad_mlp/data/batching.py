"""Splitting a data set and walking it in mini-batches, driven by an explicit Generator."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["train_test_split", "batches"]

Split = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _check_pair(x: np.ndarray, y: np.ndarray, who: str) -> None:
    if x.ndim < 1 or y.ndim < 1 or len(x) != len(y):
        raise ValueError(
            f"{who}: x and y must have the same number of rows, got shapes {x.shape} and {y.shape}"
        )


def train_test_split(
    x: np.ndarray, y: np.ndarray, test_fraction: float, rng: np.random.Generator
) -> Split:
    """Shuffle the rows with ``rng`` and hold out round(test_fraction * n) of them for testing.

    The split is a pure function of the data, the fraction and the generator's state:
    ``test = perm[:n_test]``, ``train = perm[n_test:]`` with ``perm = rng.permutation(n)``.

    Example::

        >>> x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
        >>> (xtr, ytr), (xte, yte) = train_test_split(x, y, 0.4, np.random.default_rng(0))
        >>> len(ytr), len(yte), sorted([*ytr.tolist(), *yte.tolist()])
        (3, 2, [0, 1, 2, 3, 4])
    """
    x, y = np.asarray(x), np.asarray(y)
    _check_pair(x, y, "train_test_split")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"train_test_split: rng must be a numpy.random.Generator, got {rng!r}")
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"train_test_split: test_fraction must lie in [0, 1), got {test_fraction}")
    perm = rng.permutation(len(x))
    n_test = round(test_fraction * len(x))
    test, train = perm[:n_test], perm[n_test:]
    return (x[train], y[train]), (x[test], y[test])


def batches(
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    rng: np.random.Generator | None = None,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (x_batch, y_batch) of ``batch_size`` rows: in order, or shuffled by ``rng``.

    With a Generator the rows are visited in the order ``rng.permutation(n)``: every row
    exactly once per pass. The last batch is smaller unless ``drop_last``.

    Example::

        >>> x, y = np.arange(5.0)[:, None], np.arange(5)
        >>> [yb.tolist() for _, yb in batches(x, y, 2)]
        [[0, 1], [2, 3], [4]]
        >>> sorted(int(v) for _, yb in batches(x, y, 2, np.random.default_rng(0)) for v in yb)
        [0, 1, 2, 3, 4]
    """
    x, y = np.asarray(x), np.asarray(y)
    _check_pair(x, y, "batches")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise TypeError(f"batches: batch_size must be an int, got {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batches: batch_size must be >= 1, got {batch_size}")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"batches: rng must be a numpy.random.Generator or None, got {rng!r}")
    n = len(x)
    order = None if rng is None else rng.permutation(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        if order is None:
            yield x[start : start + batch_size], y[start : start + batch_size]
        else:
            idx = order[start : start + batch_size]
            yield x[idx], y[idx]
