"""The Tensor's methods, by family, each a mixin of ``Tensor``.

Every method applies one op (or a short composition of ops) from ``tinygrad_mlp.ops``:

- ``arith``: the operators under torch's names (add, sub, mul, div, pow, matmul, dot);
- ``unary``: unary elementwise math; ``activations``: the activations; ``math``: both
  mixed in, and the functions of several tensors (clamp, maximum, where, lerp, softmax);
- ``reduce``: reductions (sum, mean, prod, var, logsumexp, ...); ``dims`` their
  dim / axis arguments; ``extrema``: max, min, amax, amin, argmax, argmin;
- ``shape``: shape changes (reshape, transpose, cat, squeeze, ...);
- ``compare``: comparisons and predicates (no gradient);
- ``habits``: size(), numel(), dim(), float(t), int(t), format and grad_fn, as torch.
"""

__all__: list[str] = []
