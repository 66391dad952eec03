"""Tensor methods for elementwise math and activations: each one applies one op.

The unary math is in ``unary``, the activations in ``activations``; this module adds the
functions of several tensors (clamp, maximum, where, lerp) and softmax along a dim.

Formulas, derivatives and the convention at each kink are in the op classes
(``tinygrad_mlp.ops``) and in ``tinygrad_mlp.functional``, whose functions these
methods are; names and defaults follow torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ... import ops as _ops
from .activations import ActivationMethods
from .dims import pick_axis, torch_dims
from .unary import UnaryMathMethods

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["MathMethods", "along"]


def along(op: Any, x: Any, dim: int | None, axis: int | None, who: str) -> Tensor:
    """``op`` (softmax or log-softmax) along torch's ``dim`` or numpy's ``axis`` (default -1).

    As torch, dim 0 or -1 of a 0-d tensor is its one element; numpy's ``axis=`` keeps numpy's
    rule (a 0-d array has no axis 0).

    Example::

        >>> along(_ops.Softmax, Tensor(np.zeros(2)), None, None, "softmax").numpy()
        array([0.5, 0.5])
    """
    a = pick_axis(axis, dim, who)
    a = -1 if a is None else a
    if axis is None and x.ndim == 0:
        torch_dims(a, 0, who)  # only 0 and -1 are in range
        return _ops.Reshape.apply(op.apply(_ops.Reshape.apply(x, shape=(1,)), axis=0), shape=())
    return op.apply(x, axis=a)


def _number_or_none(b: Any) -> bool:
    return b is None or isinstance(b, (int, float, np.integer, np.floating))


class MathMethods(UnaryMathMethods, ActivationMethods):
    """Elementwise math (unary: ``UnaryMathMethods``), activations and the functions of
    several tensors, mixed into ``Tensor``."""

    __slots__ = ()

    if TYPE_CHECKING:  # what the methods use of the Tensor they are mixed into

        @property
        def data(self) -> np.ndarray: ...
        @property
        def shape(self) -> tuple[int, ...]: ...
        @property
        def ndim(self) -> int: ...
        def _lift(self, other: Any) -> Tensor: ...

    # --- several tensors ----------------------------------------------------------------
    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """min(max(x, min), max); either bound may be None, a number or a Tensor."""
        if _number_or_none(min) and _number_or_none(max):
            return _ops.Clamp.apply(self, min=min, max=max)
        bounds = [self._lift(b) for b in (min, max) if b is not None]
        return _ops.ClampTensor.apply(
            self, *bounds, has_min=min is not None, has_max=max is not None
        )

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        """The same as ``clamp`` (torch's alias)."""
        return self.clamp(min, max)

    def maximum(self, other: Any) -> Tensor:
        """Elementwise max(self, other); a tie splits the gradient equally (as torch)."""
        return _ops.Maximum.apply(self, self._lift(other))

    def minimum(self, other: Any) -> Tensor:
        """Elementwise min(self, other); a tie splits the gradient equally (as torch)."""
        return _ops.Minimum.apply(self, self._lift(other))

    def where(self, condition: Any, other: Any) -> Tensor:
        """self where ``condition`` (a bool tensor) holds, else ``other`` (torch's order)."""
        return _ops.Where.apply(self._lift(condition), self, self._lift(other))

    def lerp(self, end: Any, weight: Any) -> Tensor:
        """self + weight * (end - self); ``weight`` a number or a Tensor."""
        return _ops.Lerp.apply(self, self._lift(end), self._lift(weight))

    def softmax(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """exp(x) / sum(exp(x)) along ``dim`` (torch) or ``axis`` (numpy), -1 by default,
        computed stably. On a 0-d tensor dim 0 or -1 is its one element (softmax is 1).

        Example::

            >>> Tensor(np.zeros((1, 2))).softmax(dim=1).numpy()
            array([[0.5, 0.5]])
            >>> Tensor(np.array(3.0)).softmax(0).item()
            1.0
        """
        return along(_ops.Softmax, self, dim, axis, "softmax")

    def log_softmax(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """x - log(sum(exp(x))) along ``dim`` (or ``axis``), -1 by default, by log-sum-exp
        (never log(0)); the axis rules of ``softmax``."""
        return along(_ops.LogSoftmax, self, dim, axis, "log_softmax")

    def softmin(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """softmax(-x) along ``dim`` (or ``axis``), -1 by default."""
        return along(_ops.Softmax, _ops.Neg.apply(self), dim, axis, "softmin")
