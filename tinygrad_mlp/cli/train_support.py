"""Helpers of ``tinygrad-mlp train``: the progress display and the checkpoint's sanity check
(apart, so that the command's module stays about its options and its run)."""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Mapping
from typing import IO, Any

from ..utils.progress import Progress as LiveProgress

__all__ = ["Progress", "check_checkpoint", "Interrupts"]


def check_checkpoint(config: Any, ckpt: Mapping[str, Any]) -> None:
    """Refuse a checkpoint whose settings or history no run could have written (ValueError)."""
    import numpy as np

    from ..train.loop import History

    bad = _bad_settings(config)
    if bad:
        raise ValueError(f"the checkpoint's config has {'; '.join(bad)}")
    history = ckpt["history"]
    if not isinstance(history, Mapping):
        raise ValueError("the checkpoint's history is not a table of columns")
    missing = sorted(set(History().to_dict()) - set(history))
    if missing:
        raise ValueError(f"the checkpoint's history lacks the column(s) {missing}")
    try:
        epochs = len(History.from_dict(history).epochs)
    except (TypeError, ValueError):
        raise ValueError("the checkpoint's history columns differ in length") from None
    epoch = ckpt["epoch"]
    if np.asarray(epoch).shape != () or int(epoch) != epochs:
        raise ValueError(f"the checkpoint's epoch {epoch} disagrees with its {epochs} records")


def _bad_settings(config: Any) -> list[str]:
    """Each of the config's settings that no run could have written, with why."""
    bad = []
    for name in ("epochs", "batch_size"):
        if getattr(config, name) < 1:
            bad.append(f"{name} {getattr(config, name)} (must be >= 1)")
    if not config.hidden or min(config.hidden) < 1:
        bad.append(f"hidden {list(config.hidden)} (sizes must be >= 1)")
    checks = (
        ("lr", math.isfinite(config.lr) and config.lr > 0, "must be > 0"),
        ("momentum", 0 <= config.momentum < 1, "must lie in [0, 1)"),
        ("weight_decay", math.isfinite(config.weight_decay) and config.weight_decay >= 0,
         "must be >= 0"),
        ("test_fraction", 0 < config.test_fraction < 1, "must lie in (0, 1)"),
        ("seed", config.seed >= 0, "must be >= 0"),
    )  # fmt: skip
    bad += [f"{name} {getattr(config, name)} ({why})" for name, ok, why in checks if not ok]
    for name, allowed in (
        ("dataset", ("digits", "spirals", "idx")),
        ("optimizer", ("sgd", "adam")),
        ("dtype", ("float32", "float64")),
    ):
        if getattr(config, name) not in allowed:
            bad.append(f"{name} {getattr(config, name)!r} (one of {', '.join(allowed)})")
    return bad


class Progress:
    """The training display on ``utils.progress.Progress``: a bar per epoch on a terminal
    (tqdm when installed, else plain), then a line per epoch (anywhere, unless quiet)."""

    def __init__(self, total_epochs: int, stream: IO[str], quiet: bool = False) -> None:
        self.total = total_epochs
        self.live = LiveProgress(0, "", stream, quiet, width=30, every=5, tqdm=True)

    def step(self, epoch: int, step: int, steps: int, loss: float) -> None:
        """Step ``step`` of ``steps`` in ``epoch`` is done, at this loss."""
        label = f"epoch {epoch}/{self.total}"
        if label != self.live.label:
            self.live.restart(steps, label)
        self.live.step(f"loss {loss:.4f}", done=step)

    def epoch(self, r: Any) -> None:
        """Epoch ``r`` (a train.loop record) is done: its line, which stays."""
        width = len(str(self.total))
        self.live.line(
            f"epoch {r.epoch:>{width}}/{self.total}  loss {r.train_loss:.4f}  "
            f"acc {100 * r.train_accuracy:6.2f}%  test loss {r.test_loss:.4f}  "
            f"test acc {100 * r.test_accuracy:6.2f}%  {r.samples_per_second:,.0f} samples/s"
        )

    def close(self) -> None:
        """Close the bar (before an error message)."""
        self.live.end_bar()


class Interrupts:
    """Ctrl-C recorded by a handler and raised at the next step: never lost, never half-done.

    Python runs a signal handler between any two bytecodes, destructors included, and an
    exception raised inside a ``__del__`` (the engine frees a step's saved arrays in one) is
    printed and dropped: a plain KeyboardInterrupt landing there was lost and training went
    on. Here the first SIGINT only sets ``pending``; ``check()``, called between steps, raises
    KeyboardInterrupt there. A second Ctrl-C raises at once, wherever the program is.

    Example::

        >>> with Interrupts() as stop:
        ...     stop.check()  # nothing pending: returns
    """

    def __init__(self) -> None:
        self.pending = False
        self._old: Any = None

    def _handle(self, signum: int, frame: Any) -> None:
        if self.pending:  # a second Ctrl-C: do not wait for the step to end
            raise KeyboardInterrupt
        self.pending = True

    def check(self, *args: Any, **kwargs: Any) -> None:
        """Raise KeyboardInterrupt if Ctrl-C was pressed since the last check."""
        if self.pending:
            raise KeyboardInterrupt

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():  # handlers: main thread only
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
