"""The rule contract every op class builds on, re-exported from the engine.

The graph node ``Op`` (``apply``, ``release``, ``forward`` / ``backward(g, inputs, out)`` /
``jvp``), ``call`` and ``data_of`` live in ``tinygrad_mlp.engine.node``: the engine owns the
node, and ``ops`` only defines op classes on top of it. ``from tinygrad_mlp.ops.base import
Op`` keeps working; the contract of a backward rule is written in ``engine/node.py``.
"""

from ..engine import node
from ..engine.node import *  # noqa: F403
from ..utils import axes
from ..utils.axes import *  # noqa: F403

# the node's names and the axis helpers a rule uses, as exported where they live
__all__: list[str] = []
__all__ += node.__all__
__all__ += axes.__all__
