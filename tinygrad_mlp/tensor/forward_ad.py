"""Forward mode: push a tangent through a function alongside its value (J v in one pass).

Every op has a tangent rule (``Op.jvp``) written from its own derivative, independently of
its backward rule. ``jvp`` runs ``fn`` once with tangents attached to the inputs.
A tensor without a tangent (a constant) is never given a zero one: the rules skip its term
(``ops/tangents.py``), so a non-finite partial of a constant never turns 0 into NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..engine.grad_mode import no_grad
from ..engine.state import grad_mode as _grad_mode
from .tensor import Tensor

__all__ = ["jvp"]


def _as_tensor(x: Any) -> Tensor:
    """A fresh tensor sharing x's data: the same tensor passed twice gets two tangents."""
    return Tensor._make(x.data if isinstance(x, Tensor) else np.asarray(x), False)


def jvp(
    fn: Callable[..., Tensor], inputs: Sequence[Any], tangents: Sequence[Any]
) -> tuple[np.ndarray, np.ndarray]:
    """The value of ``fn(*inputs)`` and its directional derivative J v along ``tangents``.

    Formula: J v = d/dh fn(x + h v) at h = 0, propagated op by op by the chain rule in
    forward order (no graph is built, nothing is stored for backward).

    Example::

        >>> x = Tensor(np.array([1.0, 2.0]))
        >>> out, jv = jvp(lambda x: (x * x).sum(), [x], [np.array([1.0, 0.0])])
        >>> float(out), float(jv)            # d/dh (1 + h)^2 + 4 = 2
        (5.0, 2.0)
    """
    xs = [_as_tensor(x) for x in inputs]
    if len(tangents) != len(xs):
        raise ValueError(f"jvp: {len(xs)} inputs but {len(tangents)} tangents")
    if _grad_mode.tangents is not None:
        raise RuntimeError("jvp: nested forward-mode calls are not supported")
    table: dict[int, np.ndarray] = {}
    for i, (x, v) in enumerate(zip(xs, tangents, strict=True)):
        arr = np.asarray(v.data if isinstance(v, Tensor) else v, dtype=x.dtype)
        if arr.shape != x.shape:
            raise ValueError(f"jvp: tangent {i} has shape {arr.shape}, its input has {x.shape}")
        if x.dtype.kind != "f":
            raise TypeError(f"jvp: input {i} has dtype {x.dtype}; tangents need floats")
        table[id(x)] = arr
    _grad_mode.tangents, _grad_mode.alive = table, list(xs)
    try:
        with no_grad():
            out = fn(*xs)
    finally:
        _grad_mode.tangents, _grad_mode.alive = None, None
    if not isinstance(out, Tensor):
        raise TypeError(f"jvp: fn must return a Tensor, got {type(out).__name__}")
    tangent = table.get(id(out))
    if tangent is None:  # the output does not depend on the inputs
        tangent = np.zeros(out.shape, dtype=out.dtype)
    return out.data, tangent
