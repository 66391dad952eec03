"""``gradgradcheck``: second derivatives against finite differences of the gradient."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..engine.backward import grad
from ..engine.grad_mode import enable_grad
from ..tensor import Tensor
from .checker import _gradcheck
from .report import GradcheckReport
from .tolerances import leaves_of

__all__ = ["gradgradcheck"]


def gradgradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Tensor | np.ndarray],
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    mode: str = "full",
    *,
    rng: np.random.Generator | None = None,
    **options: Any,
) -> GradcheckReport:
    """Check the Hessian of the scalar ``fn`` through the gradient's own gradient.

    Formula: with fixed random weights u (one array per input, from ``rng``, by default
    ``numpy.random.default_rng(0)``), the scalar h(x) = ⟨grad fn(x), u⟩ has gradient
    H u (the Hessian times u). ``gradcheck`` compares that gradient, computed by
    differentiating the engine's gradient (``create_graph=True``), with finite differences
    of h, i.e. of the first-order gradient. Same report (headed "gradgradcheck"), modes,
    tolerances and kink handling as ``gradcheck`` (``options`` are passed on to it).
    An fn affine in its inputs has a constant gradient (no graph): its Hessian 0 is checked
    against finite differences of the gradient like any other (they must vanish too).

    Example::

        >>> x = Tensor(np.array([0.5, 1.5]), requires_grad=True)
        >>> tm.gradgradcheck(lambda x: (x ** 3).exp().sum(), [x]).ok
        True
    """
    leaves = leaves_of(inputs, "gradgradcheck")  # arrays as gradcheck takes them
    gen = rng if rng is not None else np.random.default_rng(0)
    weights = [gen.uniform(-1.0, 1.0, x.shape) for x in leaves]

    def grad_along_u(*xs: Tensor) -> Tensor:
        with enable_grad():  # the gradient needs a graph even when gradcheck evaluates h
            grads = grad(fn(*xs), list(xs), create_graph=True, allow_unused=True)
            total: Tensor | None = None
            for g, u in zip(grads, weights, strict=True):
                if g is not None:
                    term = (g * u).sum()
                    total = term if total is None else total + term
        if total is None:
            raise ValueError("gradgradcheck: fn does not depend on any of the inputs")
        return total

    return _gradcheck(
        grad_along_u,
        leaves,
        eps,
        atol,
        rtol,
        mode,
        kind="gradgradcheck",
        constant_ok=True,
        **options,
    )
