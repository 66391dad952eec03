"""Functions that join, split and pad tensors: cat, stack, split, chunk, gather, pad.

torch has ``cat``, ``stack``, ``split``, ``chunk`` and ``gather`` at its top level, so they
are exported as ``tm.cat`` ... too; ``pad`` is ``torch.nn.functional.pad``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import ops
from ..tensor import Tensor
from ..tensor.methods.reduce import pick_axis
from ..utils.axes import normalize_axis

__all__ = ["cat", "concatenate", "stack", "split", "chunk", "gather", "pad"]


def _tensors(tensors: Any, who: str) -> list[Tensor]:
    """The sequence as Tensors (arrays and numbers become constants); not empty."""
    if isinstance(tensors, (Tensor, np.ndarray)) or not isinstance(tensors, Sequence):
        raise TypeError(f"{who}: expects a sequence of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{who}: expects a non-empty sequence of tensors")
    return [t if isinstance(t, Tensor) else Tensor._make(np.asarray(t), False) for t in tensors]


def cat(tensors: Sequence[Any], dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """The tensors joined along ``dim`` (0 by default); every other size must match.

    dtypes promote as in numpy; each input's gradient is its block of the output's.

    Example::

        >>> a, b = Tensor(np.zeros((1, 2))), Tensor(np.ones((2, 2)))
        >>> tm.cat([a, b]).shape, tm.cat([b, b], dim=1).shape
        ((3, 2), (2, 4))
    """
    ts = _tensors(tensors, "cat")
    d = pick_axis(axis, dim, "cat")
    d = 0 if d is None else normalize_axis(d, max(ts[0].ndim, 1), "cat")
    return ops.Cat.apply(*ts, axis=d)


def concatenate(
    tensors: Sequence[Any], axis: int | None = None, *, dim: int | None = None
) -> Tensor:
    """numpy's name (and argument order) for ``cat``."""
    return cat(tensors, dim, axis=axis)


def stack(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """The tensors, all of one shape, along a new axis ``dim``.

    Example::

        >>> tm.stack([Tensor(np.zeros(3)), Tensor(np.ones(3))], dim=1).shape
        (3, 2)
    """
    ts = _tensors(tensors, "stack")
    for i, t in enumerate(ts):
        if t.shape != ts[0].shape:
            raise ValueError(f"stack: tensor {i} has shape {t.shape}, tensor 0 has {ts[0].shape}")
    d = normalize_axis(dim, ts[0].ndim + 1, "stack")
    return ops.Cat.apply(*[t.unsqueeze(d) for t in ts], axis=d)


def split(x: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> list[Tensor]:
    """``x.split(...)``: pieces of one size, or of the listed sizes, along ``dim``."""
    return x.split(split_size_or_sections, dim)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> list[Tensor]:
    """``x.chunk(...)``: at most ``chunks`` pieces of equal size along ``dim``."""
    return x.chunk(chunks, dim)


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """``x.gather(dim, index)``: ``out[i][j] = x[index[i][j]][j]`` for dim 0, and alike."""
    return x.gather(dim, index)


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """x padded with ``value``: ``pad`` lists (before, after) pairs from the LAST axis
    backwards, as torch's ``F.pad`` ((1, 2) pads the last axis, (1, 2, 0, 1) the last two).

    Only ``mode="constant"`` and non-negative widths (torch crops for negative ones: use
    slicing). d/dx is 1 on the interior; the padding is constant.

    Example::

        >>> F.pad(Tensor(np.ones((1, 2))), (1, 0)).numpy()
        array([[0., 1., 1.]])
    """
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got {mode!r}")
    widths = [int(w) for w in pad]
    if len(widths) % 2 or len(widths) > 2 * x.ndim:
        raise ValueError(
            f"pad: needs pairs (before, after) for at most {x.ndim} axes, got {tuple(pad)}"
        )
    if any(w < 0 for w in widths):
        raise ValueError(f"pad: widths must be >= 0, got {tuple(pad)}")
    box = [(0, 0)] * x.ndim
    for k in range(len(widths) // 2):
        box[x.ndim - 1 - k] = (widths[2 * k], widths[2 * k + 1])
    return ops.Pad.apply(x, widths=tuple(box), value=value)
