"""Indexing, x[index], and its adjoint, the scatter-add of a gradient back into x's shape."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine.tensor_core import TensorCore
from .base import Grad, Op, call

__all__ = ["Index", "ScatterAdd", "plain_index", "gather_index"]


def plain_index(index: Any) -> Any:
    """``index`` as the op keeps it: each Tensor replaced by its array, each list by a new array.

    A list is mutable: kept as given, a change to it between the forward and the backward
    would move the gradient (``i = [0, 2]; y = x[i]; i[0] = 1``). numpy reads a list index
    as an array (since numpy 1.23), so converting it changes nothing but ownership; an empty
    list becomes an empty integer array, as numpy takes it. An ndarray is kept: while a graph
    holds it it is read-only (engine/saved.py), so a write to it fails at the write.

    Example::

        >>> plain_index((slice(None), [0, 2]))[1]
        array([0, 2])
    """
    if type(index) is tuple:
        return tuple(map(plain_index, index))
    if isinstance(index, list):
        try:
            arr = np.array(_unwrap(index))
        except ValueError as e:  # ragged: numpy's own indexing would refuse it too
            raise IndexError(f"index {index!r}: {e}") from None
        if arr.dtype.kind == "f" and arr.size == 0:
            arr = arr.astype(np.intp)  # numpy indexes by [] as by an empty integer array
        return arr
    data = getattr(index, "data", None)
    return data if isinstance(data, np.ndarray) else index


def _unwrap(index: list[Any]) -> list[Any]:
    """A list index with each Tensor in it (at any depth) replaced by its array."""
    return [
        _unwrap(i) if isinstance(i, list) else i.data if isinstance(i, TensorCore) else i
        for i in index
    ]


def gather_index(shape: tuple[int, ...], axis: int, index: np.ndarray) -> tuple[np.ndarray, ...]:
    """The numpy index that makes ``x[...]`` torch's ``gather(x, axis, index)``.

    ``out[i][j][k] = x[index[i][j][k]][j][k]`` for axis 0 (and alike for the other axes):
    ``index`` has x's number of dimensions, at most x's size along every other axis, and
    entries in [0, shape[axis]). Gathering is indexing, so ``Index`` records it and
    its backward adds the gradient back at the gathered places (repeats add up).

    Example::

        >>> gather_index((2, 3), 1, np.array([[2], [0]]))[1].ravel().tolist()
        [2, 0]
    """
    if not isinstance(index, np.ndarray) or index.dtype.kind not in "iu":
        kind = getattr(index, "dtype", type(index).__name__)
        raise TypeError(f"gather: index must be an integer array, got {kind}")
    if index.ndim != len(shape):
        raise ValueError(
            f"gather: index has {index.ndim} dimension(s), the tensor {len(shape)}: they must match"
        )
    for d, (n, m) in enumerate(zip(shape, index.shape, strict=True)):
        if d != axis and m > n:
            raise ValueError(
                f"gather: index has size {m} along axis {d}, more than the tensor's {n}"
            )
    if index.size and (index.min() < 0 or index.max() >= shape[axis]):
        bad = index[(index < 0) | (index >= shape[axis])].ravel()[0]
        raise IndexError(
            f"gather: index {bad} is out of range for axis {axis} of size {shape[axis]}"
        )
    # along every other axis d the position is the index's own coordinate, arange(m_d)
    grid = list(np.ogrid[tuple(slice(0, m) for m in index.shape)])
    grid[axis] = index.astype(np.intp)  # a copy: the caller may reuse its array
    return tuple(grid)


def _scatter(g: np.ndarray, shape: tuple[int, ...], index: Any) -> np.ndarray:
    # np.add.at, not z[index] += g: a repeated index (x[[0, 0]]) must add up, not overwrite
    z = np.zeros(shape, dtype=g.dtype)
    np.add.at(z, index, g)
    return z


class Index(Op):
    """y = x[index] (numpy's basic and advanced indexing): dE/dx is dE/dy added back at index."""

    def forward(self, x: np.ndarray, index: Any) -> np.ndarray:
        index = plain_index(index)  # a list the caller may change later: own a copy
        self.index, self.shape = index, x.shape
        try:
            y = x[index]
            # every axis picked by an integer: numpy gives a scalar (a copy); the same index
            # with ``...`` gives the element as a 0-d view, as torch's x[i, j] is
            if type(y) is np.ndarray:
                return y
            return x[(*index, ...) if type(index) is tuple else (index, ...)]
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
