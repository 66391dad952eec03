"""The one base of the method mixins: the engine's ``TensorCore``, and what the mixins use
of each other, declared once for the type checker.

Each mixin (``ArithMethods``, ``MathMethods``, ...) derives from ``TensorMixin``, so its
methods see ``data``, ``shape``, ``_make`` and the rest of the core as real attributes; the
few methods one family calls on another (``_lift``, ``astype``, indexing) are declared here
instead of in a stub block per family. ``tinygrad_mlp.Tensor`` combines all of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ...engine.tensor_core import TensorCore

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["TensorMixin"]


class TensorMixin(TensorCore):
    """``TensorCore`` plus the cross-family methods of ``Tensor``, declared for mypy.

    Example: ``issubclass(tinygrad_mlp.Tensor, TensorMixin)`` is True.
    """

    __slots__ = ()

    if TYPE_CHECKING:  # defined in tinygrad_mlp/tensor/tensor.py

        @classmethod
        def _make(cls, data: np.ndarray, requires_grad: bool) -> Tensor: ...
        def _lift(self, other: Any) -> Tensor: ...
        def __neg__(self) -> Tensor: ...
        def astype(self, dtype: Any) -> Tensor: ...
        def __getitem__(self, index: Any) -> Tensor: ...
