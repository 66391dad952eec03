"""Review 25: the evening's in-place operators composed as a PyTorch user would, against
torch or the eager step. Each test here failed before its fix."""

from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor

from .test_probe25 import _jit_vs_eager

# --- tm.jit: an in-place write on the step's own tensor seen through another reference -----
# The trace recorded ``t += v`` on a tensor the step made by rebinding the name to the op's
# output; it checked that no other *array* shared t's memory, but not that no other *name*
# (an alias, a list) held t itself. Eagerly (and in torch) the alias sees the new values; in
# the trace and every replay it kept the old ones: a silent wrong number, and parameters that
# drifted from the eager run.


def _alias_written(m: Any, x: np.ndarray, y: np.ndarray, logits: Tensor, loss: Tensor) -> Any:
    total = loss.detach() * 1.0
    alias = total
    total += 1.0
    return (alias,)


def _list_written(m: Any, x: np.ndarray, y: np.ndarray, logits: Tensor, loss: Tensor) -> Any:
    held = [logits.detach() * 1.0]
    t = held[0]
    t *= 3.0
    return (held[0], t)


def _cast_written(m: Any, x: np.ndarray, y: np.ndarray, logits: Tensor, loss: Tensor) -> Any:
    correct = tm.zeros(())  # float32: a float64 value written into it is rounded, as in torch
    correct += loss.detach() / 3.0
    return (correct, correct * 1.0)


def test_a_jitted_in_place_write_reaches_every_alias_as_eagerly() -> None:
    assert _jit_vs_eager(_alias_written) == 0.0  # bit for bit, as every replay
    assert _jit_vs_eager(_list_written) == 0.0


def test_a_jitted_in_place_write_keeps_the_tensors_dtype() -> None:
    assert _jit_vs_eager(_cast_written) == 0.0


def test_a_jitted_alias_then_used_by_the_model_trains_as_eagerly() -> None:
    def body(m: Any, x: np.ndarray, y: np.ndarray, logits: Tensor, loss: Tensor) -> Any:
        z = Tensor(x) * 1.0
        a = z
        z += 1.0
        return (m(a).sum(),)

    assert _jit_vs_eager(body) == 0.0
