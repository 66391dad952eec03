"""Default step and tolerances of a gradient check, per dtype, with their reasons.

A central difference with step eps has error eps^2 |f'''| / 6 (truncation) plus about
u |f| / eps (round-off, u the unit round-off). The sum is smallest near eps ~ u^(1/3):

========  =========  ==========  =====  =====  ================================================
dtype     u          u^(1/3)     eps    atol   rtol
========  =========  ==========  =====  =====  ================================================
float64   1.1e-16    4.8e-6      1e-6   1e-6   1e-5
float32   6.0e-8     3.9e-3      1e-3   1e-2   1e-2
========  =========  ==========  =====  =====  ================================================

float64: at eps = 1e-6 the finite difference is off by about 1.1e-10 |f| + 1.7e-13 |f'''|,
so functions with |f| and |f'''| up to 1e3 stay ten times under atol = 1e-6; rtol = 1e-5
covers the same round-off relative to large gradients. A wrong backward rule is off by a
sizeable fraction of the gradient, far above either.

float32 (opt-in): at eps = 1e-3 round-off is 6e-8 |f| / 1e-3 = 6e-5 |f|, and the forward pass
itself rounds each of its n terms, so a loss near 10 carries ~1e-3 of noise in the
difference: atol = rtol = 1e-2 keeps a tenfold margin. A float32 check only catches errors
above about 1 %: check in float64 whenever you can.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["Tolerances", "DEFAULTS", "ENTRYWISE", "NORMWISE", "resolve", "leaves_of"]


# The two tolerance rules, by name. tm.gradcheck and tm.check_grads judge each entry on its
# own, with an absolute floor so that gradients of exactly 0 can pass; the command's
# three-way table judges a parameter's whole array at once against its largest entry, the
# natural scale when the reference is exact (the closed form) or nearly so.
ENTRYWISE = "entrywise: |a - n| <= atol + rtol |n| for every entry"
NORMWISE = "normwise: max|a - r| / max|r| <= tol over a parameter's array"


@dataclass(frozen=True)
class Tolerances:
    """The finite-difference step and the tolerance |a - n| <= atol + rtol |n|."""

    eps: float
    atol: float
    rtol: float


DEFAULTS: dict[str, Tolerances] = {
    "float64": Tolerances(eps=1e-6, atol=1e-6, rtol=1e-5),
    "float32": Tolerances(eps=1e-3, atol=1e-2, rtol=1e-2),
}


def resolve(
    inputs: Sequence[Tensor],
    eps: float | None,
    atol: float | None,
    rtol: float | None,
    allow_float32: bool,
    who: str = "gradcheck",
) -> tuple[str, Tolerances]:
    """The dtype the check runs at (the least precise input's) and its tolerances.

    Explicit ``eps``, ``atol``, ``rtol`` override the defaults of that dtype.

    Example::

        >>> resolve([Tensor(np.zeros(2), requires_grad=True)], None, None, 1e-3, False)
        ('float64', Tolerances(eps=1e-06, atol=1e-06, rtol=0.001))
    """
    if not inputs:
        raise ValueError(f"{who}: inputs is empty; pass the Tensors fn takes, as a list")
    dtype = "float64"
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise TypeError(f"{who}: input {i} is a {type(x).__name__}, not a Tensor")
        if not x.requires_grad:
            raise ValueError(
                f"{who}: input {i} (shape {x.shape}) does not require grad; "
                "create it with Tensor(..., requires_grad=True)"
            )
        name = str(x.dtype)
        if name == "float32":
            if not allow_float32:
                raise TypeError(
                    f"{who}: input {i} is float32, whose round-off (6e-8) hides gradient "
                    "errors below ~1%; check in float64 (x.astype(np.float64)) or pass "
                    "allow_float32=True for float32 tolerances (eps 1e-3, atol = rtol = 1e-2)"
                )
            dtype = "float32"
        elif name != "float64":
            raise TypeError(f"{who}: input {i} has dtype {name}; use float64 (or float32)")
        if not np.isfinite(x.data).all():
            raise ValueError(f"{who}: input {i} holds non-finite values")
    base = DEFAULTS[dtype]
    out = Tolerances(
        eps=base.eps if eps is None else float(eps),
        atol=base.atol if atol is None else float(atol),
        rtol=base.rtol if rtol is None else float(rtol),
    )
    if not (np.isfinite(out.eps) and out.eps > 0):
        raise ValueError(f"{who}: eps must be a positive finite number, got {out.eps}")
    for what, value in (("atol", out.atol), ("rtol", out.rtol)):
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{who}: {what} must be a finite number >= 0, got {value}")
    return dtype, out


def leaves_of(inputs: Any, who: str) -> Any:
    """``inputs`` with every numpy array replaced by a copy in a leaf that requires grad.

    Example: ``leaves_of([np.ones(2)], "gradcheck")[0].requires_grad`` is True.
    """
    if not isinstance(inputs, Sequence) or isinstance(inputs, (Tensor, np.ndarray)):
        return inputs  # _gradcheck names the problem
    out = []
    for i, x in enumerate(inputs):
        if isinstance(x, np.ndarray):
            if x.dtype.kind != "f":
                raise TypeError(f"{who}: input {i} has dtype {x.dtype}; it needs floats")
            x = Tensor.from_numpy(np.array(x, copy=True), requires_grad=True)
        out.append(x)
    return out
