"""Second derivatives by reverse over reverse: Hessian-vector products and small Hessians."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..engine.backward import grad
from .tensor import Tensor

__all__ = ["hvp", "hessian"]


def _leaves(inputs: Sequence[Any]) -> list[Tensor]:
    """Fresh leaves that share the inputs' data, so the caller's tensors keep no graph."""
    out = []
    for i, x in enumerate(inputs):
        arr = x.data if isinstance(x, Tensor) else np.asarray(x)
        if arr.dtype.kind != "f":
            raise TypeError(f"input {i} has dtype {arr.dtype}; second derivatives need floats")
        out.append(Tensor.from_numpy(arr, requires_grad=True))
    return out


def _scalar_output(fn: Callable[..., Any], xs: list[Tensor], who: str) -> Tensor:
    """``fn(*xs)``, checked to be a one-element Tensor (second derivatives need a scalar)."""
    out = fn(*xs)
    if not isinstance(out, Tensor):
        raise TypeError(
            f"{who}: fn must return a Tensor computed from its inputs, got {type(out).__name__}"
        )
    if out.data.size != 1:
        raise ValueError(f"{who}: fn must return a scalar (one element), got shape {out.shape}")
    return out


def _one_input(fn: Callable[..., Any], x: Any) -> None:
    """Refuse several inputs to ``hessian``: it differentiates a function of one tensor."""
    if isinstance(x, (list, tuple)) and any(isinstance(i, (Tensor, np.ndarray)) for i in x):
        raise TypeError(
            f"hessian: x must be one tensor, got a {type(x).__name__} of {len(x)}; for a "
            "function of several inputs use hvp, or concatenate them into one"
        )
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return  # a builtin or C callable: its arity cannot be read, so it is not checked
    required = [
        p
        for p in params
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if len(required) > 1:
        raise TypeError(
            f"hessian: fn takes {len(required)} inputs; hessian differentiates a function of "
            "one tensor (use hvp for several inputs)"
        )


def hvp(
    fn: Callable[..., Tensor], inputs: Sequence[Any], vectors: Sequence[Any]
) -> list[np.ndarray]:
    """Hessian-vector products H v of a scalar ``fn`` at ``inputs``, one array per input.

    Formula: H v = d/dx ⟨df/dx, v⟩: differentiate the gradient (built with
    ``create_graph=True``) along v, without ever forming H.

    Example::

        >>> f = lambda x: (x ** 3).sum()                    # H = diag(6 x)
        >>> hvp(f, [np.array([1.0, 2.0])], [np.array([1.0, 1.0])])[0]
        array([ 6., 12.])
    """
    xs = _leaves(inputs)
    if len(vectors) != len(xs):
        raise ValueError(f"hvp: {len(xs)} inputs but {len(vectors)} vectors")
    vs = []
    for i, (x, v) in enumerate(zip(xs, vectors, strict=True)):
        arr = np.asarray(v.data if isinstance(v, Tensor) else v, dtype=x.dtype)
        if arr.shape != x.shape:
            raise ValueError(f"hvp: vector {i} has shape {arr.shape}, its input has {x.shape}")
        vs.append(arr)
    grads = grad(_scalar_output(fn, xs, "hvp"), xs, create_graph=True, allow_unused=True)
    terms = [(g * v).sum() for g, v in zip(grads, vs, strict=True) if g is not None]
    zeros = [np.zeros(x.shape, dtype=x.dtype) for x in xs]
    if not terms:
        return zeros
    dot = terms[0]
    for t in terms[1:]:
        dot = dot + t
    if not dot.requires_grad:  # the gradient is constant: fn is at most linear
        return zeros
    second = grad(dot, xs, allow_unused=True)
    return [z if h is None else h.data for h, z in zip(second, zeros, strict=True)]


def hessian(fn: Callable[[Tensor], Tensor], x: Any) -> np.ndarray:
    """The full Hessian of a scalar ``fn`` at ``x``, shaped ``x.shape + x.shape``.

    Formula: H[i, :] = d/dx (df/dx_i), one reverse pass through the gradient's graph per
    entry of x: meant for inputs of a few hundred entries.

    Example::

        >>> hessian(lambda x: (x * x).sum(), np.array([1.0, 2.0]))
        array([[2., 0.],
               [0., 2.]])
    """
    _one_input(fn, x)
    (leaf,) = _leaves([x])
    out = _scalar_output(fn, [leaf], "hessian")
    (g,) = grad(out, [leaf], create_graph=True, allow_unused=True)
    n = leaf.data.size
    H = np.zeros((n, n), dtype=leaf.dtype)
    if g is not None and g.requires_grad:
        for i in range(n):
            e = np.zeros(n, dtype=leaf.dtype)
            e[i] = 1.0
            (row,) = grad(
                (g * e.reshape(leaf.shape)).sum(), [leaf], retain_graph=True, allow_unused=True
            )
            if row is not None:
                H[i] = row.data.reshape(-1)
    return H.reshape(leaf.shape + leaf.shape)
