"""The node of the graph: an op with its forward and backward side by side.

Contract of a backward rule, ``backward(self, g, inputs, out)``:

- ``g`` is d(loss)/d(out); ``inputs`` are the op's inputs and ``out`` its output. On the
  plain path they are numpy arrays; when gradients are themselves differentiated they are
  Tensors, so a rule is written with operators and the helpers below, which work on both.
  Shortcuts that only make sense on arrays (in-place updates, saved buffers) sit behind
  ``isinstance(g, np.ndarray)``.
- It returns one gradient per input, None where ``self.needs[i]`` is False. A gradient may be
  shaped like the *broadcast* input: the engine undoes broadcasting, in one place
  (:func:`tinygrad_mlp.autograd.unbroadcast`). No rule sums axes for that purpose itself.
- It never mutates ``g`` and never returns the same new array for two inputs: the engine
  hands freshly allocated gradients to leaves without copying them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..grad_mode import _grad_mode
from ..tensor import Tensor

__all__ = [
    "Op",
    "Grad",
    "normalize_axes",
    "reduced_count",
    "keep_shape",
    "expand",
    "exp",
    "data_of",
    "swap_last",
    "permute",
]

Grad = Any  # numpy array on the plain path, Tensor when a graph of the gradient is built


class Op:
    """Base class of every differentiable operation."""

    parents: tuple[Tensor, ...] | None = None  # set per instance while recorded
    needs: tuple[bool, ...] = ()

    @classmethod
    def apply(cls, *inputs: Tensor, **attrs: Any) -> Tensor:
        """Run ``forward`` on the inputs' data and, if any input requires grad, record it."""
        op = cls()
        data = op.forward(*[t.data for t in inputs], **attrs)
        if type(data) is not np.ndarray:
            data = np.asarray(data)  # numpy gives scalars, not 0-d arrays, for 0-d results
        out = None
        if _grad_mode.enabled:
            for t in inputs:
                if t.requires_grad:
                    op.parents = inputs
                    op.needs = tuple([t.requires_grad for t in inputs])
                    out = Tensor._make(data, True)
                    out._ctx = op
                    break
        if out is None:
            out = Tensor._make(data, False)
        if _grad_mode.tangents is not None:
            _push_tangent(op, inputs, out)
        return out

    def forward(self, *args: Any, **attrs: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad | None, ...]:
        raise NotImplementedError

    def jvp(
        self, tangents: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        """Forward mode: the output's tangent from the inputs' tangents (zeros for constants).

        Written from the op's own derivative, not by transposing ``backward``, so that
        <u, J v> (forward) against <J^T u, v> (reverse) is a real check of both.
        """
        raise NotImplementedError(f"{type(self).__name__} has no forward-mode (jvp) rule")

    def release(self) -> None:
        """Drop the inputs and every saved buffer, so the graph behind this node can be freed."""
        self.__dict__.clear()  # class attribute `parents = None` now marks it released

    @property
    def released(self) -> bool:
        return self.parents is None


def _push_tangent(op: Op, inputs: tuple[Tensor, ...], out: Tensor) -> None:
    """Forward mode: give ``out`` its tangent from its inputs' (None means zero)."""
    tangents = _grad_mode.tangents
    assert tangents is not None and _grad_mode.alive is not None
    given = [tangents.get(id(t)) for t in inputs]
    if all(t is None for t in given):
        return  # a constant: its tangent is zero and is never stored
    ts = [
        np.zeros(x.shape, dtype=x.dtype if x.dtype.kind == "f" else out.dtype) if t is None else t
        for x, t in zip((i.data for i in inputs), given, strict=True)
    ]
    tangent = op.jvp(ts, [t.data for t in inputs], out.data)
    tangents[id(out)] = np.array(np.broadcast_to(tangent, out.shape), dtype=out.dtype)
    _grad_mode.alive.append(out)


def normalize_axes(ndim: int, axis: int | Sequence[int] | None) -> tuple[int, ...]:
    """Axes as a sorted tuple of non-negative ints; None means all axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(int(a) % ndim)
    return tuple(sorted(set(out)))


def reduced_count(shape: tuple[int, ...], axis: int | Sequence[int] | None) -> int:
    """How many elements a reduction over ``axis`` combines into each output element."""
    count = 1
    for a in normalize_axes(len(shape), axis):
        count *= shape[a] if shape else 1
    return count


def keep_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced ``axes`` kept as size 1 (numpy's keepdims=True shape)."""
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def expand(g: Grad, shape: tuple[int, ...]) -> Grad:
    """Broadcast ``g`` to ``shape`` (a read-only view for arrays, a node for Tensors)."""
    if isinstance(g, np.ndarray):
        return np.broadcast_to(g, shape)
    return g.broadcast_to(shape)


def exp(x: Grad) -> Grad:
    """e**x for an array or a Tensor."""
    return np.exp(x) if isinstance(x, np.ndarray) else x.exp()


def data_of(x: Grad) -> np.ndarray:
    """The numpy data behind an array or a Tensor (for masks, which carry no gradient)."""
    return x if isinstance(x, np.ndarray) else x.data


def swap_last(x: Grad) -> Grad:
    """Swap the last two axes (a matrix transpose over a stack of matrices)."""
    return x.swapaxes(-1, -2) if isinstance(x, np.ndarray) else x.transpose(-1, -2)


def permute(x: Grad, perm: tuple[int, ...]) -> Grad:
    """Reorder the axes of an array or a Tensor."""
    return np.transpose(x, perm) if isinstance(x, np.ndarray) else x.permute(perm)
