"""Augmented assignment (``+=``, ``-=``, ``*=``, ``/=``, ``**=``) and item assignment
(``x[i] = v``) with torch's meaning.

Without these methods Python runs ``p -= u`` as ``p = p - u``: a new tensor bound to the
name, the old one untouched. Inside ``for p in model.parameters():`` that is a silent no-op
on the model, the commonest hand-written SGD step. Here, as in torch:

- off the graph (``no_grad``, or no operand requires grad) the result is written into
  ``self.data`` in place, through ``engine.writes.writing``, so a live graph that saved the
  array refuses its backward (torch's version counter) and aliases see the new values;
- a leaf that requires grad, in grad mode, is refused (torch: "a leaf Variable that requires
  grad is being used in an in-place operation");
- on the graph (an intermediate result that requires grad, or a tangent in ``tm.jvp``) the
  result is the recorded out-of-place op, so values and gradients are torch's.

``x[i] += v`` is ``x.__setitem__(i, x[i].__iadd__(v))``: item assignment is written in place
off the graph and refused on it, so the pair never leaves ``x`` half-updated.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from sys import getrefcount
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ...engine import state as _engine_state
from ...engine.grad_mode import is_grad_enabled
from ...engine.state import grad_mode as _grad_mode
from ...engine.tensor_core import TensorCore
from ...engine.writes import writing
from ...ops.index import plain_index
from ..numpy_interop import keeps_gradient
from .base import TensorMixin

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["InplaceMethods"]


def _update(self: Tensor, other: Any, op: Callable[[Any, Any], Tensor], sign: str) -> Tensor:
    """``self op= other``: in place off the graph, the recorded op on it, refused on a leaf.

    Formula: self <- op(self, other), with self's shape and dtype kept (a cast of the same
    kind, float64 into float32, as torch; an int tensor refuses a float result).

    Example::

        >>> w = Tensor(np.array([1.0, 2.0]))
        >>> alias = w
        >>> w -= 0.5
        >>> alias.numpy()
        array([0.5, 1.5])
    """
    if self.requires_grad and self._ctx is None and is_grad_enabled():
        raise RuntimeError(
            f"a leaf Tensor that requires grad is used in an in-place operation (x {sign} ...); "
            "update it under tm.no_grad() (or write x.data), as in torch"
        )
    result = op(self, other)
    if keeps_gradient(result):  # on the graph: the recorded op, bound to the name
        return result
    if result.shape != self.shape:
        raise ValueError(
            f"in-place {sign}: the result has shape {result.shape}, the tensor {self.shape} "
            "(an in-place update cannot change the shape; broadcast the other operand to it)"
        )
    if not np.can_cast(result.dtype, self.dtype, casting="same_kind"):
        raise TypeError(
            f"in-place {sign}: the result is {result.dtype}, which cannot be written into a "
            f"{self.dtype} tensor (use x = x {sign[:-1]} ... for a new tensor)"
        )
    tracer = _engine_state.tracer
    if tracer is not None and _unshared_in_step(self):
        # tm.jit: the recorded op (cast to the tensor's dtype) stands for the tensor from now
        # on; the write below gives the tensor, and any alias of it, the same values
        if result.dtype != self.dtype:
            result = result.astype(self.dtype)
        tracer.written(self, result)
        np.copyto(self.data, result.data)
        return self
    _write(self, sign, lambda d: np.copyto(d, result.data, casting="same_kind"))
    return self


def _unshared_in_step(t: Tensor) -> bool:
    """Inside a tm.jit trace: whether ``t`` is the step's own tensor (an op's output or one
    made in the step) and no other array shares its memory (it is no view, and nothing holds
    its array: a view of it would, as its base). Then ``t op= v`` can be recorded as the op
    ``t op v`` standing for ``t`` from then on (``Tracer.written``): the replay computes the
    same values, and every name bound to ``t`` sees them.
    """
    if t.requires_grad or not _engine_state.tracer.made_here(t):
        return False  # a graph tensor updated under no_grad: its graph still reads it
    # references to the array: the tensor's slot and getrefcount's own argument
    return t.data.base is None and getrefcount(t.data) == 2


def _write(t: Tensor, what: str, fn: Callable[[np.ndarray], None]) -> None:
    """Run ``fn(t.data)``, a write into the tensor's memory, as a sanctioned write.

    Refused inside a tm.jit trace (the replay would not repeat it) and on memory that stays
    read-only (an ``expand`` or ``broadcast_to`` view, whose elements share memory).
    """
    if _engine_state.tracer is not None:
        raise RuntimeError(
            f"in-place {what} inside a tm.jit step on a tensor the replay cannot follow (a "
            "parameter, an argument, a global, or one sharing memory with another tensor); "
            "update parameters with an optimizer's step(), or build a new tensor"
        )
    with writing([t.data]):
        if not t.data.flags.writeable:
            raise RuntimeError(
                f"in-place {what}: the tensor's elements share memory (an expand or "
                "broadcast_to view) or its array is read-only; write into a copy instead"
            )
        fn(t.data)


def _on_graph(*values: Any) -> bool:
    """Whether a write with these operands would drop a gradient or a tangent."""
    tensors = [v for v in values if isinstance(v, TensorCore)]
    tangents = _grad_mode.tangents
    if tangents is not None and any(id(v) in tangents for v in tensors):
        return True
    return is_grad_enabled() and any(v.requires_grad for v in tensors)


class InplaceMethods(TensorMixin):
    """``+=``, ``-=``, ``*=``, ``/=`` and ``**=`` as torch's in-place operators."""

    __slots__ = ()

    def __iadd__(self, other: Any) -> Tensor:
        return _update(cast("Tensor", self), other, operator.add, "+=")

    def __isub__(self, other: Any) -> Tensor:
        return _update(cast("Tensor", self), other, operator.sub, "-=")

    def __imul__(self, other: Any) -> Tensor:
        return _update(cast("Tensor", self), other, operator.mul, "*=")

    def __itruediv__(self, other: Any) -> Tensor:
        return _update(cast("Tensor", self), other, operator.truediv, "/=")

    def __ipow__(self, other: Any) -> Tensor:
        return _update(cast("Tensor", self), other, operator.pow, "**=")

    def __setitem__(self, index: Any, value: Any) -> None:
        """``x[index] = value`` off the graph (``no_grad``, or nothing requires grad), in
        place with numpy's indexing and casting, as torch's item assignment.

        On the graph it is refused (a ``TypeError``): build the tensor with ``tm.where``,
        ``tm.cat`` or ``F.pad`` instead, which record their gradients.

        Example::

            >>> w = Tensor(np.zeros(3))
            >>> w[1:] = 2.0
            >>> w.numpy()
            array([0., 2., 2.])
        """
        if _on_graph(self, value, *(index if type(index) is tuple else (index,))):
            raise TypeError(
                "item assignment x[...] = v is not recorded on the graph (x or v requires "
                "grad, in grad mode): build the tensor with tm.where, tm.cat or F.pad, or "
                "assign under tm.no_grad()"
            )
        data = value.data if isinstance(value, TensorCore) else value
        key = plain_index(index)
        _write(cast("Tensor", self), "x[...] =", lambda d: d.__setitem__(key, data))
