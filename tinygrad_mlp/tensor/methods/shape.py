"""Tensor methods for shape changes: each one applies one op (reductions: reduce.py).

Where torch and numpy differ the method follows torch (``repeat`` tiles, ``squeeze(dim)``
leaves a dimension that is not 1 alone, ``transpose(a, b)`` swaps two axes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ... import ops as _ops
from ...utils.axes import normalize_axis
from .base import TensorMixin

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["ShapeMethods"]


def _shape_args(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` alike, as torch's shape and axis arguments are taken."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return args


class ShapeMethods(TensorMixin):
    """Shape changes, mixed into ``Tensor``."""

    __slots__ = ()

    def reshape(self, *shape: Any) -> Tensor:
        """The same data in a new shape (``-1`` infers one dimension)."""
        return _ops.Reshape.apply(self, shape=_shape_args(shape))

    def transpose(self, *axes: int) -> Tensor:
        """No arguments: reverse the axes. Two: swap them (torch). Three or more: permute.

        ``x.transpose(0, 1)`` swaps axes 0 and 1, as ``torch.transpose``; use ``permute``
        for numpy's ``transpose(axes)`` with a full permutation.
        """
        axes = _shape_args(axes)
        n = self.ndim
        if not axes:
            perm = tuple(range(n - 1, -1, -1))
        elif len(axes) == 2:
            return self.swapaxes(*axes)
        else:
            perm = tuple(normalize_axis(a, n, "transpose") for a in axes)
        return _ops.Transpose.apply(self, axes=perm)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """Swap two axes, like ``numpy.swapaxes`` (and ``torch.transpose(x, a, b)``)."""
        if self.ndim == 0 and axis1 in (0, -1) and axis2 in (0, -1):
            return _ops.Transpose.apply(self, axes=())  # a scalar's axis 0, as in torch
        order = list(range(self.ndim))
        i, j = (normalize_axis(a, self.ndim, "swapaxes") for a in (axis1, axis2))
        order[i], order[j] = order[j], order[i]
        return _ops.Transpose.apply(self, axes=tuple(order))

    def permute(self, *axes: int) -> Tensor:
        """Reorder the axes, as ``numpy.transpose(x, axes)``."""
        perm = tuple(normalize_axis(a, self.ndim, "permute") for a in _shape_args(axes))
        return _ops.Transpose.apply(self, axes=perm)

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed."""
        return self.transpose()

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        """Repeat the data along broadcast axes to ``shape``, like ``numpy.broadcast_to``."""
        return _ops.BroadcastTo.apply(self, shape=tuple(shape))

    def view(self, *shape: Any) -> Tensor:
        """The same data in a new shape: ``reshape`` (no contiguity rule, unlike torch)."""
        return self.reshape(*shape)

    def squeeze(self, dim: int | Sequence[int] | None = None) -> Tensor:
        """Drop axes of size 1: all of them, or those among ``dim``.

        As torch (not numpy), a ``dim`` whose size is not 1 is left alone, not an error.

        Example::

            >>> Tensor(np.zeros((2, 1, 3, 1))).squeeze().shape
            (2, 3)
        """
        n = self.ndim
        if dim is None:
            picked = set(range(n))
        else:
            dims = dim if isinstance(dim, (tuple, list)) else (dim,)
            picked = {normalize_axis(d, max(n, 1), "squeeze") for d in dims}
        shape = tuple(s for i, s in enumerate(self.shape) if not (i in picked and s == 1))
        return _ops.Reshape.apply(self, shape=shape)

    def unsqueeze(self, dim: int) -> Tensor:
        """A new axis of size 1 at position ``dim`` (-1 appends it, as torch)."""
        d = normalize_axis(dim, self.ndim + 1, "unsqueeze")
        return _ops.Reshape.apply(self, shape=(*self.shape[:d], 1, *self.shape[d:]))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Axes ``start_dim`` .. ``end_dim`` (inclusive) merged into one; 0-d becomes (1,).

        Example::

            >>> Tensor(np.zeros((2, 3, 4))).flatten(1).shape
            (2, 12)
        """
        if self.ndim == 0:
            return _ops.Reshape.apply(self, shape=(1,))
        a = normalize_axis(start_dim, self.ndim, "flatten")
        b = normalize_axis(end_dim, self.ndim, "flatten")
        if a > b:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        return _ops.Reshape.apply(self, shape=(*self.shape[:a], -1, *self.shape[b + 1 :]))

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        """Axis ``dim`` split into ``sizes`` (one of them may be -1); flatten's inverse."""
        d = normalize_axis(dim, self.ndim, "unflatten")
        known = [s for s in sizes if s != -1]
        total = int(np.prod(known)) if known else 1
        if list(sizes).count(-1) > 1:
            raise ValueError(f"unflatten: at most one size may be -1, got {tuple(sizes)}")
        n = self.shape[d]
        if (-1 in sizes and (total == 0 or n % total)) or (-1 not in sizes and total != n):
            raise ValueError(f"unflatten: sizes {tuple(sizes)} do not multiply to axis {d}'s {n}")
        return _ops.Reshape.apply(self, shape=(*self.shape[:d], *sizes, *self.shape[d + 1 :]))

    def expand(self, *sizes: int) -> Tensor:
        """Broadcast to ``sizes`` (torch): -1 keeps a size; new axes may be added in front.

        Example::

            >>> Tensor(np.zeros((3, 1))).expand(2, -1, 4).shape
            (2, 3, 4)
        """
        want = _shape_args(sizes)
        lead = len(want) - self.ndim
        if lead < 0:
            raise ValueError(f"expand: {len(want)} sizes for a tensor with {self.ndim} dimensions")
        shape = []
        for i, s in enumerate(want):
            if s == -1:
                if i < lead:
                    raise ValueError(f"expand: size -1 is not allowed for a new axis ({i})")
                s = self.shape[i - lead]
            shape.append(int(s))
        return _ops.BroadcastTo.apply(self, shape=tuple(shape))

    def flip(self, *dims: int) -> Tensor:
        """The elements in reverse order along ``dims`` (torch requires them; so do we)."""
        given = _shape_args(dims)
        if not given:
            raise TypeError("flip: give the axes to reverse, e.g. x.flip(0) or x.flip((0, 1))")
        if self.ndim == 0 and len(given) == 1 and given[0] in (0, -1):
            return _ops.Flip.apply(self, axes=())  # torch's scalar has axis 0 (and -1): a copy
        axes = tuple(normalize_axis(d, self.ndim, "flip") for d in given)
        if len(set(axes)) != len(axes):
            raise ValueError(f"flip: repeated axis in {given}")
        return _ops.Flip.apply(self, axes=axes)

    def repeat(self, *sizes: int) -> Tensor:
        """The tensor tiled ``sizes`` times along each axis: torch's ``repeat``, numpy's ``tile``.

        (numpy's ``repeat``, which repeats each element, is torch's ``repeat_interleave``.)

        Example::

            >>> Tensor(np.array([1.0, 2.0])).repeat(2).numpy()
            array([1., 2., 1., 2.])
        """
        reps = tuple(_shape_args(sizes))
        if len(reps) < self.ndim:
            raise ValueError(
                f"repeat: {len(reps)} repeat counts for a tensor with {self.ndim} dimensions "
                "(give at least one per dimension)"
            )
        if any(not isinstance(r, (int, np.integer)) or r < 0 for r in reps):
            raise ValueError(f"repeat: counts must be non-negative ints, got {reps}")
        return _ops.Repeat.apply(self, reps=tuple(int(r) for r in reps))

    def split(self, split_size_or_sections: int | Sequence[int], dim: int = 0) -> list[Tensor]:
        """Pieces along ``dim``: of ``split_size`` each (the last may be shorter), or of the
        listed sizes, which must add up to the axis (torch's meaning, not numpy's).

        Example::

            >>> [p.shape for p in Tensor(np.zeros((5, 2))).split(2)]
            [(2, 2), (2, 2), (1, 2)]
        """
        d = normalize_axis(dim, self.ndim, "split")
        n = self.shape[d]
        if isinstance(split_size_or_sections, (int, np.integer)):
            step = int(split_size_or_sections)
            if step <= 0:
                raise ValueError(f"split: split_size must be positive, got {step}")
            sizes = [min(step, n - a) for a in range(0, n, step)] or [0]
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if any(s < 0 for s in sizes) or sum(sizes) != n:
                raise ValueError(f"split: sizes {sizes} must be >= 0 and add up to {n} (axis {d})")
        pieces, start = [], 0
        for size in sizes:
            box = [(0, s) for s in self.shape]
            box[d] = (start, start + size)
            pieces.append(_ops.Crop.apply(self, box=tuple(box)))
            start += size
        return pieces

    def chunk(self, chunks: int, dim: int = 0) -> list[Tensor]:
        """At most ``chunks`` pieces of ceil(n / chunks) along ``dim`` (torch: maybe fewer)."""
        if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
            raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
        n = self.shape[normalize_axis(dim, self.ndim, "chunk")]
        return self.split(max(-(-n // int(chunks)), 1), dim)

    def gather(self, dim: int, index: Any) -> Tensor:
        """``out[i][j] = x[index[i][j]][j]`` for dim 0 (torch's ``gather``); repeats add up in the
        gradient. ``index``: ints, x's number of dimensions, in [0, size along ``dim``).

        Example::

            >>> x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
            >>> x.gather(1, np.array([[1], [0]])).numpy()
            array([[2.],
                   [3.]])
        """
        d = normalize_axis(dim, self.ndim, "gather")
        idx = np.asarray(_ops.plain_index(index))
        return _ops.Index.apply(self, index=_ops.gather_index(self.shape, d, idx))
