"""The reviewed table: which numpy names keep the graph, and what each becomes here.

The package (``tinygrad_mlp.engine.numpy_interop``) routes every numpy call on a Tensor
through these tables. Each entry pairs a numpy name with *ours*: a Tensor method (operators
are their dunder methods) or a function of ``tinygrad_mlp.functional`` / the top-level
package. Ours is looked up by name when the call happens, so an op added later is picked up
as soon as it exists; until then the numpy name behaves like an unsupported function. A ufunc
whose name is a Tensor method's (np.expm1, x.expm1()) is matched by name, not listed. Adding
a numpy name here is a reviewed change: its values and gradients are tested in
tests/test_numpy_interop.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import adapters as ad

__all__ = [
    "UFUNC_METHODS",
    "UFUNC_RENAMED",
    "same_name_ufuncs",
    "UFUNC_CONSTANT",
    "UFUNC_REDUCE",
    "UFUNC_ACCUMULATE",
    "FUNCTIONS",
    "NO_GRADIENT_FUNCTIONS",
]

# ufunc(*inputs) -> getattr(first input, ours)(*other inputs): the operator or the method.
# By hand only the ufuncs whose name is not ours; a ufunc named as a Tensor method
# (np.expm1 -> Tensor.expm1) is matched by name in UFUNC_METHODS below.
UFUNC_RENAMED: dict[str, str] = {
    "add": "__add__",
    "subtract": "__sub__",
    "multiply": "__mul__",
    "divide": "__truediv__",  # numpy.true_divide is the same ufunc
    "power": "__pow__",
    "matmul": "__matmul__",
    "negative": "__neg__",
    "clip": "clamp",
    "absolute": "abs",
    "fabs": "abs",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arcsinh": "asinh",
    "arccosh": "acosh",
    "arctanh": "atanh",
}

# ufuncs whose result carries no gradient at all: booleans, and the piecewise-constant
# roundings (derivative 0 wherever it exists, torch's convention too). They are computed on
# the data and returned as constant Tensors, as the comparison operators do.
UFUNC_CONSTANT: frozenset[str] = frozenset(
    {
        "equal",
        "not_equal",
        "less",
        "less_equal",
        "greater",
        "greater_equal",
        "isfinite",
        "isnan",
        "isinf",
        "signbit",
        "logical_not",
        "logical_and",
        "logical_or",
        "logical_xor",
        "floor",
        "ceil",
        "trunc",
        "rint",
    }
)

# ufunc.reduce(a, axis=0) -> a.<ours>(axis=...); ufunc.accumulate likewise.
UFUNC_REDUCE: dict[str, str] = {
    "add": "sum",
    "multiply": "prod",
    "maximum": "max",
    "minimum": "min",
    "logical_and": "all",
    "logical_or": "any",
}
UFUNC_ACCUMULATE: dict[str, str] = {"add": "cumsum"}

# Functions whose result holds no gradient (shapes, flags, indices): always run on the data.
NO_GRADIENT_FUNCTIONS: frozenset[str] = frozenset(
    {
        "shape",
        "ndim",
        "size",
        "result_type",
        "iscomplexobj",
        "isrealobj",
        "may_share_memory",
        "shares_memory",
        "allclose",
        "isclose",
        "array_equal",
        "array_equiv",
        "count_nonzero",
        "nonzero",
        "flatnonzero",
        "argwhere",
        "argsort",
    }
)


# numpy.<name>(...) -> (ours, the adapter that translates numpy's arguments to ours).
# Names are numpy's public top-level ones; anything in numpy.linalg, numpy.fft, ... is not here.
FUNCTIONS: dict[str, tuple[str, ad.Adapter]] = {
    "sum": ("sum", ad.reduction(dtype=True)),
    "mean": ("mean", ad.reduction(dtype=True)),
    "prod": ("prod", ad.reduction(dtype=True)),
    "max": ("max", ad.reduction()),
    "amax": ("max", ad.reduction()),
    "min": ("min", ad.reduction()),
    "amin": ("min", ad.reduction()),
    "var": ("var", ad.reduction(dtype=True, ddof=True)),
    "std": ("std", ad.reduction(dtype=True, ddof=True)),
    "argmax": ("argmax", ad.reduction()),
    "argmin": ("argmin", ad.reduction()),
    "all": ("all", ad.reduction()),
    "any": ("any", ad.reduction()),
    "cumsum": ("cumsum", ad.cumsum),
    "reshape": ("reshape", ad.reshape),
    "ravel": ("reshape", ad.ravel),
    "transpose": ("permute", ad.transpose),
    "moveaxis": ("permute", ad.moveaxis),
    "swapaxes": ("swapaxes", ad.swapaxes),
    "squeeze": ("squeeze", ad.squeeze),
    "expand_dims": ("unsqueeze", ad.expand_dims),
    "broadcast_to": ("broadcast_to", ad.broadcast_to),
    "concatenate": ("cat", ad.join),
    "stack": ("stack", ad.join),
    "where": ("where", ad.where),
    "clip": ("clamp", ad.clip),
    "dot": ("__matmul__", ad.dot),
    "flip": ("flip", ad.flip),
    "tile": ("repeat", ad.tile),
    "split": ("split", ad.split),
    "array_split": ("split", ad.split),
    "hsplit": ("split", ad.split),
    "vsplit": ("split", ad.split),
    "dsplit": ("split", ad.split),
    "pad": ("pad", ad.pad),
    "take_along_axis": ("gather", ad.take_along_axis),
    "zeros_like": ("zeros_like", ad.like),
    "ones_like": ("ones_like", ad.like),
    "full_like": ("full_like", ad.like),
}


# UFUNC_RENAMED and the same-name matches: built on first use (module __getattr__), when the
# Tensor class is complete, and then kept as a plain module attribute.
UFUNC_METHODS: dict[str, str]


def same_name_ufuncs(tensor: type) -> dict[str, str]:
    """numpy's ufuncs that ``tensor`` has a method of the same name for: ``{"expm1": "expm1"}``.

    The ufuncs of ``UFUNC_CONSTANT`` (no gradient) and of ``UFUNC_RENAMED`` (another name of
    ours) are left out.

    Example::

        >>> same_name_ufuncs(Tensor)["expm1"], "arcsin" in same_name_ufuncs(Tensor)
        ('expm1', False)
    """
    ufuncs = {u.__name__ for u in vars(np).values() if isinstance(u, np.ufunc)}
    return {
        name: name
        for name in sorted(ufuncs - UFUNC_CONSTANT - UFUNC_RENAMED.keys())
        if callable(getattr(tensor, name, None))
    }


def __getattr__(name: str) -> Any:
    if name != "UFUNC_METHODS":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ..tensor import Tensor  # at first use: the Tensor imports this module

    table = {**same_name_ufuncs(Tensor), **UFUNC_RENAMED}
    globals()["UFUNC_METHODS"] = table
    return table
