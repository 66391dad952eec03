"""torch's names for the arithmetic operators: add, sub, mul, div, neg, pow, matmul, dot.

Each is the operator it names (``x.add(y)`` is ``x + y``), with torch's ``alpha=`` for add and
sub; ``dot`` follows numpy (1-D and 2-D operands), of which torch's is the 1-D case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import ops as _ops
from .base import TensorMixin

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["ArithMethods"]


class ArithMethods(TensorMixin):
    """The operators under torch's method names, mixed into ``Tensor``."""

    __slots__ = ()

    def add(self, other: Any, *, alpha: float = 1) -> Tensor:
        """self + alpha * other (torch's ``add``)."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other: Any, *, alpha: float = 1) -> Tensor:
        """self - alpha * other (torch's ``sub``)."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> Tensor:
        """self * other, elementwise with broadcasting."""
        return self * other

    def div(self, other: Any) -> Tensor:
        """self / other, true division (torch's ``div`` without ``rounding_mode``)."""
        return self / other

    def neg(self) -> Tensor:
        """-self."""
        return -self

    def pow(self, exponent: Any) -> Tensor:
        """self ** exponent."""
        return self**exponent

    def matmul(self, other: Any) -> Tensor:
        """self @ other, with numpy's (and torch's) matmul rules."""
        return self @ other

    def dot(self, other: Any) -> Tensor:
        """numpy's ``dot``: the inner product of two 1-D tensors (torch's ``dot``), a matrix
        product for 2-D operands, a matrix-vector product for 2-D and 1-D.

        Sums over the last axis of self and the first (only) axis of ``other``; 0-d operands
        and more than two dimensions are refused (use ``*`` or ``matmul``).

        Example::

            >>> Tensor(np.array([1.0, 2.0])).dot(np.array([3.0, 4.0])).item()
            11.0
            >>> Tensor(np.eye(2)).dot(np.array([[1.0, 2.0], [3.0, 4.0]])).numpy()
            array([[1., 2.],
                   [3., 4.]])
        """
        b = self._lift(other)
        if not (1 <= self.ndim <= 2 and 1 <= b.ndim <= 2):
            raise ValueError(
                f"dot: needs 1-D or 2-D operands, got shapes {self.shape} and {b.shape} "
                "(use * for a scalar, matmul for batches of matrices)"
            )
        if self.shape[-1] != b.shape[0]:
            raise ValueError(
                f"dot: shapes {self.shape} and {b.shape} do not align: {self.shape[-1]} "
                f"(last axis of the first) != {b.shape[0]} (first axis of the second)"
            )
        return _ops.MatMul.apply(self, b)
