"""The engine: the Tensor, its graph, reverse mode, grad mode, forward mode and higher order.

- ``tensor``: the Tensor, a numpy array that remembers the op that made it;
- ``grad_mode``: ``no_grad`` / ``enable_grad``, per thread;
- ``graph``: the topological sort, and ``unbroadcast`` (the one place broadcasting is undone);
- ``backward``: the backward loop, ``Tensor.backward`` and ``grad``;
- ``forward_ad``: forward mode, ``jvp``;
- ``higher_order``: ``hvp`` and ``hessian``, reverse over reverse.

The ops themselves, one class each, are in ``tinygrad_mlp.ops``.
"""

from .backward import grad
from .forward_ad import jvp
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .graph import toposort, unbroadcast
from .higher_order import hessian, hvp
from .tensor import Tensor

__all__ = [
    "Tensor",
    "grad",
    "jvp",
    "hvp",
    "hessian",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "toposort",
    "unbroadcast",
]
