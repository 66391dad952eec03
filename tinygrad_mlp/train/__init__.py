"""Training: the loop, its records, and checkpoints.

- ``loop``: ``TrainConfig`` in, epochs of mini-batch gradient descent out (``fit``, ``run``);
- ``records``: the run's configuration, epoch records and failure, as saved;
- ``checkpoint``: ``save``/``load`` of nested dicts of arrays, atomic and pickle-free.
"""

from . import checkpoint
from .checkpoint import CheckpointError, load, save
from .loop import (
    DEFAULT_LR,
    Dataset,
    EpochRecord,
    History,
    NonFiniteLossError,
    Result,
    TrainConfig,
    build,
    epoch_rng,
    evaluate,
    fit,
    load_dataset,
    run,
)

__all__ = [
    "checkpoint",
    "save",
    "load",
    "CheckpointError",
    "DEFAULT_LR",
    "TrainConfig",
    "Dataset",
    "EpochRecord",
    "History",
    "NonFiniteLossError",
    "Result",
    "load_dataset",
    "build",
    "epoch_rng",
    "evaluate",
    "fit",
    "run",
]
