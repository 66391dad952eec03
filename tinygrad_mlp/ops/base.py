"""The rule contract every op class builds on, re-exported from the engine.

The graph node ``Op`` (``apply``, ``release``, ``forward`` / ``backward(g, inputs, out)`` /
``jvp``), ``call`` and ``data_of`` live in ``tinygrad_mlp.engine.node``: the engine owns the
node, and ``ops`` only defines op classes on top of it. ``from tinygrad_mlp.ops.base import
Op`` keeps working; the contract of a backward rule is written in ``engine/node.py``.
"""

from ..engine.node import Grad, Op, call, data_of
from ..utils.axes import keep_shape, normalize_axes, normalize_axis, reduced_count

__all__ = [
    "Op",
    "Grad",
    "call",
    "data_of",
    "normalize_axes",
    "normalize_axis",
    "reduced_count",
    "keep_shape",
]
