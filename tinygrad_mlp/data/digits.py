"""The UCI optical handwritten digits, shipped inside the package as ``digits.npz``.

1,797 grey-level images of 8x8 pixels (each pixel a count 0..16 of ink in a 4x4 block of
the original 32x32 bitmap) with labels 0..9. Source: UCI Machine Learning Repository,
"Optical Recognition of Handwritten Digits", E. Alpaydin and C. Kaynak (1998), licensed
CC BY 4.0; the file is made from scikit-learn's copy by ``scripts/make_digits.py``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from .batching import Split, train_test_split

__all__ = ["DIGITS_PATH", "DIGITS_SHA256", "load_digits"]

DIGITS_PATH = Path(__file__).with_name("digits.npz")
# sha256 of images.tobytes() + labels.tobytes() (uint8), printed by scripts/make_digits.py
DIGITS_SHA256 = "87ff0c9e40dc7e2c0e34e7257799c2e3f3aec1a016363bb11cad869ec428a826"


def _read(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as f:
            images, labels = f["images"], f["labels"]
    except (OSError, KeyError, ValueError, EOFError) as e:
        raise RuntimeError(f"load_digits: cannot read the bundled data file {path}: {e}") from e
    if images.shape != (1797, 8, 8) or labels.shape != (1797,) or images.dtype != np.uint8:
        raise RuntimeError(f"load_digits: {path} holds unexpected arrays (reinstall the package)")
    digest = hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()
    if digest != DIGITS_SHA256:
        raise RuntimeError(f"load_digits: {path} is corrupt (checksum mismatch; reinstall)")
    return images, labels


def load_digits(
    test_fraction: float = 0.2,
    rng: np.random.Generator | None = None,
    dtype: Any = np.float32,
) -> Split:
    """The digits as ``(x_train, y_train), (x_test, y_test)``: x = pixels / 16, y int64.

    x has shape (n, 64) (rows of the 8x8 image, flattened), values in [0, 1] (the raw
    counts 0..16 divided by 16), in ``dtype``; y holds labels 0..9. The split is
    ``train_test_split`` with ``rng``; without one, ``np.random.default_rng(0)``, so
    the default split is the same on every call. ``test_fraction=0`` gives an empty test set.

    Example::

        >>> (xtr, ytr), (xte, yte) = load_digits(test_fraction=0.2, rng=np.random.default_rng(0))
        >>> xtr.shape, xte.shape, ytr.dtype, float(xtr.max())
        ((1438, 64), (359, 64), dtype('int64'), 1.0)
    """
    images, labels = _read(DIGITS_PATH)
    x = (images.reshape(len(images), 64) / 16.0).astype(dtype)
    y = labels.astype(np.int64)
    return train_test_split(x, y, test_fraction, np.random.default_rng(0) if rng is None else rng)
