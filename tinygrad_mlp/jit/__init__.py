"""``tm.jit``: capture a training step once, replay it as straight numpy.

- :mod:`.api`: ``jit`` and the cache of traces per signature, with the verifying second call;
- :mod:`.capture`: the tracer the engine calls while a step runs eagerly;
- :mod:`.trace`: the records of a trace, and how two traces are compared and resolved;
- :mod:`.plan`: a resolved trace compiled into kernels, and the replay;
- :mod:`.kernels`, :mod:`.updates`: fused kernels (Linear, LinearReLU, CrossEntropy; SGD);
- :mod:`.state`: snapshots of what a step changes, compared bit for bit.

See docs/jit.md.
"""

from .api import Jitted, jit
from .trace import JitError

__all__ = ["jit", "Jitted", "JitError"]
