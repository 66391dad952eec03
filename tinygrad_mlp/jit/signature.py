"""A jitted call's signature: what each argument contributes to the key of its plan.

A Tensor gives its data's shape and dtype and its ``requires_grad``; a numpy array its
shape and dtype; a number, string, None or tuple of those its type and value; any other
(hashable) object itself, by identity: the attributes the step reads from it are guarded
(``guards.python_guards``), on that object.

Example::

    >>> import numpy as np
    >>> arg_key(np.zeros((2, 3)))
    ((2, 3), dtype('float64'), None)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from .guard_check import by_value

__all__ = ["arg_key", "aliases"]


def arg_key(a: Any) -> tuple[Any, Any, Any]:
    """The part of the signature one argument contributes (as inlined in ``__call__``)."""
    if isinstance(a, Tensor):
        d = a.data
        return (d.shape, d.dtype, a.requires_grad)
    if type(a) is np.ndarray:
        return (a.shape, a.dtype, None)
    try:
        hash(a)
    except TypeError:
        raise TypeError(
            f"jit: an argument of type {type(a).__name__} is neither a Tensor, a numpy array "
            "nor hashable; a jitted step takes Tensors, arrays, and hashable values (numbers, "
            "strings, tuples of those)"
        ) from None
    if by_value(a):
        return (type(a), a, 0)
    return (type(a), _Same(a), 0)  # an object: this one (its attributes are guarded)


def aliases(flat: Sequence[Any]) -> tuple[tuple[int, int], ...]:
    """Pairs (i, j), i < j, of arguments holding one array (the same array, or Tensors
    sharing it): part of the signature, since the trace tells arguments apart by identity.

    Example: ``aliases((y, y, x))`` is ``((0, 1),)`` for distinct arrays x and y.
    """
    first: dict[int, int] = {}
    pairs = []
    for j, a in enumerate(flat):
        d = a.data if isinstance(a, Tensor) else a if type(a) is np.ndarray else None
        if d is not None:
            i = first.setdefault(id(d), j)
            if i != j:
                pairs.append((i, j))
    return tuple(pairs)


class _Same:
    """An object in a signature key, compared by identity (and kept alive by the key)."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.obj is self.obj
