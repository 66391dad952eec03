"""What routing a numpy call to a Tensor op needs: lookups by name, lifting, keyword checks.

Our op for a numpy name is a Tensor method (``method``) or a function of
``tinygrad_mlp.tensor.assemble`` (``function``); a name with no op yet raises
``NotMapped``, which ``tinygrad_mlp.tensor.numpy_interop`` treats like an unsupported
numpy function.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ...engine.tensor_core import TensorCore
from .. import assemble

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = [
    "NotMapped",
    "OUT_MESSAGE",
    "method",
    "function",
    "holds_tensor",
    "as_tensor",
    "is_default",
    "check_extras",
    "bind",
]


class NotMapped(Exception):
    """This numpy call has no differentiable counterpart here (the message says why)."""


def method(t: Tensor, name: str) -> Callable[..., Any]:
    """The bound method ``t.<name>``, or ``NotMapped`` if Tensor has none (yet)."""
    if getattr(type(t), name, None) is None:
        raise NotMapped(f"Tensor has no method {name!r}")
    fn: Callable[..., Any] = getattr(t, name)
    return fn


# the functions numpy names map to that are no Tensor method (names.py says which)
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    f.__name__: f
    for f in (
        assemble.cat,
        assemble.stack,
        assemble.pad,
        assemble.where,
        assemble.zeros_like,
        assemble.ones_like,
        assemble.full_like,
    )
}


def function(name: str) -> Callable[..., Any]:
    """Our function ``name`` (``cat``, ``where``, ``zeros_like``, ...), or ``NotMapped``.

    Example: ``function("cat")`` is ``tinygrad_mlp.tensor.assemble.cat`` (``F.cat``).
    """
    fn = _FUNCTIONS.get(name)
    if fn is None:
        raise NotMapped(f"tinygrad_mlp has no function {name!r}")
    return fn


def holds_tensor(x: Any) -> bool:
    """Whether ``x`` is a Tensor or a list/tuple/dict with one inside (at any depth)."""
    if isinstance(x, TensorCore):
        return True
    if isinstance(x, (list, tuple)):
        return any(holds_tensor(i) for i in x)
    if isinstance(x, dict):
        return any(holds_tensor(i) for i in x.values())
    return False


def as_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    """``x`` as a Tensor: Tensors as they are, arrays and numbers as constants.

    Python numbers are weak (NEP 50): with ``like`` given they take its dtype where numpy
    would (``2.0`` beside float32 stays float32). A list that holds Tensors is refused: numpy
    would turn it into an array through ``__array__`` and drop its gradients.
    """
    if isinstance(x, TensorCore):
        return cast("Tensor", x)
    if holds_tensor(x):
        raise NotMapped("a list of Tensors; make one Tensor of it first (tm.stack, tm.cat)")
    if like is not None and type(x) in (bool, int, float):
        return like._lift(x)  # the operators' promotion rule, so every path agrees
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"numpy interop: cannot use a {type(x).__name__} of dtype {arr.dtype}")
    made: Tensor = TensorCore._make_output(arr, False)  # a Tensor (engine/tensor_core.py)
    return made


def is_default(name: str, value: Any) -> bool:
    """Whether an argument has numpy's default value, so ignoring it changes nothing."""
    if value is None or value is np._NoValue:
        return True
    if isinstance(value, dict):
        return not value  # a **kwargs catch-all that caught nothing
    if name == "where":
        return value is True
    if name == "subok":
        return isinstance(value, bool)  # Tensors are never ndarray subclasses
    if name in ("order", "casting") and isinstance(value, str):
        return (name, value) in {("order", "K"), ("order", "C"), ("casting", "same_kind")}
    return False


OUT_MESSAGE = (
    "numpy.{}(..., out=...) writes into an existing array: a Tensor's graph cannot follow "
    "it there. Use the returned Tensor (y = numpy.{}(...)), or compute on the data "
    "explicitly with t.detach().numpy()"
)


def check_extras(fname: str, given: Mapping[str, Any], used: Collection[str]) -> None:
    """Refuse, by name, every argument the adapter does not translate (unless a default)."""
    for name, value in given.items():
        if name in used or is_default(name, value):
            continue
        if name == "out":
            raise TypeError(OUT_MESSAGE.format(fname, fname))
        raise TypeError(
            f"numpy.{fname}: the argument {name}= has no counterpart for Tensors; call "
            f"the Tensor method instead, or compute on t.detach().numpy() without a gradient"
        )


@functools.cache
def _signature(func: Callable[..., Any]) -> inspect.Signature:
    return inspect.signature(func)


def bind(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> dict[str, Any]:
    """The arguments of a numpy call by parameter name (only those actually passed)."""
    return dict(_signature(func).bind(*args, **kwargs).arguments)
