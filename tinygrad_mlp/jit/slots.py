"""A replay's values, by name: one ``Slot`` per argument, extern and op output.

A slot holds what the eager step would have held in a Tensor: its array (``value``), the
gradient summed into it during ``backward()`` (``grad``), and for an op replayed through
its own rules the op object whose ``backward`` runs later (``op``). Kernels name the
slots they read and write, so the data flow of a plan is what the code says:
``matmul(x.value, w.value.T, out=out)``, not positions in shared lists. Reading an
attribute of a ``__slots__`` object costs what indexing a list does.

Example::

    >>> import numpy as np
    >>> s = Slot("arg 0", (2,), np.dtype(np.float64))
    >>> s.value = np.zeros(2); s
    <slot arg 0: (2,) float64>
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Slot"]

Kernel = Callable[[], None]  # a compiled step of a replay: no arguments, no result


class Slot:
    """One value of a replayed step and the gradient flowing into it.

    ``shape`` and ``dtype`` are the traced ones (None for a value that is not an array);
    ``grad`` is None until a gradient reaches the slot in this call's ``backward()``.
    """

    __slots__ = ("name", "shape", "dtype", "value", "grad", "op")

    def __init__(
        self, name: str, shape: tuple[int, ...] | None = None, dtype: np.dtype[Any] | None = None
    ) -> None:
        self.name = name
        self.shape = shape
        self.dtype = dtype
        self.value: Any = None
        self.grad: np.ndarray | None = None
        self.op: Any = None

    def is_array(self) -> bool:
        """Whether the slot holds an array of a traced shape and dtype."""
        return self.shape is not None

    def __repr__(self) -> str:
        return f"<slot {self.name}: {self.shape} {self.dtype}>"
