"""The Tensor's methods, by family, each a mixin of :class:`~tinygrad_mlp.engine.tensor.Tensor`.

Every method applies one op (or a short composition of ops) from :mod:`tinygrad_mlp.ops`:

- :mod:`.arith`: the operators under torch's names (add, sub, mul, div, pow, matmul, dot);
- :mod:`.math`: elementwise math and activations;
- :mod:`.reduce`: reductions (sum, mean, prod, var, logsumexp, ...); :mod:`.dims` their
  dim / axis arguments; :mod:`.extrema`: max, min, amax, amin, argmax, argmin;
- :mod:`.shape`: shape changes (reshape, transpose, cat, squeeze, ...);
- :mod:`.compare`: comparisons and predicates (no gradient);
- :mod:`.habits`: size(), numel(), dim(), float(t), int(t), format and grad_fn, as torch.
"""

__all__: list[str] = []
