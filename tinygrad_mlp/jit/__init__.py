"""``tm.jit``: capture a training step once, replay it as straight numpy.

- ``api``: ``jit`` and the cache of traces per signature, with the verifying second call;
- ``capture``: the tracer the engine calls while a step runs eagerly;
- ``trace``: the records of a trace, and how two traces are compared and resolved;
- ``plan``: a resolved trace compiled into kernels, and the replay;
- ``kernels``, ``updates``: fused kernels (Linear, LinearReLU, CrossEntropy; SGD);
- ``state``: snapshots of what a step changes, compared bit for bit.

See docs/jit.md.
"""

from .api import Jitted, jit
from .trace import JitError

__all__ = ["jit", "Jitted", "JitError"]
