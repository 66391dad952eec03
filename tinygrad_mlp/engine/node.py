"""The node of the graph: an op with its forward and backward side by side.

Contract of a backward rule, ``backward(self, g, inputs, out)``:

- ``g`` is d(loss)/d(out); ``inputs`` are the op's inputs and ``out`` its output. On the
  plain path they are numpy arrays; when gradients are themselves differentiated
  (``create_graph=True``) they are Tensors. A rule is written once for both: with operators
  (``+ - * / @``), the methods arrays and Tensors share (``reshape``, ``sum``, ``swapaxes``,
  ``astype``, ``shape``), ``call`` for any other op, and ``data_of`` for a
  constant such as a mask. A rule never asks which of the two it was given.
- It returns one gradient per input, None where ``self.needs[i]`` is False. A gradient may be
  shaped like the *broadcast* input: the engine undoes broadcasting, in one place
  (``tinygrad_mlp.engine.graph.unbroadcast``). No rule sums axes for that purpose itself.
- It never mutates ``g`` and never returns the same new array for two inputs: the engine
  hands freshly allocated gradients to leaves without copying them.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from . import state as _state
from .anomaly import checked_forward
from .saved import Hold, hold
from .state import grad_mode as _grad_mode
from .tensor_core import TensorCore

if TYPE_CHECKING:  # the class of the tensors the library makes; no import at run time
    from ..tensor import Tensor

__all__ = [
    "Op",
    "Grad",
    "call",
    "data_of",
]

Grad = Any  # numpy array on the plain path, Tensor when a graph of the gradient is built

# C-level getters: Op.apply maps them over its inputs without a Python frame per op
_data = attrgetter("data")
_requires_grad = attrgetter("requires_grad")


class Op:
    """Base class of every differentiable operation."""

    parents: tuple[Tensor, ...] | None = None  # set per instance while recorded
    needs: tuple[bool, ...] = ()
    # while recorded: the input and output arrays of the forward (to catch a rebound .data),
    # and the Hold that keeps the arrays backward reads read-only (engine/saved.py)
    _saved: tuple[tuple[np.ndarray, ...], np.ndarray]
    _hold: Hold | None = None
    # Which arrays backward (on either path) reads: input indices, "out", "attrs" (array
    # attributes such as an index). They stay read-only while the graph is alive. None,
    # the safe default, means all of them; a narrower tuple is only an optimisation.
    saves: tuple[int | str, ...] | None = None

    @classmethod
    def apply(cls, *inputs: Any, **attrs: Any) -> Tensor:
        """Run ``forward`` on the inputs' data and, if any input requires grad, record it.

        The output is made by the first input's ``_make_output``: a ``tinygrad_mlp.Tensor``
        for the library's tensors (the engine names that class for the type checker only).
        """
        op = cls()
        arrays = tuple(map(_data, inputs))
        if _state.anomaly_active:  # records the user's line, checks the output (engine/anomaly.py)
            data = checked_forward(op, arrays, attrs)
        else:
            data = op.forward(*arrays, **attrs)
        if type(data) is not np.ndarray:
            data = np.asarray(data)  # numpy gives scalars, not 0-d arrays, for 0-d results
        needs = tuple(map(_requires_grad, inputs)) if _grad_mode.enabled else ()
        if True in needs:  # recorded: some input requires grad
            op.parents = inputs
            op.needs = needs
            out = inputs[0]._make_output(data, True)
            out._ctx = op
            # what backward will read stays unchanged until release (engine/saved.py)
            op._saved = (arrays, data)
            op._hold = hold(arrays, data, attrs, cls.saves)
        else:
            out = inputs[0]._make_output(data, False)
        if _grad_mode.tangents is not None:
            _push_tangent(op, inputs, out)
        if _state.tracer is not None:  # tm.jit is recording a step (engine/state.py)
            _state.tracer.op(op, inputs, attrs, out)
        return out

    def forward(self, *args: Any, **attrs: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad | None, ...]:
        raise NotImplementedError

    def jvp(
        self, tangents: Sequence[Any], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        """Forward mode: the output's tangent from the inputs' tangents (None for a constant:
        its term is skipped, never multiplied by a zero tangent; see ``tangents``).

        Written from the op's own derivative, not by transposing ``backward``, so that
        ⟨u, J v⟩ (forward) against ⟨J^T u, v⟩ (reverse) is a real check of both.
        """
        raise NotImplementedError(f"{type(self).__name__} has no forward-mode (jvp) rule")

    def release(self) -> None:
        """Drop the inputs and every saved buffer, so the graph behind this node can be freed."""
        self.__dict__.clear()  # class attribute `parents = None` now marks it released

    @property
    def released(self) -> bool:
        return self.parents is None


def _push_tangent(op: Op, inputs: tuple[TensorCore, ...], out: TensorCore) -> None:
    """Forward mode: give ``out`` its tangent from its inputs' (None means zero)."""
    tangents = _grad_mode.tangents
    assert tangents is not None and _grad_mode.alive is not None
    given = [tangents.get(id(t)) for t in inputs]
    if all(t is None for t in given):
        return  # a constant: its tangent is zero and is never stored
    # None, not zeros, for a constant: the rule skips its term (ops/tangents.py), so a
    # non-finite partial of a constant never meets a zero tangent (0 * inf = NaN)
    tangent = op.jvp(given, [t.data for t in inputs], out.data)
    tangents[id(out)] = np.array(np.broadcast_to(tangent, out.shape), dtype=out.dtype)
    _grad_mode.alive.append(out)


def call(op: type[Op], *args: Grad, **attrs: Any) -> Grad:
    """Run ``op`` inside a backward rule: on arrays its forward alone, on Tensors recorded.

    This is how a rule uses any op and stays differentiable: on the plain path the result is
    an array, under ``create_graph=True`` a node of the gradient's graph.

    Example::

        >>> from tinygrad_mlp.ops import Exp
        >>> call(Exp, np.zeros(2))
        array([1., 1.])
    """
    for t in args:
        if isinstance(t, TensorCore):  # arrays are lifted with the class of a Tensor argument
            make = t._make_output
            lifted = [a if isinstance(a, TensorCore) else make(np.asarray(a), False) for a in args]
            return op.apply(*lifted, **attrs)
    return op().forward(*args, **attrs)


def data_of(x: Grad) -> np.ndarray:
    """The numpy data behind an array or a Tensor: for masks and other constants of a rule."""
    return x.data if isinstance(x, TensorCore) else x
