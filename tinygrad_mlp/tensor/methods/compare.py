"""Tensor comparisons and predicates: elementwise, boolean results, no gradient.

``==`` and ``!=`` compare entries, as in torch and numpy, so a Tensor is never "equal" to
another as an object: code that looks Tensors up in a list (``x in xs``, ``xs.index(x)``)
must compare identities instead (``any(x is t for t in xs)``, or a dict keyed by ``id``).
Tensors stay hashable by identity (``Tensor.__hash__ = object.__hash__``), so sets and dict
keys of Tensors work: Python checks identity before equality there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ...ops import nondiff as _nondiff
from .base import TensorMixin

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["CompareMethods"]


class CompareMethods(TensorMixin):
    """Comparisons (``== != < <= > >=`` and torch's ``eq`` ... ``ge``) and predicates."""

    __slots__ = ()

    def _compare(self, other: Any, fn: Any, symbol: str) -> Tensor:
        b = self._lift(other)
        try:  # a recorded op without a gradient: tm.jit replays a mask live (ops/nondiff.py)
            return _nondiff.Elementwise.run(self, b, fn=fn)
        except ValueError:
            raise ValueError(
                f"{symbol}: shapes {self.data.shape} and {b.data.shape} cannot be broadcast "
                "together"
            ) from None

    def __eq__(self, other: Any) -> Any:
        """Elementwise ==, a bool tensor; ``t == None`` and other non-numbers give False."""
        try:
            return self._compare(other, np.equal, "==")
        except TypeError:
            return NotImplemented  # Python then compares identities: a Tensor is not None

    def __ne__(self, other: Any) -> Any:
        """Elementwise !=, a bool tensor."""
        try:
            return self._compare(other, np.not_equal, "!=")
        except TypeError:
            return NotImplemented

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less, "<")

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal, "<=")

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater, ">")

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal, ">=")

    def eq(self, other: Any) -> Tensor:
        """Elementwise x == other (torch's name), a bool tensor.

        Example::

            >>> Tensor(np.array([1.0, 2.0])).eq(2.0).numpy()
            array([False,  True])
        """
        return self._compare(other, np.equal, "eq")

    def ne(self, other: Any) -> Tensor:
        """Elementwise x != other, a bool tensor."""
        return self._compare(other, np.not_equal, "ne")

    def lt(self, other: Any) -> Tensor:
        """Elementwise x < other, a bool tensor."""
        return self._compare(other, np.less, "lt")

    def le(self, other: Any) -> Tensor:
        """Elementwise x <= other, a bool tensor."""
        return self._compare(other, np.less_equal, "le")

    def gt(self, other: Any) -> Tensor:
        """Elementwise x > other, a bool tensor."""
        return self._compare(other, np.greater, "gt")

    def ge(self, other: Any) -> Tensor:
        """Elementwise x >= other, a bool tensor."""
        return self._compare(other, np.greater_equal, "ge")

    def isfinite(self) -> Tensor:
        """True where the entry is neither infinite nor NaN.

        Example::

            >>> Tensor(np.array([1.0, np.inf, np.nan])).isfinite().numpy()
            array([ True, False, False])
        """
        return _nondiff.Elementwise.run(self, fn=np.isfinite)

    def isnan(self) -> Tensor:
        """True where the entry is NaN."""
        return _nondiff.Elementwise.run(self, fn=np.isnan)

    def isinf(self) -> Tensor:
        """True where the entry is +inf or -inf."""
        return _nondiff.Elementwise.run(self, fn=np.isinf)

    def logical_not(self) -> Tensor:
        """True where the entry is zero (False), as ``torch.logical_not``."""
        return _nondiff.Elementwise.run(self, fn=np.logical_not)
