"""Numerical derivative schemes, their error terms, and the step each one wants.

Along a direction, with g(t) = f(x + t e) and u the unit round-off of the dtype:

==========  ==========================================  ==============  ==========  =======
scheme      estimate of g'(0)                           truncation      round-off   best h
==========  ==========================================  ==============  ==========  =======
forward     (g(h) - g(0)) / h                           h |g''| / 2     2 u |g| / h  u^(1/2)
central     (g(h) - g(-h)) / (2h)                       h^2 |g'''| / 6  u |g| / h    u^(1/3)
richardson  (8 [g(h) - g(-h)] - [g(2h) - g(-2h)]) / 12h  h^4 |g5| / 30   1.5 u |g|/h  u^(1/5)
complex     Im g(ih) / h                                h^2 |g'''| / 6  u |g'|      <= u^(1/2)
==========  ==========================================  ==============  ==========  =======

Richardson extrapolation cancels the h^2 term of two central differences, D(h) and D(2h):
(4 D(h) - D(2h)) / 3. The complex step subtracts nothing, so nothing cancels: its error is
truncation alone until that falls below round-off of g' itself, and any smaller h is as good.
It needs an f that accepts complex input and is analytic there (``closed_form`` is).
With error C1 h^p + C2 u / h, the best step is h ~ u^(1/(p+1)) and the error there
~ u^(p/(p+1)) (taking the constants as 1): what ``theory`` returns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["SCHEMES", "ORDER", "theory", "numerical_grad_arrays"]

SCHEMES = ("forward", "central", "richardson", "complex")
ORDER = {"forward": 1, "central": 2, "richardson": 4, "complex": 2}  # truncation ~ h^order
_COMPLEX = {np.dtype(np.float64): np.complex128, np.dtype(np.float32): np.complex64}


def _check_scheme(scheme: str, who: str) -> None:
    if scheme not in SCHEMES:
        raise ValueError(f"{who}: scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")


def theory(scheme: str, u: float) -> tuple[float, float]:
    """(best step, error there) of ``scheme`` for unit round-off ``u``, constants taken as 1.

    Formula: u^(1/(p+1)) and u^(p/(p+1)) for truncation order p; for the complex step the
    largest step whose truncation h^2 stays under u, u^(1/2), and the error u.

    Example::

        >>> [f"{e:.1e}" for e in theory("central", 2.0**-53)]
        ['4.8e-06', '2.3e-11']
    """
    _check_scheme(scheme, "theory")
    if scheme == "complex":
        return u**0.5, u
    p = ORDER[scheme]
    return u ** (1 / (p + 1)), u ** (p / (p + 1))


def _value(out: Any, scheme: str) -> complex | float:
    arr = np.asarray(out)
    if arr.size != 1:
        raise ValueError(
            f"numerical_grad_arrays: fn must return a scalar, got an array of shape {arr.shape}"
        )
    value = arr.reshape(())[()]
    if scheme == "complex" and not np.iscomplexobj(arr):
        raise TypeError(
            "numerical_grad_arrays: fn returned a real value for complex input; the complex "
            "step needs fn to compute in complex arithmetic (no .real, float() or abs inside)"
        )
    if not np.isfinite(value):
        raise ValueError(f"numerical_grad_arrays: fn returned {value} at a step from the point")
    return complex(value) if scheme == "complex" else float(np.real(value))


def numerical_grad_arrays(
    fn: Callable[..., Any],
    arrays: Sequence[np.ndarray],
    eps: float = 1e-6,
    scheme: str = "central",
) -> list[np.ndarray]:
    """dfn/dx for each numpy array x by ``scheme`` (see the module table), entry by entry.

    ``fn`` takes numpy arrays and returns a scalar. The step is the nominal ``eps``; for
    "complex" the arrays are lifted to the complex dtype of their precision (complex128 for
    float64, complex64 for float32) and fn must compute in complex arithmetic. Gradients
    come back as float64 arrays. The caller's arrays are not modified.

    Example (the complex step is exact to round-off even at a tiny step)::

        >>> f = lambda x: (x ** 3).sum()
        >>> numerical_grad_arrays(f, [np.array([2.0])], eps=1e-30, scheme="complex")
        [array([12.])]
    """
    _check_scheme(scheme, "numerical_grad_arrays")
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"numerical_grad_arrays: eps must be a positive finite number, got {eps}")
    work = []
    for i, a in enumerate(arrays):
        a = np.asarray(a)
        if a.dtype not in _COMPLEX:
            raise TypeError(f"numerical_grad_arrays: array {i} has dtype {a.dtype}; use floats")
        work.append(a.astype(_COMPLEX[a.dtype] if scheme == "complex" else a.dtype, copy=True))

    def f() -> complex | float:
        return _value(fn(*work), scheme)

    base: Any = f() if scheme == "forward" else 0.0
    grads = []
    for x in work:
        g = np.zeros(x.shape, dtype=np.float64)
        flat, gflat = x.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            if scheme == "complex":
                gflat[i] = np.imag(_at(f, flat, i, 1j * eps)) / eps
            elif scheme == "forward":
                gflat[i] = (float(_at(f, flat, i, eps)) - float(base)) / eps
            else:
                d1 = float(_at(f, flat, i, eps)) - float(_at(f, flat, i, -eps))
                if scheme == "central":
                    gflat[i] = d1 / (2 * eps)
                else:
                    d2 = float(_at(f, flat, i, 2 * eps)) - float(_at(f, flat, i, -2 * eps))
                    gflat[i] = (8 * d1 - d2) / (12 * eps)
        grads.append(g)
    return grads


def _at(f: Callable[[], Any], flat: np.ndarray, i: int, t: complex | float) -> Any:
    """f with entry i of ``flat`` moved by t, then put back exactly."""
    orig = flat[i]
    flat[i] = orig + t
    try:
        return f()
    finally:
        flat[i] = orig
