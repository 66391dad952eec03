"""Rows for the shape ops: cat, stack, split, chunk, squeeze ... flip, repeat, pad, gather.

Every one only moves or copies entries, so every row is linear: ``smooth=False`` (the second
derivative is identically 0, nothing for finite differences of the gradient to compare).
Their backward rules under ``create_graph=True`` are checked in
tests/test_ops_reduce_shape.py, on op(x)^2, whose second derivative runs through them.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ... import functional as F
from .row import OpRow

__all__ = ["ROWS"]

_GATHER_INDEX = np.array([[0, 0, 3], [3, 1, 1], [2, 2, 2]])  # repeats: gradients add up
_GATHER_ROWS = np.array([[0, 2], [2, 2]])  # smaller than x in both axes, as torch allows


_row = partial(OpRow, smooth=False)


# fmt: off
ROWS: tuple[OpRow, ...] = (
    _row("cat(dim=1)", lambda a, b: F.cat([a, b], dim=1),
         lambda a, b: np.concatenate([a, b], axis=1), shapes=((3, 4), (3, 2))),
    _row("concatenate(axis=0) mixed", lambda a, b: F.concatenate([a, b, a], axis=0),
         lambda a, b: np.concatenate([a, b, a], axis=0), shapes=((3, 4), (1, 4))),
    _row("stack(dim=1)", lambda a, b: F.stack([a, b], dim=1),
         lambda a, b: np.stack([a, b], axis=1), shapes=((3, 4), (3, 4))),
    _row("stack(dim=-1)", lambda a, b: F.stack([a, b, a], dim=-1),
         lambda a, b: np.stack([a, b, a], axis=-1), shapes=((3, 4), (3, 4))),
    _row("split([1, 3], 1) swapped", lambda x: F.cat(x.split([1, 3], 1)[::-1], dim=1),
         lambda x: np.concatenate([x[:, 1:], x[:, :1]], axis=1)),
    _row("split(2)[1]", lambda x: x.split(2)[1], lambda x: x[2:4], shapes=((5, 3),)),
    _row("chunk(3, dim=1)[1]", lambda x: x.chunk(3, dim=1)[1], lambda x: x[:, 2:4]),
    _row("squeeze()", lambda x: x.squeeze(), np.squeeze, shapes=((3, 1, 4, 1),)),
    _row("squeeze(1)", lambda x: x.squeeze(1), lambda x: x.squeeze(axis=1),
         shapes=((3, 1, 4),)),
    _row("unsqueeze(-1)", lambda x: x.unsqueeze(-1), lambda x: x[..., None]),
    _row("flatten(1)", lambda x: x.flatten(1), lambda x: x.reshape(2, -1), shapes=((2, 3, 4),)),
    _row("unflatten(1, (2, -1))", lambda x: x.unflatten(1, (2, -1)),
         lambda x: x.reshape(3, 2, 2)),
    _row("view(4, 3)", lambda x: x.view(4, 3), lambda x: x.reshape(4, 3)),
    _row("expand(2, -1, 4)", lambda x: x.expand(2, -1, 4),
         lambda x: np.broadcast_to(x, (2, 3, 4)), shapes=((3, 1),)),
    _row("flip(0, 1)", lambda x: x.flip(0, 1), lambda x: x[::-1, ::-1]),
    _row("flip(-1)", lambda x: x.flip(-1), lambda x: x[..., ::-1], shapes=((2, 3, 4),)),
    _row("repeat(2, 1, 3)", lambda x: x.repeat(2, 1, 3), lambda x: np.tile(x, (2, 1, 3))),
    _row("repeat(2, 2)", lambda x: x.repeat(2, 2), lambda x: np.tile(x, (2, 2))),
    _row("F.pad((1, 2, 0, 1), value=3)", lambda x: F.pad(x, (1, 2, 0, 1), value=3.0),
         lambda x: np.pad(x, ((0, 1), (1, 2)), constant_values=3.0)),
    _row("gather(1, index)", lambda x: x.gather(1, _GATHER_INDEX),
         lambda x: np.take_along_axis(x, _GATHER_INDEX, axis=1)),
    _row("gather(0, index) smaller", lambda x: F.gather(x, 0, _GATHER_ROWS),
         lambda x: np.take_along_axis(x[:, :2], _GATHER_ROWS, axis=0)),
)
# fmt: on
