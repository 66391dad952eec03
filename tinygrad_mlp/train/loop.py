"""Training end to end: the seed's update rule Delta W = -eta dE/dW, looped over mini-batches.

``TrainConfig`` says what to train; ``build`` makes the model and optimizer from
it; ``fit`` runs epochs (reporting through callbacks, stopping on a non-finite loss);
``run`` adds data loading, a checkpoint after every epoch and resumption, and is what
``tinygrad-mlp train`` calls. Every random draw comes from a Generator made from
``config.seed``: the split from ``default_rng([seed, 0])``, the initial weights from
``default_rng([seed, 1])``, epoch e's shuffle from ``default_rng([seed, 2, e])``. So the
same config gives the same loss curve bit for bit, and a run resumed after epoch e
continues exactly where an uninterrupted one would be.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from .. import data
from .. import functional as F
from ..engine.grad_mode import no_grad
from ..jit import jit as _jit
from ..nn import MLP
from ..optim import SGD, Adam, Optimizer
from ..tensor import Tensor
from . import checkpoint
from .records import DEFAULT_LR, EpochRecord, History, NonFiniteLossError, TrainConfig

Dataset = data.Dataset

__all__ = [
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


def load_dataset(config: TrainConfig) -> Dataset:
    """The data ``config`` names (``tinygrad_mlp.data.load_dataset``), split or drawn
    with ``default_rng([seed, 0])``.

    Example: ``load_dataset(TrainConfig()).x_train.shape`` is ``(1438, 64)``.
    """
    idx = (config.train_images, config.train_labels, config.test_images, config.test_labels)
    rng = np.random.default_rng([config.seed, 0])
    return data.load_dataset(config.dataset, rng, config.dtype, config.test_fraction, idx)


def build(config: TrainConfig, n_in: int, classes: int) -> tuple[MLP, Optimizer]:
    """The seed network n_in -> hidden... -> classes (weights from ``default_rng([seed, 1])``)
    and its optimizer.

    Example: ``build(TrainConfig(hidden=(32,)), 64, 10)[0].sizes`` is ``[64, 32, 10]``.
    """
    rng = np.random.default_rng([config.seed, 1])
    model = MLP(n_in, list(config.hidden), classes, rng=rng, dtype=np.dtype(config.dtype))
    opt: Optimizer
    if config.optimizer == "sgd":
        opt = SGD(model.parameters(), config.lr, config.momentum, config.weight_decay)
    elif config.optimizer == "adam":
        opt = Adam(model.parameters(), config.lr, weight_decay=config.weight_decay)
    else:
        raise ValueError(f"unknown optimizer {config.optimizer!r} (sgd or adam)")
    return model, opt


def epoch_rng(seed: int, epoch: int) -> np.random.Generator:
    """The Generator that shuffles epoch ``epoch`` (from 1): ``default_rng([seed, 2, epoch])``."""
    return np.random.default_rng([seed, 2, epoch])


@no_grad
def evaluate(
    model: MLP, x: np.ndarray, y: np.ndarray, batch_size: int = 1024
) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``model`` on (x, y), without building a graph.

    Example: on an empty set both are NaN.
    """
    if len(x) == 0:
        return math.nan, math.nan
    total, correct = 0.0, 0
    for xb, yb in data.batches(x, y, batch_size):
        logits = model(Tensor(xb))
        total += F.cross_entropy(logits, yb).item() * len(yb)
        correct += int((logits.data.argmax(axis=1) == yb).sum())
    return total / len(x), correct / len(x)


StepCallback = Callable[[int, int, int, float], None]  # epoch, step, steps, loss
EpochCallback = Callable[[EpochRecord], None]


def fit(
    model: MLP,
    opt: Optimizer,
    ds: Dataset,
    config: TrainConfig,
    history: History | None = None,
    on_step: StepCallback | None = None,
    on_epoch: EpochCallback | None = None,
    jit: bool = True,
) -> History:
    """Train from the epoch after ``history``'s last up to ``config.epochs``; return the history.

    Each step: E = cross_entropy(model(x_batch), y_batch); backward; ``opt.step()``
    (for SGD without momentum, W -= lr dE/dW). Raises ``NonFiniteLossError``
    before stepping on a NaN or infinite loss. With ``jit`` the forward and backward pass
    are replayed by ``tm.jit`` (the same results bit for bit, faster); on a non-finite loss
    the gradients then hold that step's, where eagerly they would still hold the last one's.
    """
    history = History() if history is None else history
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # checked below
        return _fit(model, opt, ds, config, history, on_step, on_epoch, jit)


