"""The Tensor's methods, by family, each a mixin of :class:`~tinygrad_mlp.engine.tensor.Tensor`.

Every method applies one op (or a short composition of ops) from :mod:`tinygrad_mlp.ops`:

- :mod:`.math`: elementwise math and activations;
- :mod:`.reduce`: reductions (sum, mean, max, prod, var, logsumexp, ...);
- :mod:`.shape`: shape changes (reshape, transpose, cat, squeeze, ...);
- :mod:`.compare`: comparisons and predicates (no gradient).
"""

__all__: list[str] = []
