"""Rows for the engine's first ops: arithmetic, exp and log, relu, tanh, sigmoid."""

from __future__ import annotations

import numpy as np

from .row import Kink, OpRow

__all__ = ["ROWS"]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # the same function written another way


ROWS: tuple[OpRow, ...] = (
    OpRow(
        "add",
        lambda a, b: a + b,
        np.add,
        shapes=((3, 4), (4,)),
        smooth=True,
        dref=lambda a, b: (np.ones_like(a), np.ones_like(b)),
        scalar=lambda a, b: a + b,
    ),
    OpRow(
        "mul",
        lambda a, b: a * b,
        np.multiply,
        shapes=((3, 4), (3, 1)),
        dref=lambda a, b: (b, a),
        scalar=lambda a, b: a * b,
    ),
    OpRow("exp", lambda x: x.exp(), np.exp, dref=lambda x: (np.exp(x),), scalar=lambda x: x.exp()),
    OpRow(
        "log",
        lambda x: x.log(),
        np.log,
        domain=(0.2, 3.0),
        dref=lambda x: (1 / x,),
        scalar=lambda x: x.log(),
    ),
    OpRow(
        "relu",
        lambda x: x.relu(),
        lambda x: np.maximum(x, 0),
        smooth=False,
        kinks=(Kink(at=(0.0,), grad=(0.0,)),),
        dref=lambda x: ((x > 0).astype(float),),
        scalar=lambda x: x.relu(),
    ),
    OpRow(
        "tanh",
        lambda x: x.tanh(),
        np.tanh,
        domain=(-3.0, 3.0),
        dref=lambda x: (1 - np.tanh(x) ** 2,),
        scalar=lambda x: x.tanh(),
    ),
    OpRow(
        "sigmoid",
        lambda x: x.sigmoid(),
        _sigmoid,
        domain=(-6.0, 6.0),
        dref=lambda x: (_sigmoid(x) * (1 - _sigmoid(x)),),
    ),
)
