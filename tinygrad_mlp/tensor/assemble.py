"""Tensors assembled from tensors and arrays: cat, stack, pad, where and the ``*_like`` fills.

``tinygrad_mlp.functional`` (``F.cat``, ``F.where``, ...), the creation functions
(``tm.zeros_like``, ...) and numpy interop (``np.concatenate(..)``, ``np.where(..)`` on
Tensors) all use these, so they sit below the ``Tensor`` class and import only the engine
and ``ops``: arrays are lifted with ``TensorCore._make_output``, the public class's ``_make``
(``tinygrad_mlp/tensor/tensor.py`` sets it when it defines ``Tensor``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .. import ops
from ..engine import state as _engine_state
from ..engine.tensor_core import TensorCore
from ..utils.axes import normalize_axis
from .methods.dims import pick_axis

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["cat", "stack", "pad", "where", "leaf", "zeros_like", "ones_like", "full_like"]


def _lift(x: Any) -> Tensor:
    """``x`` as a tensor: Tensors as they are, arrays and numbers as constants."""
    if isinstance(x, TensorCore):
        return cast("Tensor", x)  # every tensor the library makes is a Tensor
    made: Tensor = TensorCore._make_output(np.asarray(x), False)
    return made


def _tensors(tensors: Any, who: str) -> list[Tensor]:
    """The sequence as Tensors (arrays and numbers become constants); not empty."""
    if isinstance(tensors, (TensorCore, np.ndarray)) or not isinstance(tensors, Sequence):
        raise TypeError(f"{who}: expects a sequence of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{who}: expects a non-empty sequence of tensors")
    return [_lift(t) for t in tensors]


def cat(tensors: Sequence[Any], dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """The tensors joined along ``dim`` (0 by default); every other size must match.

    dtypes promote as in numpy; each input's gradient is its block of the output's.

    Example::

        >>> a, b = Tensor(np.zeros((1, 2))), Tensor(np.ones((2, 2)))
        >>> tm.cat([a, b]).shape, tm.cat([b, b], dim=1).shape
        ((3, 2), (2, 4))
    """
    ts = _tensors(tensors, "cat")
    d = pick_axis(axis, dim, "cat")
    d = 0 if d is None else normalize_axis(d, max(ts[0].ndim, 1), "cat")
    return ops.Cat.apply(*ts, axis=d)


def stack(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """The tensors, all of one shape, along a new axis ``dim``.

    Example::

        >>> tm.stack([Tensor(np.zeros(3)), Tensor(np.ones(3))], dim=1).shape
        (3, 2)
    """
    ts = _tensors(tensors, "stack")
    for i, t in enumerate(ts):
        if t.shape != ts[0].shape:
            raise ValueError(f"stack: tensor {i} has shape {t.shape}, tensor 0 has {ts[0].shape}")
    d = normalize_axis(dim, ts[0].ndim + 1, "stack")
    return ops.Cat.apply(*[t.unsqueeze(d) for t in ts], axis=d)


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """x padded with ``value``: ``pad`` lists (before, after) pairs from the LAST axis
    backwards, as torch's ``F.pad`` ((1, 2) pads the last axis, (1, 2, 0, 1) the last two).

    Only ``mode="constant"`` and non-negative widths (torch crops for negative ones: use
    slicing). d/dx is 1 on the interior; the padding is constant.

    Example::

        >>> F.pad(Tensor(np.ones((1, 2))), (1, 0)).numpy()
        array([[0., 1., 1.]])
    """
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got {mode!r}")
    widths = [int(w) for w in pad]
    if len(widths) % 2 or len(widths) > 2 * x.ndim:
        raise ValueError(
            f"pad: needs pairs (before, after) for at most {x.ndim} axes, got {tuple(pad)}"
        )
    if any(w < 0 for w in widths):
        raise ValueError(f"pad: widths must be >= 0, got {tuple(pad)}")
    box = [(0, 0)] * x.ndim
    for k in range(len(widths) // 2):
        box[x.ndim - 1 - k] = (widths[2 * k], widths[2 * k + 1])
    return ops.Pad.apply(x, widths=tuple(box), value=value)


def where(condition: Any, x: Any, other: Any) -> Tensor:
    """x where ``condition`` (a bool tensor or array) holds, else ``other``; either value
    may be a number. d/dx = 1 where the condition holds, else 0; d/dother the rest.

    >>> F.where(Tensor(np.array([True, False])), Tensor(np.array([1.0, 2.0])), 0.0).numpy()
    array([1., 0.])
    """
    ref = x if isinstance(x, TensorCore) else other
    if not isinstance(ref, TensorCore):
        raise TypeError("where: x or other must be a Tensor")
    lift = ref._lift  # type: ignore[attr-defined]  # the operators' promotion rule (Tensor)
    return ops.Where.apply(_lift(condition), lift(x), lift(other))


def leaf(data: np.ndarray, requires_grad: bool) -> Tensor:
    """A new leaf Tensor holding ``data`` (not copied), reported to a tracing ``tm.jit``.

    Example: ``leaf(np.zeros(2), False).shape`` is ``(2,)``.
    """
    t: Tensor = TensorCore._make_output(data, False)
    tracer = _engine_state.tracer
    if tracer is not None:  # tm.jit: made from Python values (sizes, a fill value)
        tracer.made(t, 0, None)
    return t.requires_grad_(True) if requires_grad else t  # floats only: a clear TypeError


def _like(x: Any, dtype: Any) -> tuple[tuple[int, ...], np.dtype[Any]]:
    arr = x.data if isinstance(x, TensorCore) else np.asarray(x)
    return arr.shape, np.dtype(dtype) if dtype is not None else arr.dtype


def zeros_like(x: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape and (unless ``dtype``) the dtype of ``x``; never on x's graph.

    Example: ``zeros_like(np.ones((2, 3))).shape`` is ``(2, 3)``.
    """
    shape, dt = _like(x, dtype)
    return leaf(np.zeros(shape, dtype=dt), requires_grad)


def ones_like(x: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape and (unless ``dtype``) the dtype of ``x``.

    Example: ``ones_like(np.zeros(2)).numpy()`` is ``[1., 1.]``.
    """
    shape, dt = _like(x, dtype)
    return leaf(np.ones(shape, dtype=dt), requires_grad)


def full_like(x: Any, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, with the shape and (unless ``dtype``) the dtype of ``x``.

    Example: ``full_like(np.zeros(2), 7.0).numpy()`` is ``[7., 7.]``.
    """
    shape, dt = _like(x, dtype)
    return leaf(np.full(shape, fill_value, dtype=dt), requires_grad)
