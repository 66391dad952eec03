"""The Tensor: the engine's ``TensorCore`` with a constructor, operators and every method.

The graph core (``data``, ``grad``, ``requires_grad``, ``_ctx``) is
``tinygrad_mlp.engine.tensor_core``, below ``ops``; this class sits above ``ops`` and reaches
each op through the method mixins of ``tinygrad_mlp.tensor.methods`` and the operators
here. An op's output takes the class of its inputs, so tensors made from Tensors are Tensors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import ops as _ops
from ..engine import backward as _backward
from ..engine import state as _engine_state
from ..engine.conversion import as_array as _as_array
from ..engine.tensor_core import TensorCore
from ..ops import nondiff as _nondiff
from .methods.arith import ArithMethods
from .methods.compare import CompareMethods
from .methods.extrema import ExtremaMethods
from .methods.habits import HabitMethods
from .methods.inplace import InplaceMethods
from .methods.math import MathMethods
from .methods.reduce import ReduceMethods
from .methods.shape import ShapeMethods
from .numpy_interop import NumpyInterop, conversion_message, keeps_gradient

__all__ = ["Tensor"]


def _promoted(dtype: np.dtype[Any], scalar: Any) -> np.dtype[Any]:
    """numpy's result dtype for an array of ``dtype`` with ``scalar`` (NEP 50 rules)."""
    return np.result_type(dtype, scalar)


