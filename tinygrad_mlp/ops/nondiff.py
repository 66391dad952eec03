"""Operations without a gradient (comparisons, predicates, argmax, integer casts, detach).

Their results never require grad, so no graph is recorded; they are still ops so that
``tm.jit`` records them and replays them live (a mask ``h > 0`` or an accuracy computed
with ``argmax`` is recomputed on every replay, never frozen). ``NoGrad.run`` is their
``apply``: the forward on the inputs' arrays, a constant result, and the tracer told.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine import state as _engine_state
from ..engine.tensor_core import TensorCore
from .base import Op

if TYPE_CHECKING:
    from ..tensor import Tensor

_data = attrgetter("data")

__all__ = ["NoGrad", "Elementwise", "ArgReduce", "Truth", "IntCast", "Detach", "Draw"]


class NoGrad(Op):
    """Base of the ops without a gradient: ``run`` computes, wraps and reports the result."""

    @classmethod
    def run(cls, *inputs: Any, **attrs: Any) -> Tensor:
        """The op's result as a constant tensor (no graph), reported to a tracing ``tm.jit``.

        Example::

            >>> x = Tensor(np.array([1.0, -1.0]))
            >>> Elementwise.run(x, Tensor(np.array(0.0)), fn=np.greater).numpy()
            array([ True, False])
        """
        op = cls()
        data = op.forward(*map(_data, inputs), **attrs)
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        # made as Op.apply makes its output (engine/tensor_core.py: _make_output)
        out: Any = (inputs[0] if inputs else TensorCore)._make_output(data, False)
        if _engine_state.tracer is not None:
            _engine_state.tracer.op(op, inputs, attrs, out)
        return out

    def backward(self, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        raise RuntimeError(f"{type(self).__name__} has no gradient")


class Elementwise(NoGrad):
    """``fn(*inputs)`` for a numpy ufunc ``fn`` (``np.greater``, ``np.isfinite``, ...).

    Example: ``Elementwise.run(x, y, fn=np.greater)`` is ``x > y`` as a bool tensor.
    """

    def forward(self, *arrays: np.ndarray, fn: Any) -> np.ndarray:
        return np.asarray(fn(*arrays))


class ArgReduce(NoGrad):
    """Index of the max (``fn=np.argmax``) or min along ``axis``, int64, ties to the first.

    Example: ``ArgReduce.run(x, fn=np.argmax, axis=1, keepdim=False)``.
    """

    def forward(self, x: np.ndarray, fn: Any, axis: int | None, keepdim: bool) -> np.ndarray:
        data = x if x.ndim else x.reshape(1)
        out = np.asarray(fn(data, axis=axis, keepdims=keepdim), dtype=np.int64)
        return out if x.ndim else out.reshape(())


class Truth(NoGrad):
    """Whether all (``fn=np.all``) or any (``fn=np.any``) entries along ``axis`` are
    non-zero: a bool tensor, recorded so that ``tm.jit`` recomputes it on every replay.

    Example: ``Truth.run(x, fn=np.all, axis=(1,), keepdims=False)``.
    """

    def forward(self, x: np.ndarray, fn: Any, axis: Any, keepdims: bool) -> np.ndarray:
        return np.asarray(fn(x, axis=axis, keepdims=keepdims))


class IntCast(NoGrad):
    """``x.astype(dtype)`` to an integer or bool dtype: rounding has no gradient.

    Example: ``IntCast.run(x, dtype=np.dtype(np.int64))``.
    """

    def forward(self, x: np.ndarray, dtype: np.dtype[Any]) -> np.ndarray:
        return x.astype(dtype)


class Detach(NoGrad):
    """The same array, cut off from the graph: ``x.detach()`` (memory is shared).

    Example: ``Detach.run(x).data is x.data``.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x


class Draw(NoGrad):
    """Samples ``generator.<method>(*args)`` converted to ``dtype``: a random tensor.

    Recorded, so that ``tm.jit`` draws from the same generator on every replay (a dropout
    mask made inside a step is new on every call, as eagerly).

    Example: ``Draw.run(generator=rng, method="random", args=((2, 3),), dtype=np.float32)``.
    """

    def forward(
        self, generator: np.random.Generator, method: str, args: tuple[Any, ...], dtype: Any
    ) -> np.ndarray:
        return np.asarray(getattr(generator, method)(*args)).astype(dtype)
