"""Elementwise functions of several tensors: F.maximum, F.minimum, F.where, F.clamp, F.lerp,
F.pow.

Each applies one op (``tinygrad_mlp.ops.binary``), broadcasting and promoting dtypes as
numpy does. Where torch and numpy differ these follow torch: ``where`` wants a bool
condition, ``clamp`` passes the gradient at its bounds, ``maximum``/``minimum`` split it
1/2, 1/2 at a tie.
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from ..tensor.assemble import where
from .elementwise import check_tensor

__all__ = ["clamp", "clip", "maximum", "minimum", "where", "lerp", "pow"]


def clamp(x: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """min(max(x, min), max), bounds numbers or Tensors, either one None.

    d/dx = 1 for min <= x <= max, bounds included (torch 2.14 gives 0 at a bound), else 0;
    a Tensor bound gets the gradient where it is the output (``ClampTensor``).

    >>> F.clamp(Tensor(np.array([-2.0, 0.5, 3.0])), min=0.0, max=1.0).numpy()
    array([0. , 0.5, 1. ])
    """
    return check_tensor(x, "clamp").clamp(min, max)


def clip(x: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """The same as ``clamp`` (torch's alias).

    >>> F.clip(Tensor(np.array([-2.0, 3.0])), max=1.0).numpy()
    array([-2.,  1.])
    """
    return check_tensor(x, "clip").clamp(min, max)


def maximum(x: Tensor, other: Any) -> Tensor:
    """max(x, other) elementwise, broadcast; a tie x = other splits the gradient 1/2, 1/2.

    >>> F.maximum(Tensor(np.array([1.0, 5.0])), Tensor(np.array([3.0, 2.0]))).numpy()
    array([3., 5.])
    """
    return check_tensor(x, "maximum").maximum(other)


def minimum(x: Tensor, other: Any) -> Tensor:
    """min(x, other) elementwise, broadcast; a tie x = other splits the gradient 1/2, 1/2.

    >>> F.minimum(Tensor(np.array([1.0, 5.0])), Tensor(np.array([3.0, 2.0]))).numpy()
    array([1., 2.])
    """
    return check_tensor(x, "minimum").minimum(other)


def lerp(start: Tensor, end: Any, weight: Any) -> Tensor:
    """start + weight (end - start); d/dstart = 1 - w, d/dend = w, d/dweight = end - start.

    >>> F.lerp(Tensor(np.array([0.0, 10.0])), Tensor(np.array([1.0, 20.0])), 0.5).numpy()
    array([ 0.5, 15. ])
    """
    return check_tensor(start, "lerp").lerp(end, weight)


def pow(x: Any, exponent: Any) -> Tensor:
    """x ** exponent, either one a number (not both); int ** int stays int, as numpy.

    d/dx = p x^(p-1) (0 where p = 0); d/dp = x^p log x (0 where x = 0 and p >= 0), as torch.

    >>> F.pow(2.0, Tensor(np.array([3.0]))).numpy()
    array([8.])
    """
    if isinstance(x, Tensor):
        return x**exponent
    if isinstance(exponent, Tensor):
        return exponent.__rpow__(x)
    raise TypeError("pow: x or exponent must be a Tensor")
