"""The engine's per-node backward step, as the jit's generic kernels use it.

One place for the engine internals the replay shares with eager mode, so that a generic
kernel does exactly what ``engine/backward.py`` does for one node: ``conform`` brings a
gradient to its input's shape and dtype (broadcasting undone by ``unbroadcast``, in the
engine's one place), ``deliver`` hands a leaf its gradient (kept, copied or added in place).

TODO(engine17): engine/backward.py is getting a public per-node step (``node_step``); when
it is merged, ``generic_backward`` calls it and this adapter goes.
"""

from __future__ import annotations

from ..engine.backward import _conform as conform
from ..engine.backward import _deliver as deliver

__all__ = ["conform", "deliver"]
