"""The engine: the Tensor's graph core, the graph node, reverse mode, grad mode, saved arrays.

- ``tensor_core``: ``TensorCore``, a numpy array that remembers the op that made it;
- ``node``: ``Op``, the graph node (``apply``, ``release``, ``call``, ``data_of``);
- ``state``: all of the engine's per-thread and process-wide state;
- ``grad_mode``: ``no_grad`` / ``enable_grad``, per thread;
- ``graph``: the topological sort, and ``unbroadcast`` (the one place broadcasting is undone);
- ``backward`` and ``chain``: the backward loop, ``grad``, one node's step;
- ``saved``: arrays a live graph holds stay read-only; ``anomaly``: ``detect_anomaly``.

The engine imports nothing above it. The op classes are in ``tinygrad_mlp.ops``; the
public ``Tensor`` with its operators and methods, the creation functions, numpy interop,
``jvp``, ``hvp`` and ``hessian`` are in ``tinygrad_mlp.tensor``.
"""

from .backward import grad
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .graph import toposort, unbroadcast
from .node import Op
from .tensor_core import TensorCore

__all__ = [
    "TensorCore",
    "Op",
    "grad",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "toposort",
    "unbroadcast",
]
