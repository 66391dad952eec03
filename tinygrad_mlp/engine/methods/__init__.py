"""The Tensor's methods, by family, each a mixin of ``Tensor``.

Every method applies one op (or a short composition of ops) from ``tinygrad_mlp.ops``:

- ``math``: elementwise math and activations;
- ``reduce``: reductions (sum, mean, max, prod, var, logsumexp, ...);
- ``shape``: shape changes (reshape, transpose, cat, squeeze, ...);
- ``compare``: comparisons and predicates (no gradient).
"""

__all__: list[str] = []
