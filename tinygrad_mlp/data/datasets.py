"""A data set by name (digits, spirals, IDX files), ready to train on: floats and int64 labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .batching import train_test_split
from .digits import load_digits
from .idx import load_idx
from .synthetic import make_spirals

__all__ = ["Dataset", "DATASETS", "load_dataset"]

DATASETS = ("digits", "spirals", "idx")


@dataclass
class Dataset:
    """Train and test arrays (x floats of shape (n, features), y int64) and the class count."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: int


def _labels(y: np.ndarray, name: str) -> np.ndarray:
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(f"{name}: labels must be a 1-D integer array, got {y.dtype} {y.shape}")
    if y.size and y.min() < 0:
        raise ValueError(f"{name}: negative label {int(y.min())}")
    return y.astype(np.int64)


def _idx_pair(images: str, labels: str, dtype: np.dtype[Any]) -> tuple[np.ndarray, np.ndarray]:
    x = load_idx(images)
    y = _labels(load_idx(labels), labels)
    if len(x) == 0:
        raise ValueError(f"{images}: holds no images (shape {x.shape})")
    if x.ndim < 2 or x[0].size == 0:
        raise ValueError(
            f"{images}: images of shape {x.shape[1:]} hold no values (expected shape "
            "(n, rows, cols) or (n, features))"
        )
    if len(x) != len(y):
        raise ValueError(f"{images} holds {len(x)} images but {labels} holds {len(y)} labels")
    x = x.reshape(len(x), -1)
    scale = 255.0 if x.dtype == np.uint8 else 1.0  # MNIST's 0..255 pixels to [0, 1]
    return (x / scale).astype(dtype), y


def load_dataset(
    name: str,
    rng: np.random.Generator,
    dtype: npt.DTypeLike = np.float32,
    test_fraction: float = 0.2,
    idx_files: tuple[str, str, str, str] = ("", "", "", ""),
) -> Dataset:
    """The data set ``name``: "digits", "spirals" (600 train, 300 test points) or "idx".

    ``rng`` splits digits (and IDX training files given without test files, by
    ``test_fraction``), or draws the spirals' noise. ``idx_files`` are the paths of the
    train images, train labels, test images and test labels ("" for none); uint8 pixels
    are divided by 255. Errors name the file and the problem.

    Example::

        >>> ds = load_dataset("spirals", np.random.default_rng(0))
        >>> ds.x_train.shape, ds.x_test.shape, ds.classes
        ((600, 2), (300, 2), 3)
    """
    dt = np.dtype(dtype)
    if name == "digits":
        (xtr, ytr), (xte, yte) = load_digits(test_fraction, rng, dt)
    elif name == "spirals":
        xtr, ytr = make_spirals(200, 3, 0.2, rng, dt)
        xte, yte = make_spirals(100, 3, 0.2, rng, dt)
    elif name == "idx":
        train_images, train_labels, test_images, test_labels = idx_files
        if not (train_images and train_labels):
            raise ValueError("--dataset idx needs --train-images and --train-labels (IDX files)")
        x, y = _idx_pair(train_images, train_labels, dt)
        if test_images or test_labels:
            if not (test_images and test_labels):
                raise ValueError("give both a test images and a test labels file, or neither")
            (xtr, ytr), (xte, yte) = (x, y), _idx_pair(test_images, test_labels, dt)
            if xte.shape[1] != xtr.shape[1]:
                raise ValueError(
                    f"{test_images}: images of {xte.shape[1]} values, the training "
                    f"images have {xtr.shape[1]}"
                )
        else:
            (xtr, ytr), (xte, yte) = train_test_split(x, y, test_fraction, rng)
    else:
        raise ValueError(f"unknown dataset {name!r} (one of {', '.join(DATASETS)})")
    if len(xtr) == 0:
        raise ValueError(f"the {name} training set is empty")
    if len(xte) == 0:  # an accuracy over no samples would be reported as "nan%"
        raise ValueError(
            f"the {name} test set is empty: test_fraction {test_fraction} of "
            f"{len(xtr)} samples rounds to no test sample; use a larger fraction"
        )
    classes = int(max(ytr.max(), yte.max() if len(yte) else 0)) + 1
    if classes < 2:
        where = f"{idx_files[1]}: the labels" if name == "idx" else f"the {name} labels"
        raise ValueError(f"{where} hold a single class; a classifier needs at least two")
    return Dataset(xtr, ytr, xte, yte, classes)
