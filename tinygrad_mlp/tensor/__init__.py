"""The public Tensor and what makes tensors: the layer above ``ops``.

- ``tensor``: ``Tensor``, the engine's ``TensorCore`` with a constructor and the operators;
- ``methods``: its methods, one mixin per family (arithmetic, math, reductions, shape, ...);
- ``numpy_interop``: numpy functions and ufuncs called on Tensors;
- ``creation``: ``zeros``, ``ones``, ``arange``, random tensors, ...;
- ``forward_ad`` and ``higher_order``: ``jvp``, ``hvp`` and ``hessian``.
"""

from .tensor import Tensor

__all__ = ["Tensor"]
