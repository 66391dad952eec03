"""The VJP map x -> J(x)^T u of a function, as a function again: what higher orders check.

``check_grads`` checks order k by differentiating this map of order k-1,
in reverse mode (reverse over reverse) and in forward mode (forward over reverse).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..engine.backward import grad
from ..engine.grad_mode import enable_grad
from ..ops.index import ScatterAdd
from ..tensor import Tensor

__all__ = ["vjp_map"]

Fn = Callable[..., Tensor]


def vjp_map(f: Fn, u: np.ndarray) -> Fn:
    """x -> J(x)^T u, every input's part flattened into one vector, differentiable again.

    Formula: vjp_map(f, u)(x) = concat_i vec(d⟨u, f(x)⟩/dx_i), built with
    ``create_graph=True``, so reverse mode and ``tm.jvp`` both go through it.

    Example::

        >>> g = vjp_map(lambda x: (x * x * x).sum(), np.array(1.0))   # 3 x^2
        >>> g(Tensor(np.array([1.0, 2.0]))).numpy()
        array([ 3., 12.])
    """

    def vjp_of_f(*xs: Tensor) -> Tensor:
        with enable_grad():
            # x + 0 with a fresh leaf: a node that requires grad even where x does not
            # (inside tm.jvp), and that keeps x's tangent (forward over reverse)
            zs = [Tensor._make(np.zeros(x.shape, dtype=x.dtype), True) for x in xs]
            out = f(*[x + z for x, z in zip(xs, zs, strict=True)])
            grads: list[Tensor | None] = [None] * len(xs)
            if out.requires_grad:
                seed = u.astype(out.dtype)
                grads = grad(out, zs, grad_outputs=seed, create_graph=True, allow_unused=True)
            return _concat(grads, [x.numel() for x in xs], xs[0].dtype)

    return vjp_of_f


def _concat(parts: Sequence[Tensor | None], sizes: Sequence[int], dtype: np.dtype) -> Tensor:
    """The parts flattened end to end (None: zeros), each placed by a ScatterAdd node."""
    total, offset = sum(sizes), 0
    acc: Tensor | None = None
    for part, n in zip(parts, sizes, strict=True):
        if part is not None and n:
            placed = ScatterAdd.apply(
                part.reshape(-1), shape=(total,), index=slice(offset, offset + n)
            )
            acc = placed if acc is None else acc + placed
        offset += n
    return acc if acc is not None else Tensor._make(np.zeros(total, dtype=dtype), False)
