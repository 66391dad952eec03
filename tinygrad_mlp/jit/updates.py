"""Replaying ``opt.step()`` and ``zero_grad``: the optimizers' own code, read on every call.

An optimizer step is replayed by calling the optimizer's own ``step()`` (no tracer is
installed during a replay, so it records nothing): its update math lives in one place,
``optim/``, and its hyperparameters (``lr``, momentum, betas, ...) and state (velocity,
Adam's step count) are read when it runs, exactly as eagerly. The one shortcut, for SGD's
plain rule W -= lr g (no momentum, no weight decay), is ``flat_sgd``: when the trace
made every parameter's gradient a view into one array, lr * g is one multiplication for
all of them (elementwise: the same bits as SGD's per-parameter ``np.multiply``), then one
subtraction per parameter, as ``SGD.update`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

import numpy as np

from ..engine.state import saved_count
from ..engine.writes import writing
from ..optim import SGD
from ..optim.base import zero_grad_of
from ..tensor import Tensor
from .code import Code, compiled

__all__ = ["update", "flat_sgd", "Zero"]

Kernel = Callable[[], None]
_data = attrgetter("data")


Flat = tuple[np.ndarray, list[tuple[Tensor, np.ndarray]]]


def update(opt: Any, flat: Flat | None = None) -> Kernel:
    """The kernel replaying ``opt.step()``: the optimizer's own step, or ``flat_sgd``.

    ``flat``: one array whose views are the parameters' gradient buffers (see
    ``routing.flat_gradients``), with each parameter and its view.
    """
    if type(opt) is SGD and flat is not None:
        return flat_sgd(opt, flat)
    step: Kernel = opt.step
    return step


def flat_sgd(opt: SGD, flat: Flat) -> Kernel:
    """``SGD.step`` when its rule is W -= lr g, with every gradient a view of ``flat[0]``.

    Anything else (momentum, weight decay, lr = 1, a gradient that is no longer its view)
    is ``opt.step()`` itself. Source (``jit/code.py``): a replay runs it inline.
    """
    flat_g = flat[0]
    flat_b = np.zeros_like(flat_g)
    names: dict[str, Any] = {
        "opt": opt, "step": opt.step, "multiply": np.multiply, "flat_g": flat_g,
        "flat_b": flat_b, "held": saved_count, "writing": writing, "map": map,
        "data_of": _data, "params": [p for p, _ in flat[1]],
    }  # fmt: skip
    apply = ["$multiply($flat_g, $lr, out=$flat_b)"]
    for j, (p, v) in enumerate(flat[1]):
        start = _offset(flat_g, v)  # the flat buffer's view of this parameter's lr * g
        names[f"p{j}"], names[f"v{j}"] = p, v
        names[f"b{j}"] = flat_b[start : start + v.size].reshape(v.shape)
        apply += [f"$d = $p{j}.data", f"$d -= $b{j}  # in place, as SGD's own p.data -= buf"]
    kept = [f"$p{j}.grad is $v{j}" for j in range(len(flat[1]))]
    lines = [
        "$lr = $opt.lr",
        "if $opt.momentum or $opt.weight_decay or $lr == 1.0 or not (" + " and ".join(kept) + "):",
        "    $step()",
        "elif not $held:  # no live graph holds an array: nothing to unlock",
        *["    " + a for a in apply],
        "else:  # as SGD.step: arrays a live graph holds are unlocked, their versions bumped",
        "    with $writing($map($data_of, $params)):",
        *["        " + a for a in apply],
    ]
    return compiled(Code(lines, names), "SGD step")


def _offset(base: np.ndarray, view: np.ndarray) -> int:
    """Where ``view`` starts in the 1-D array ``base``, in elements."""
    return (
        view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    ) // base.itemsize


class Zero:
    """``zero_grad`` of some tensors, as ``zero_grad_of`` does it, in one kernel.

    ``tensors`` holds the common case, parameters set to None, for a plain loop.
    """

    def __init__(self) -> None:
        self.items: list[tuple[Callable[[], Tensor], bool]] = []
        self.tensors: list[Tensor] | None = []

    def drop(self, tensors: list[Tensor]) -> None:
        """Leave out setting these to None: a fused kernel sets their grad in this step
        before anything reads it (to its buffer, or to None if no gradient reaches it)."""
        if self.tensors is not None:
            self.tensors = [t for t in self.tensors if all(t is not u for u in tensors)]

    def add(self, get: Callable[[], Tensor], set_to_none: bool, tensor: Tensor | None) -> None:
        self.items.append((get, set_to_none))
        if self.tensors is not None and tensor is not None and set_to_none:
            self.tensors.append(tensor)
        else:
            self.tensors = None

    def __call__(self) -> None:
        if self.tensors is not None:
            for t in self.tensors:
                t.grad = None
            return
        for get, set_to_none in self.items:
            zero_grad_of(get(), set_to_none)
