"""``tm.jit``: capture a training step once, replay it as straight numpy.

- :mod:`.api`: ``jit`` and the cache of traces per signature, with the verifying second call;
- :mod:`.capture`: the tracer the engine calls while a step runs eagerly;
- :mod:`.watch`: the tensors a trace watches (value reads and writes refused at the line);
- :mod:`.guards`: the Python state a step reads, guarded before every replay;
- :mod:`.trace`: the records of a trace, and how two traces are compared and resolved;
- :mod:`.plan`: a resolved trace compiled into kernels, and the replay;
- :mod:`.kernels`: fused kernels (Linear, LinearReLU, CrossEntropy); :mod:`.updates`: the
  optimizers' own step, and flat SGD; :mod:`.engine_step`: the engine's per-node helpers;
- :mod:`.state`: snapshots of what a step changes, compared bit for bit.

See docs/jit.md.
"""

from .api import Jitted, jit
from .trace import JitError

__all__ = ["jit", "Jitted", "JitError"]
