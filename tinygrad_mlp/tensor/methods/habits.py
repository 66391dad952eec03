"""Tensor attributes and conversions under torch's names: size(), numel(), dim(), float(t),
int(t), f"{t:.3f}" and grad_fn.

``size`` is torch's method (``x.size()`` is the shape, ``x.size(d)`` one entry), not numpy's
attribute: use ``numel`` (or ``x.data.size``) for the element count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...utils.axes import normalize_axis
from .base import TensorMixin

if TYPE_CHECKING:
    from ...engine.node import Op

__all__ = ["HabitMethods"]


class HabitMethods(TensorMixin):
    """Shape queries, Python number conversions and ``grad_fn``, mixed into the Tensor."""

    __slots__ = ()

    def size(self, dim: int | None = None) -> Any:
        """The shape (a tuple), or its entry at ``dim``, as torch's ``size``.

        Example::

            >>> x = Tensor(np.zeros((2, 3)))
            >>> x.size(), x.size(-1), x.numel()
            ((2, 3), 3, 6)
        """
        if dim is None:
            return self.shape
        return self.shape[normalize_axis(dim, self.ndim, "size")]

    def numel(self) -> int:
        """The number of elements (numpy's ``size``), as torch's ``numel``."""
        return int(self.data.size)

    def dim(self) -> int:
        """The number of dimensions (``ndim``), as torch's ``dim``."""
        return self.ndim

    def _one(self, to: str) -> Any:
        if self.data.size != 1:
            raise ValueError(
                f"{to}: only a tensor with one element converts to a Python number, "
                f"got shape {self.shape}"
            )
        return self.item()

    def __float__(self) -> float:
        """``float(t)`` of a one-element tensor, as torch."""
        return float(self._one("float()"))

    def __int__(self) -> int:
        """``int(t)`` of a one-element tensor (floats truncate toward zero), as torch."""
        return int(self._one("int()"))

    def __format__(self, spec: str) -> str:
        """``f"{t:.3f}"`` formats a one-element tensor's number; an empty spec is ``str(t)``.

        Example::

            >>> f"{Tensor(np.array([2.0 / 3.0])):.3f}"
            '0.667'
        """
        if not spec:
            return str(self)
        if self.data.size != 1:  # what Python raises for a spec an object cannot take
            raise TypeError(
                f"format spec {spec!r}: only a tensor with one element formats as a number, "
                f"got shape {self.shape}"
            )
        return format(self.item(), spec)

    @property
    def grad_fn(self) -> Op | None:
        """The op node that made this tensor (None for a leaf), as torch's ``grad_fn``.

        Example::

            >>> x = Tensor(np.ones(2), requires_grad=True)
            >>> type(x.sum().grad_fn).__name__, x.grad_fn
            ('Sum', None)
        """
        return self._ctx
