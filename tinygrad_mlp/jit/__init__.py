"""``tm.jit``: capture a training step once, replay it as straight numpy.

- ``api``: ``jit`` and the cache of traces per signature (``signature``), with the
  verifying second call and the re-verifications of calls 4, 8, 16, ...;
- ``capture``: the tracer the engine calls while a step runs eagerly;
- ``watch``: the tensors a trace watches (value reads and writes refused at the line);
- ``guards``: the Python state a step reads, guarded before every replay (``reads``: what
  a function's bytecode reads);
- ``trace``: the records of a trace, and how two traces are compared and resolved;
- ``plan``: a resolved trace as kernels over named ``slots``, and the replay; ``build``:
  records into kernels; ``results``: what a replay returns; ``entry``: the generated
  entry checking the signature and guards;
- ``kernels``: fused kernels (Linear, LinearReLU, CrossEntropy); ``generic``: any other op
  through its own rules; ``routing``: where gradients go; ``updates``: the optimizers' own
  step, and flat SGD;
- ``state``: snapshots of what a step changes, compared bit for bit.

See docs/jit.md.
"""

from .api import Jitted, jit
from .trace import JitError

__all__ = ["jit", "Jitted", "JitError"]
