"""All of the engine's mutable state, in one module: first per thread, then process-wide.

Per thread (``threading.local``; each thread starts from the class defaults):

- ``grad_mode``: whether ops record a graph (``no_grad`` / ``enable_grad``), and the
  forward-mode tangent table while ``tm.jvp`` runs (``engine/grad_mode.py`` drives it);
- ``anomaly_mode``: whether ``detect_anomaly`` is on, the values it replaced, and the op
  whose backward rule is running (``engine/anomaly.py`` drives it).

Process-wide (shared by every thread, so each is changed under a lock or by one owner):

- ``anomaly_active``: how many threads have anomaly mode on, a cache of the per-thread
  flags that ``Op.apply`` reads as one module attribute (~15 ns) instead of a thread-local
  one (~70 ns); changed only under ``anomaly_lock``;
- ``saved_count`` / ``saved_version`` / ``saved_lock``: which arrays live graphs hold
  read-only and how often each was updated through ``writing`` (``engine/saved.py``);
- ``tracer``: tm.jit's recorder while it traces a step (``jit/capture.py``), else None; the
  ops, backward, ``zero_grad`` and the optimizers' step report to it. One module attribute
  read per op while nothing is traced; ``tm.jit`` sets it under its trace lock;
- the class the library makes tensors with, ``TensorCore._make_output``
  (``engine/tensor_core.py``): set once, when ``tinygrad_mlp.tensor`` defines ``Tensor``.

Randomness is no state of the engine: it comes from an explicit ``numpy.random.Generator``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor_core import TensorCore

__all__ = [
    "grad_mode",
    "anomaly_mode",
    "anomaly_active",
    "anomaly_lock",
    "saved_count",
    "saved_version",
    "saved_lock",
    "tracer",
]


# --- per thread ------------------------------------------------------------------------
class GradModeState(threading.local):
    """Whether ops record the graph: per thread, like torch's grad mode.

    ``tangents`` is set only inside ``tm.jvp``: the tangent of each tensor computed there,
    by id (``alive`` keeps those tensors, so no id is reused).
    """

    enabled = True
    tangents: dict[int, np.ndarray] | None = None
    alive: list[TensorCore] | None = None


class AnomalyState(threading.local):
    """Whether anomaly mode is on, the values it replaced (for nesting), and the op whose
    backward rule is running (so an op recorded inside a rule says so)."""

    enabled = False
    in_backward_of: str | None = None

    def __init__(self) -> None:
        self.saved: list[bool] = []


grad_mode = GradModeState()
anomaly_mode = AnomalyState()

# --- process-wide ----------------------------------------------------------------------
anomaly_active = 0  # threads with anomaly mode on; changed only under anomaly_lock
anomaly_lock = threading.Lock()

# id(array) -> how many live Holds froze it; each Hold keeps its arrays alive, so no id is
# reused while counted
saved_count: dict[int, int] = {}
# id(array) -> its version, bumped by writing(); only arrays updated while held are listed
saved_version: dict[int, int] = {}
# graphs are built and freed from several threads, and a Hold may be freed by the garbage
# collector inside a locked region of the same thread
saved_lock = threading.RLock()

# tm.jit's recorder while it traces a step, else None (set only under the jit's trace lock)
tracer: Any = None
