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

from typing import Any

import numpy as np

from ..tensor import Tensor
from .guard_check import by_value

__all__ = ["arg_key"]


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


class _Same:
    """An object in a signature key, compared by identity (and kept alive by the key)."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.obj is self.obj
