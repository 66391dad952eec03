"""Numerical gradients by finite differences, to check the engine against."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .tensor import Tensor, no_grad

__all__ = ["numerical_grad"]


def numerical_grad(
    fn: Callable[..., Tensor], inputs: Sequence[Tensor], eps: float = 1e-6, kind: str = "central"
) -> list[np.ndarray]:
    """dfn/dx for each input x by finite differences, one entry at a time.

    central: (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), error O(eps^2) from truncation
    plus O(u |f| / eps) from round-off (u the unit round-off of the dtype);
    forward / backward: one-sided, (f(x + eps e_i) - f(x)) / eps and its mirror, error O(eps).
    ``fn`` must return a one-element Tensor. Inputs are perturbed in place and restored.

    Example::

        >>> x = Tensor(np.array([3.0]), requires_grad=True)
        >>> numerical_grad(lambda x: (x * x).sum(), [x])[0].round(6)
        array([6.])
    """
    if kind not in ("central", "forward", "backward"):
        raise ValueError(f"numerical_grad: kind must be central, forward or backward, got {kind!r}")

    def f() -> float:
        with no_grad():
            out = fn(*inputs)
        if out.data.size != 1:
            raise ValueError(f"numerical_grad: fn must return a scalar, got shape {out.shape}")
        return float(out.data.reshape(()))

    grads = []
    base = f() if kind != "central" else 0.0
    for x in inputs:
        g = np.zeros(x.shape, dtype=np.float64)
        flat = x.data.reshape(-1)  # a view: writes go to x.data
        if not np.shares_memory(flat, x.data):
            raise ValueError("numerical_grad: input data must be contiguous")
        for i in range(flat.size):
            orig = flat[i]
            try:
                flat[i] = orig + eps
                up = f() if kind != "backward" else base
                flat[i] = orig - eps
                down = f() if kind != "forward" else base
            finally:
                flat[i] = orig
            g.reshape(-1)[i] = (up - down) / (2 * eps if kind == "central" else eps)
        grads.append(g.astype(x.dtype))
    return grads
