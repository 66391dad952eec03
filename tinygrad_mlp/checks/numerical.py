"""Numerical gradients by finite differences, to check the engine against.

The step ``eps`` trades two errors (u is the unit round-off of the dtype, 1.1e-16 for
float64 and 6.0e-8 for float32):

- truncation: a central difference is off by eps^2 |f'''| / 6, a one-sided one by
  eps |f''| / 2;
- round-off: f is known to about u |f|, and the difference divides that by eps, so
  u |f| / eps.

Their sum is smallest near eps ~ u^(1/3) for central differences (about 5e-6 in float64,
4e-3 in float32), near u^(1/2) for one-sided ones and near u^(1/5) for Richardson's
fourth-order one. ``schemes`` tabulates every scheme, the complex step included (which
needs complex input, so it works on numpy functions, not Tensors).
``tinygrad-mlp gradcheck --sweep-eps --schemes ...`` measures the V-shaped curves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..engine.grad_mode import no_grad
from ..tensor import Tensor

__all__ = ["KINDS", "evaluate", "flat_view", "numerical_grad"]

KINDS = ("central", "forward", "backward", "richardson")


def evaluate(fn: Callable[..., Tensor], inputs: Sequence[Tensor], who: str = "gradcheck") -> float:
    """fn(*inputs) as a Python float, without recording a graph; a clear error if not scalar.

    Example::

        >>> evaluate(lambda x: (x * x).sum(), [Tensor(np.array([1.0, 2.0]))])
        5.0
    """
    with no_grad():
        out = fn(*inputs)
    if not isinstance(out, Tensor):
        raise TypeError(f"{who}: fn must return a Tensor, got {type(out).__name__}")
    if out.data.size != 1:
        raise ValueError(
            f"{who}: fn must return a scalar (one-element) Tensor, got shape {out.shape}; "
            "for a vector output check a scalar such as (c * fn(x)).sum() with fixed random c"
        )
    value = float(out.data.reshape(()))
    if not np.isfinite(value):
        raise ValueError(f"{who}: fn returned {value} at the point checked or a step from it")
    return value


def flat_view(x: Tensor, who: str = "gradcheck") -> np.ndarray:
    """A flat view of ``x.data``: writing an entry of it perturbs the tensor in place.

    Example::

        >>> x = Tensor(np.zeros(2))
        >>> flat_view(x)[1] = 5.0
        >>> x.numpy()
        array([0., 5.])
    """
    flat = x.data.reshape(-1)
    if flat.size and not np.shares_memory(flat, x.data):
        raise ValueError(f"{who}: input data must be contiguous (use Tensor(x.numpy().copy()))")
    return flat


def numerical_grad(
    fn: Callable[..., Tensor],
    inputs: Sequence[Tensor],
    eps: float = 1e-6,
    kind: str = "central",
    step: str = "realised",
) -> list[np.ndarray]:
    """dfn/dx for each input x by finite differences, one entry at a time.

    central: (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), error O(eps^2) from truncation
    plus O(u |f| / eps) from round-off (u the unit round-off of the dtype);
    forward / backward: one-sided, (f(x + eps e_i) - f(x)) / eps and its mirror, error O(eps);
    richardson: (4 D(eps) - D(2 eps)) / 3 with D the central difference, error O(eps^4)
    from truncation (4 evaluations per entry).
    The complex step works on numpy functions only (Tensors are real): see
    ``numerical_grad_arrays``.
    ``fn`` must return a one-element Tensor. Inputs are perturbed in place and restored.
    The gradients come back in each input's dtype.

    step="realised" (default) divides by the step actually taken after x + eps is rounded to
    x's dtype, and raises if it vanishes; step="nominal" divides by eps itself, the textbook
    formula (it gives 0 where the step vanishes: what ``gradcheck --sweep-eps`` shows).

    Example::

        >>> x = Tensor(np.array([3.0]), requires_grad=True)
        >>> numerical_grad(lambda x: (x * x).sum(), [x])[0].round(6)
        array([6.])
    """
    if kind == "complex":
        raise TypeError(
            "numerical_grad: the complex step needs complex input and Tensors are real; use "
            "tinygrad_mlp.checks.numerical_grad_arrays(fn, arrays, scheme='complex') on a "
            "numpy function such as closed_form.loss"
        )
    if kind not in KINDS:
        raise ValueError(
            f"numerical_grad: kind must be central, forward, backward or richardson, got {kind!r}"
        )
    if step not in ("realised", "nominal"):
        raise ValueError(f"numerical_grad: step must be realised or nominal, got {step!r}")
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"numerical_grad: eps must be a positive finite number, got {eps}")

    def f() -> float:
        return evaluate(fn, inputs, "numerical_grad")

    for i, x in enumerate(inputs):
        if x.dtype.kind != "f":
            raise TypeError(f"numerical_grad: input {i} has dtype {x.dtype}; it needs floats")
    grads = []
    one_sided = kind in ("forward", "backward")
    base = f() if one_sided else 0.0
    for x in inputs:
        g = np.zeros(x.shape, dtype=np.float64)
        flat = flat_view(x, "numerical_grad")
        for i in range(flat.size):
            d = _difference(f, flat, i, eps, kind, step, base)
            if kind == "richardson":  # cancel the eps^2 term of two central differences
                d = (4 * d - _difference(f, flat, i, 2 * eps, kind, step, base)) / 3
            g.reshape(-1)[i] = d
        grads.append(g.astype(x.dtype))
    return grads


def _difference(
    f: Callable[[], float], flat: np.ndarray, i: int, h: float, kind: str, step: str, base: float
) -> float:
    """One finite difference of entry i at step h (central for "richardson"); restores it."""
    orig = flat[i]
    one_sided = kind in ("forward", "backward")
    try:
        flat[i] = orig + h
        hi = flat[i]  # the step actually taken, after rounding to x's dtype
        up = f() if kind != "backward" else base
        flat[i] = orig - h
        lo = flat[i]
        down = f() if kind != "forward" else base
    finally:
        flat[i] = orig
    # divide by the realised step: in float32, x + eps rounds (to x itself if
    # eps is below half an ulp of x, which is an error, not a zero derivative)
    if step == "nominal":
        taken = h if one_sided else 2 * h
    elif not one_sided:
        taken = float(hi) - float(lo)
    else:
        taken = float(hi) - float(orig) if kind == "forward" else float(orig) - float(lo)
    if taken == 0.0:
        raise ValueError(
            f"numerical_grad: eps {h:g} vanishes next to {orig!r} in {flat.dtype}; "
            "use a larger eps (or float64)"
        )
    return (up - down) / taken
