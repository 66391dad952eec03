"""What ``Tensor(data)`` makes of ``data``: a new array, and the refusals on the way.

Python numbers and lists become float32 (int64 for integers) as in torch; numpy arrays and
Tensors keep their dtype. A list holding a Tensor that requires grad is refused: copying it
would silently cut the values from the graph (``tm.stack`` keeps them on it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor_core import TensorCore

__all__ = ["as_array"]


def as_array(data: Any, dtype: Any) -> np.ndarray:
    """Copy ``data`` into a fresh array; Python floats become float32 as in torch.

    Example::

        >>> as_array([1.0, 2.0], None).dtype, as_array(np.ones(2), None).dtype
        (dtype('float32'), dtype('float64'))
    """
    if isinstance(data, TensorCore):
        data = data.data
    if isinstance(data, np.ndarray) or isinstance(data, np.generic):
        arr = np.array(data, dtype=dtype, copy=True, order="C")
    else:
        holds_float64 = False
        if isinstance(data, (list, tuple)):
            data, holds_float64 = _unwrap(data)  # numpy cannot read a list of 0-d Tensors
        arr = np.array(data, dtype=dtype, order="C")
        if dtype is None and arr.dtype == np.float64 and not holds_float64:
            arr = arr.astype(np.float32)  # Python floats; a float64 Tensor in a list stays
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Tensor needs numbers (bool, int or float), got dtype {arr.dtype}")
    return arr


def _unwrap(data: list[Any] | tuple[Any, ...]) -> tuple[list[Any], bool]:
    """A (nested) list or tuple with each Tensor in it replaced by its array, and whether
    one of them was float64 (then the result stays float64, as in torch); raise if one of
    them requires grad.

    ``Tensor([a * 2, a * 3])`` copies the numbers and would silently cut them from the graph
    (torch only warns): the differentiable way is ``tm.stack``.
    """
    wide = False
    out: list[Any] = []
    for v in data:
        if isinstance(v, TensorCore):
            if v.requires_grad:
                raise TypeError(
                    "Tensor(a list holding a Tensor that requires grad) would copy its values "
                    "and detach them from the graph: use tm.stack([...]) (or tm.cat) to build "
                    "a tensor from tensors with gradients, or .detach() the elements to copy "
                    "the values on purpose"
                )
            out.append(v.data)
            wide = wide or v.data.dtype == np.float64
        elif isinstance(v, (list, tuple)):
            inner, inner_wide = _unwrap(v)
            out.append(inner)
            wide = wide or inner_wide
        else:
            out.append(v)
    return out, wide
