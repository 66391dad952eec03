"""Data sets and the plumbing around them: all offline, all numpy, all seeded explicitly.

``load_digits`` (the UCI handwritten digits, shipped inside the package), ``load_idx``
(MNIST-format IDX files, raw or gzipped), ``make_spirals`` (a synthetic 2-D problem),
``train_test_split`` and ``batches`` (a shuffling mini-batch iterator), and
``load_dataset`` (any of them by name, ready to train on). Randomness comes
only from the ``numpy.random.Generator`` passed in.
"""

from .batching import batches, train_test_split
from .datasets import DATASETS, Dataset, load_dataset
from .digits import load_digits
from .idx import IdxError, load_idx, save_idx
from .synthetic import make_spirals

__all__ = [
    "load_digits",
    "load_idx",
    "save_idx",
    "IdxError",
    "make_spirals",
    "train_test_split",
    "batches",
    "Dataset",
    "DATASETS",
    "load_dataset",
]