class Tensor(
    ArithMethods,
    MathMethods,
    ReduceMethods,
    ExtremaMethods,
    ShapeMethods,
    CompareMethods,
    HabitMethods,
    InplaceMethods,
    NumpyInterop,
    TensorCore,
):
    """An n-dimensional array that records operations for reverse-mode autodiff.

    ``Tensor(data)`` copies ``data`` (like ``torch.tensor``); numpy arrays keep their dtype,
    Python numbers and lists become float32 (or int64 for integers), as in torch.
    Use ``from_numpy`` to share memory instead.

    Example::

        >>> x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        array([ 2., -4.])
    """

    __slots__ = ()  # the core's slots: data, grad, requires_grad, _ctx

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data = _as_array(data, dtype)
        self.grad = None
        self._ctx = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)
        if _engine_state.tracer is not None:  # tm.jit: where a tensor made in a step came from
            _engine_state.tracer.made(self, data, dtype)

    @classmethod
    def from_numpy(cls, array: np.ndarray, requires_grad: bool = False) -> Tensor:
        """Wrap ``array`` without copying: the Tensor and the array share memory."""
        if not isinstance(array, np.ndarray):
            raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
        if array.dtype.kind not in "biuf":  # the same rule as Tensor(): no complex, no strings
            raise TypeError(
                f"from_numpy needs numbers (bool, int or float), got dtype {array.dtype}"
            )
        t = cls._make(array, False)
        if requires_grad:
            t.requires_grad_(True)
        if _engine_state.tracer is not None:  # tm.jit: made in a step, from this array
            _engine_state.tracer.made(t, array, None)
        return t

    def detach(self) -> Tensor:
        """A new leaf that shares this tensor's data and is cut off from the graph."""
        return _nondiff.Detach.run(self)  # recorded, so that tm.jit replays it live

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``numpy.asarray(t)``: the data, for a tensor off the graph; refused on one on it.

        Every implicit conversion (``np.asarray``, ``arr[...] = t``, ``np.mean([x, y])``,
        ``W.dot(x)``, ...) lands here. A tensor that requires grad (in any grad mode, as in
        torch) or carries a ``tm.jvp`` tangent raises RuntimeError instead of silently
        dropping its gradient; ``t.detach().numpy()`` is the explicit way out.

        Example::

            >>> np.asarray(Tensor(np.array([1.0, 2.0])))
            array([1., 2.])
        """
        if keeps_gradient(self):
            raise RuntimeError(conversion_message("a numpy array"))
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __buffer__(self, flags: int) -> memoryview:
        """``memoryview(t)`` (Python 3.12+): the data's buffer, under ``__array__``'s rule."""
        if keeps_gradient(self):
            raise RuntimeError(conversion_message("a memoryview"))
        return self.data.data  # the array's memoryview

    def __iter__(self) -> Iterator[Tensor]:
        """The sub-tensors along the first axis, ``self[0], self[1], ...``, as in torch.

        A 0-d tensor has no first axis: iterating it raises TypeError (without this method
        Python would fall back on ``__getitem__`` and see an empty sequence, ``sum(t) == 0``).
        """
        if not self.data.ndim:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    # --- autodiff ---------------------------------------------------------------------
    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        *,
        grad: Any = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        ``gradient`` (torch's name; ``grad=`` is accepted too) is d(loss)/d(self); a scalar
        needs none (it is 1). The graph's buffers are released afterwards unless
        ``retain_graph=True``. With ``create_graph=True`` the gradients are Tensors with a
        graph of their own (and the graph is retained).
        """
        if grad is not None:
            if gradient is not None:
                raise TypeError("backward: pass gradient= or grad=, not both")
            gradient = grad
        _backward.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    # --- ops (each one is a node class in ops.py) ---------------------------------------
    def _lift(self, other: Any) -> Tensor:
        """Turn an operand into a Tensor; Python scalars take this tensor's float dtype."""
        if isinstance(other, Tensor):
            return other
        # numpy's promotion (NEP 50), the one rule for every operator, method and numpy call:
        # Python numbers are "weak" (float32 * 2.5 is float32, int32 + 1 is int32); numpy
        # scalars and arrays keep their dtype and promote (float32 * np.float64(2) is float64).
        kind = type(other)
        if kind in (int, float, bool) and self.data.dtype.kind == "f":  # the hot path
            return Tensor._make(np.asarray(other, dtype=self.data.dtype), False)
        if kind in (int, float):  # beside an int or bool tensor
            return Tensor._make(np.asarray(other, dtype=_promoted(self.data.dtype, other)), False)
        if isinstance(other, (np.ndarray, np.generic, int, float, bool, list, tuple)):
            return Tensor._make(np.asarray(other), False)
        raise TypeError(f"unsupported operand type for Tensor: {type(other).__name__}")

    def __add__(self, other: Any) -> Tensor:
        return _ops.Add.apply(self, self._lift(other))

    def __radd__(self, other: Any) -> Tensor:
        return _ops.Add.apply(self._lift(other), self)

    def __sub__(self, other: Any) -> Tensor:
        return _ops.Sub.apply(self, self._lift(other))

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.Sub.apply(self._lift(other), self)

    def __mul__(self, other: Any) -> Tensor:
        return _ops.Mul.apply(self, self._lift(other))

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.Mul.apply(self._lift(other), self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.Div.apply(self, self._lift(other))

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.Div.apply(self._lift(other), self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.MatMul.apply(self, self._lift(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.MatMul.apply(self._lift(other), self)

    def __pow__(self, exponent: Any) -> Tensor:
        if isinstance(exponent, (int, float, np.integer, np.floating)):
            # _lift's rule (float32 ** np.float64(2.5) is float64, float32 ** 2.5 float32, as in
            # numpy): cast the base to that dtype first (a Cast node), then a number exponent
            base = self
            if type(exponent) not in (int, float) or self.data.dtype.kind != "f":
                base = self.astype(_promoted(self.data.dtype, exponent))
            if isinstance(exponent, (int, np.integer)):  # int ** int stays int, as in numpy
                return _ops.Pow.apply(base, exponent=int(exponent))
            return _ops.Pow.apply(base, exponent=float(exponent))
        return _ops.Power.apply(self, self._lift(exponent))  # a tensor exponent

    def __rpow__(self, base: Any) -> Tensor:
        return _ops.Power.apply(self._lift(base), self)  # number ** Tensor

    def __neg__(self) -> Tensor:
        return _ops.Neg.apply(self)

    # Comparisons (== != < ...) give constant boolean tensors: tensor/methods/compare.py.
    __hash__ = object.__hash__  # tensors are graph nodes, hashed by identity (== is elementwise)

    def astype(self, dtype: Any) -> Tensor:
        """The values converted to ``dtype``; the gradient is converted back.

        To an integer or bool dtype the result is a constant (no gradient flows through
        rounding), so it does not require grad, as in torch.
        """
        dt = np.dtype(dtype)
        if dt == self.data.dtype:
            return self
        if dt.kind not in "biuf":
            raise TypeError(f"astype: a Tensor holds bool, int or float numbers, not {dt}")
        if dt.kind != "f":
            return _nondiff.IntCast.run(self, dtype=dt)  # recorded for tm.jit
        return _ops.Cast.apply(self, dtype=dt)

    def __getitem__(self, index: Any) -> Tensor:
        """``x[index]`` with numpy's indexing; repeated indices add up in the gradient.

        Example::

            >>> x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
            >>> x[[0, 0, 2]].sum().backward()
            >>> x.grad
            array([2., 0., 1.])
        """
        return _ops.Index.apply(self, index=_ops.plain_index(index))


# The class of every tensor the library makes: ops, backward's seeds and numpy interop make
# tensors through TensorCore._make_output (engine/tensor_core.py), set here, once, at import.
TensorCore._make_output = Tensor._make
