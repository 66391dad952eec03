"""Products: prod over axes, and the product of the others (its gradient), exact at zeros.

Every derivative of a product is a product of the other entries; computing those by prefix
and suffix products (never by division) keeps them exact with any number of zeros, at every
order (``ProdOthers``'s backward calls itself one axis longer).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import Grad, Op, call, data_of, keep_shape, normalize_axes
from .shape import BroadcastTo, Transpose

__all__ = ["Prod", "ProdOthers"]

Axis = int | Sequence[int] | None


def _exclusive_products(x: np.ndarray) -> np.ndarray:
    """e_i = prod_{j != i} x_j along the last axis, as (prefix product) * (suffix product).

    No division, so any number of zeros gives the exact products (x / x_i would give 0/0).
    """
    n = x.shape[-1]
    if n == 0:
        return np.ones_like(x)
    ones = np.ones((*x.shape[:-1], 1), dtype=x.dtype)
    before = np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)  # prod_{j<i}
    after = np.cumprod(np.concatenate([ones, x[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return before * after  # after_i = prod_{j>i}


def _pair_rows(x: Grad) -> Grad:
    """Row k is x with x_k replaced by 1: shape (..., n, n), built by exact 0/1 masks.

    The exclusive products of row k at i != k are prod_{j not in {i, k}} x_j.
    """
    n = x.shape[-1]
    eye = np.eye(n, dtype=data_of(x).dtype)
    return x.reshape((*x.shape[:-1], 1, n)) * (1 - eye) + eye  # x*0 + 1 = 1, x*1 + 0 = x


class ProdOthers(Op):
    """e_i = prod_{j != i} x_j along the last axis: the gradient of a product, exact at zeros.

    de_i/dx_k = prod_{j not in {i, k}} x_j for k != i and 0 for k = i: a symmetric matrix,
    itself the exclusive products of the rows of ``_pair_rows``, so the backward calls
    this op again, one axis longer, and every order of derivative is exact.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        return _exclusive_products(x)

    def backward(self, u: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        x = inputs[0]
        n = x.shape[-1]
        off = 1 - np.eye(n, dtype=data_of(x).dtype)
        pairs = call(ProdOthers, _pair_rows(x)) * off  # [..., k, i]; the diagonal dropped
        # dE/dx_k = sum_{i != k} u_i de_i/dx_k
        return ((pairs * u.reshape((*u.shape[:-1], 1, n))).sum(axis=-1),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        # de_i = sum_{k != i} prod_{j not in {i, k}} x_j dx_k
        x, dx = inputs[0], t[0]
        n = x.shape[-1]
        rows = np.where(np.eye(n, dtype=bool), 1, x[..., None, :]).astype(x.dtype)
        pairs = _exclusive_products(rows) * (1 - np.eye(n, dtype=x.dtype))
        return np.sum(pairs * dx[..., :, None], axis=-2)


def _reduced_last(x: Grad, axes: tuple[int, ...]) -> tuple[Grad, tuple[int, ...]]:
    """x with the reduced ``axes`` moved last and merged into one; and the permutation used."""
    kept = [a for a in range(x.ndim) if a not in axes]
    perm = (*kept, *axes)
    moved = x if perm == tuple(range(x.ndim)) else call(Transpose, x, axes=perm)
    n = 1
    for a in axes:
        n *= x.shape[a]
    return moved.reshape((*[x.shape[a] for a in kept], n)), perm


def _others(x: Grad, axes: tuple[int, ...], op: type[Op] | None) -> Grad:
    """prod of the other entries of each element's group, in x's layout (via ``op`` or numpy)."""
    flat, perm = _reduced_last(x, axes)
    e = _exclusive_products(flat) if op is None else call(op, flat)
    e = e.reshape(tuple(x.shape[a] for a in perm))
    if perm == tuple(range(x.ndim)):
        return e
    return call(Transpose, e, axes=tuple(np.argsort(perm).tolist()))


class Prod(Op):
    """Product over axes: d prod / dx_i = prod_{j != i} x_j, exact with any number of zeros."""

    def forward(self, x: np.ndarray, axis: Axis, keepdims: bool) -> np.ndarray:
        self.axes, self.keepdims = normalize_axes(x.ndim, axis), keepdims
        return np.asarray(np.prod(x, axis=self.axes, keepdims=keepdims))

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        x = inputs[0]
        spread = call(BroadcastTo, g.reshape(keep_shape(x.shape, self.axes)), shape=x.shape)
        return (spread * _others(x, self.axes, ProdOthers),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        # d prod = sum_i (prod_{j != i} x_j) dx_i
        others = _others(inputs[0], self.axes, None)
        return np.sum(others * t[0], axis=self.axes, keepdims=self.keepdims)
