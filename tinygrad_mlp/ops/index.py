"""Indexing, x[index], and its adjoint, the scatter-add of a gradient back into x's shape."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .base import Grad, Op, call

__all__ = ["Index", "ScatterAdd", "plain_index"]


def plain_index(index: Any) -> Any:
    """``index`` with every Tensor in it replaced by its array (numpy's indexing rules apply)."""
    if isinstance(index, tuple):
        return tuple(plain_index(i) for i in index)
    data = getattr(index, "data", None)
    return data if isinstance(data, np.ndarray) else index


def _scatter(g: np.ndarray, shape: tuple[int, ...], index: Any) -> np.ndarray:
    # np.add.at, not z[index] += g: a repeated index (x[[0, 0]]) must add up, not overwrite
    z = np.zeros(shape, dtype=g.dtype)
    np.add.at(z, index, g)
    return z


class Index(Op):
    """y = x[index] (numpy's basic and advanced indexing): dE/dx is dE/dy added back at index."""

    def forward(self, x: np.ndarray, index: Any) -> np.ndarray:
        self.index, self.shape = index, x.shape
        try:
            return np.asarray(x[index])
        except IndexError as e:
            raise IndexError(f"index {index!r} into a tensor of shape {x.shape}: {e}") from None

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (call(ScatterAdd, g, shape=self.shape, index=self.index),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return np.asarray(t[0][self.index])  # linear: the tangent is indexed the same way


class ScatterAdd(Op):
    """z = zeros(shape) with g added at index: Index's adjoint, so its backward is indexing."""

    def forward(self, g: np.ndarray, shape: tuple[int, ...], index: Any) -> np.ndarray:
        self.index = index
        return _scatter(g, shape, index)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (call(Index, g, index=self.index),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return _scatter(t[0], out.shape, self.index)
