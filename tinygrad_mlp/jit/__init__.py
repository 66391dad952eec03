"""``tm.jit``: capture a training step once, replay it as straight numpy.

- ``api``: ``jit`` and the cache of traces per signature, with the verifying second call;
- ``capture``: the tracer the engine calls while a step runs eagerly;
- ``watch``: the tensors a trace watches (value reads and writes refused at the line);
- ``guards``: the Python state a step reads, guarded before every replay;
- ``trace``: the records of a trace, and how two traces are compared and resolved;
- ``plan``: a resolved trace compiled into kernels, and the replay;
- ``kernels``: fused kernels (Linear, LinearReLU, CrossEntropy); ``updates``: the
  optimizers' own step, and flat SGD;
- ``state``: snapshots of what a step changes, compared bit for bit.

See docs/jit.md.
"""

from .api import Jitted, jit
from .trace import JitError

__all__ = ["jit", "Jitted", "JitError"]