def _gradients(model: MLP, opt: Optimizer) -> Callable[[Tensor, np.ndarray], tuple[Tensor, Tensor]]:
    """The jitted part of a step: loss and logits, and the gradients in ``.grad``.

    ``opt.step()`` stays outside, so that a non-finite loss stops training before the
    update, as in the eager loop.
    """

    def gradients(x: Tensor, y: np.ndarray) -> tuple[Tensor, Tensor]:
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        return loss, logits

    return _jit(gradients)


def _fit(
    model: MLP,
    opt: Optimizer,
    ds: Dataset,
    config: TrainConfig,
    history: History,
    on_step: StepCallback | None,
    on_epoch: EpochCallback | None,
    jit: bool,
) -> History:
    steps = -(-len(ds.x_train) // config.batch_size)
    replay = _gradients(model, opt) if jit else None
    for epoch in range(len(history.epochs) + 1, config.epochs + 1):
        start = time.perf_counter()
        total, correct = 0.0, 0
        batches = data.batches(
            ds.x_train, ds.y_train, config.batch_size, epoch_rng(config.seed, epoch)
        )
        for step, (xb, yb) in enumerate(batches, start=1):
            if replay is not None:
                loss, logits = replay(Tensor(xb), yb)
            else:
                logits = model(Tensor(xb))
                loss = F.cross_entropy(logits, yb)
            value = loss.item()
            if not math.isfinite(value):
                raise NonFiniteLossError(epoch, step, steps, value, float(getattr(opt, "lr", 0)))
            if replay is None:
                opt.zero_grad()
                loss.backward()
            opt.step()
            history.step_loss.append(value)
            total += value * len(yb)
            correct += int((logits.data.argmax(axis=1) == yb).sum())
            if on_step is not None:
                on_step(epoch, step, steps, value)
        seconds = time.perf_counter() - start
        test_loss, test_acc = evaluate(model, ds.x_test, ds.y_test)
        n = len(ds.x_train)
        record = EpochRecord(
            epoch, total / n, correct / n, test_loss, test_acc, seconds, n / max(seconds, 1e-9)
        )
        history.epochs.append(record)
        if on_epoch is not None:
            on_epoch(record)
    return history


@dataclass
class Result:
    """What ``run`` trained: the model, its optimizer, the history, the data and config."""

    model: MLP
    optimizer: Optimizer
    history: History
    dataset: Dataset
    config: TrainConfig


def run(
    config: TrainConfig,
    save: str | os.PathLike[str] | None = None,
    resume: Mapping[str, Any] | None = None,
    on_step: StepCallback | None = None,
    on_epoch: EpochCallback | None = None,
    jit: bool = True,
) -> Result:
    """Load the data, build (or restore from the loaded checkpoint ``resume``) and fit.

    ``jit``: replay each step's forward and backward with ``tm.jit`` (see ``fit``).
    With ``save``, a checkpoint {"config", "model", "optimizer", "epoch", "history"} is
    written atomically after every epoch. ``resume`` must come from a run with the same
    config apart from ``epochs`` (the total to reach).

    Example: ``run(TrainConfig(epochs=2)).history.epochs[-1].test_accuracy``.
    """
    ds = load_dataset(config)
    model, opt = build(config, ds.x_train.shape[1], ds.classes)
    history = History()
    if resume is not None:
        theirs = TrainConfig.from_dict(resume["config"])
        if replace(theirs, epochs=config.epochs) != config:
            diff = [
                f"{f.name} {getattr(theirs, f.name)!r} != {getattr(config, f.name)!r}"
                for f in fields(TrainConfig)
                if f.name != "epochs" and getattr(theirs, f.name) != getattr(config, f.name)
            ]
            raise ValueError(f"the checkpoint was made with other settings: {', '.join(diff)}")
        history = History.from_dict(resume["history"])
        if int(resume["epoch"]) != len(history.epochs):
            raise ValueError("the checkpoint's epoch and history disagree")
        model.load_state_dict(resume["model"])
        opt.load_state_dict(resume["optimizer"])

    def after_epoch(record: EpochRecord) -> None:
        if save is not None:
            state = {
                "config": config.to_dict(),
                "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "epoch": record.epoch,
                "history": history.to_dict(),
            }
            checkpoint.save(state, save)
        if on_epoch is not None:
            on_epoch(record)

    fit(model, opt, ds, config, history, on_step, after_epoch, jit)
    return Result(model, opt, history, ds, config)
