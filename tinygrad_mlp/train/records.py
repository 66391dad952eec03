"""What a training run is: its configuration, its per-epoch records, and how it can fail.

These are plain data, saved in checkpoints (``to_dict`` / ``from_dict``) so that a resumed
run knows what it was doing; ``tinygrad_mlp.train`` runs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

__all__ = ["DEFAULT_LR", "TrainConfig", "EpochRecord", "History", "NonFiniteLossError"]


DEFAULT_LR = {"sgd": 0.05, "adam": 1e-3}


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run (the CLI's options, with its defaults)."""

    dataset: str = "digits"  # digits | spirals | idx
    hidden: tuple[int, ...] = (256, 128)
    epochs: int = 40
    batch_size: int = 32
    optimizer: str = "sgd"  # sgd | adam
    lr: float = 0.0  # 0: the optimizer's default, DEFAULT_LR
    momentum: float = 0.9  # SGD only
    weight_decay: float = 0.0
    seed: int = 0
    dtype: str = "float32"
    test_fraction: float = 0.2  # digits, and idx without test files
    train_images: str = ""
    train_labels: str = ""
    test_images: str = ""
    test_labels: str = ""

    def __post_init__(self) -> None:
        if not self.lr and self.optimizer in DEFAULT_LR:
            object.__setattr__(self, "lr", DEFAULT_LR[self.optimizer])
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict of numbers, strings and lists (what a checkpoint stores)."""
        out = asdict(self)
        out["hidden"] = np.asarray(self.hidden, dtype=np.int64)
        return out

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """The inverse of ``to_dict``, accepting the numpy scalars ``tm.load`` returns."""
        kinds = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(values) - set(kinds))
        if unknown:
            raise ValueError(f"TrainConfig: unknown fields {unknown}")
        out: dict[str, Any] = {}
        for name, value in values.items():
            kind = kinds[name]
            if name == "hidden":
                out[name] = tuple(int(h) for h in np.asarray(value).reshape(-1))
            elif kind == "int":
                out[name] = int(value)
            elif kind == "float":
                out[name] = float(value)
            else:
                out[name] = str(value)
        return cls(**out)


@dataclass
class EpochRecord:
    """What one epoch did: mean training loss and accuracy, test loss and accuracy, speed."""

    epoch: int
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    seconds: float
    samples_per_second: float


@dataclass
class History:
    """The loss of every step and a record per epoch; round-trips through a checkpoint."""

    step_loss: list[float] = field(default_factory=list)
    epochs: list[EpochRecord] = field(default_factory=list)

    def to_dict(self) -> dict[str, np.ndarray]:
        """Column arrays: ``step_loss`` and one array per ``EpochRecord`` field."""
        out = {"step_loss": np.asarray(self.step_loss, dtype=np.float64)}
        for f in fields(EpochRecord):
            kind = np.int64 if f.name == "epoch" else np.float64
            out[f.name] = np.asarray([getattr(r, f.name) for r in self.epochs], dtype=kind)
        return out

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> History:
        """The inverse of ``to_dict``."""
        cols = {f.name: np.asarray(values[f.name]).tolist() for f in fields(EpochRecord)}
        records = [EpochRecord(*row) for row in zip(*cols.values(), strict=True)]
        return cls(np.asarray(values["step_loss"]).tolist(), records)


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite; ``epoch`` and ``step`` say where (both from 1)."""

    def __init__(self, epoch: int, step: int, steps: int, loss: float, lr: float) -> None:
        self.epoch, self.step, self.loss = epoch, step, loss
        super().__init__(
            f"the loss became {loss} at epoch {epoch}, step {step} of {steps}; training "
            f"stopped. The learning rate {lr:g} is probably too large: try a smaller --lr."
        )
