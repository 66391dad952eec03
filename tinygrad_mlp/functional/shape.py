"""Functions that join, split and pad tensors: cat, stack, split, chunk, gather, pad.

torch has ``cat``, ``stack``, ``split``, ``chunk`` and ``gather`` at its top level, so they
are exported as ``tm.cat`` ... too; ``pad`` is ``torch.nn.functional.pad``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..tensor import Tensor
from ..tensor.assemble import cat, pad, stack

__all__ = ["cat", "concatenate", "stack", "split", "chunk", "gather", "pad"]


def concatenate(
    tensors: Sequence[Any], axis: int | None = None, *, dim: int | None = None
) -> Tensor:
    """numpy's name (and argument order) for ``cat``."""
    return cat(tensors, dim, axis=axis)


def split(x: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> list[Tensor]:
    """``x.split(...)``: pieces of one size, or of the listed sizes, along ``dim``."""
    return x.split(split_size_or_sections, dim)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> list[Tensor]:
    """``x.chunk(...)``: at most ``chunks`` pieces of equal size along ``dim``."""
    return x.chunk(chunks, dim)


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """``x.gather(dim, index)``: ``out[i][j] = x[index[i][j]][j]`` for dim 0, and alike."""
    return x.gather(dim, index)
