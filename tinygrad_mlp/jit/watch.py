"""Tensors watched during a trace: value reads and writes from the step's Python refused.

While a step is traced, the tensors it computes, its Tensor arguments and the parameters it
reaches get ``Guarded`` mixed into their class (``guarded``; ``isinstance`` still
holds). Reading a value from code outside this package (``.item()``, ``float(t)``, ``if
t``, ``.numpy()``, ``.data``, ``.grad``) or writing one (``.data = ...``, ``.grad = ...``)
raises a ``JitError`` at that line: a replay runs no Python, so it could not
repeat what the step does with it. ``p.grad = None`` is recorded as ``zero_grad``.
The exception is an optimizer's ``step`` (a user's own, through ``Optimizer.step``'s
template): the replay calls that step, so it may read ``.data`` and ``.grad``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ..engine import state as _engine_state
from ..engine.tensor_core import TensorCore
from ..tensor import Tensor
from .trace import JitError

__all__ = ["Guarded", "guarded"]

_DATA = TensorCore.__dict__["data"]  # the slot descriptor behind Tensor.data


def _inside_package(depth: int) -> bool:
    name = sys._getframe(depth + 1).f_globals.get("__name__", "")
    return name == "tinygrad_mlp" or name.startswith("tinygrad_mlp.")


def _allowed(depth: int) -> bool:
    """A read from this package, or from an optimizer's own step (replayed by calling it)."""
    if _inside_package(depth + 1):
        return True
    tracer = _engine_state.tracer
    return tracer is not None and tracer.in_optimizer_step()


def _value_read(what: str) -> JitError:
    return JitError(
        f"jit: {what} inside a jitted step reads a tensor's value in Python; a replay runs "
        "no Python, so it could not repeat what the step does with it. Return the tensor "
        "from the step and read it outside (e.g. step(x, y).item()), or do not jit this "
        "function."
    )


_GRAD = TensorCore.__dict__["grad"]  # the slot descriptor behind Tensor.grad
_LIFT = Tensor._lift


class Guarded:
    """Mixed into a tensor's class during a trace: value reads and writes from Python
    outside this package are refused (or, for ``p.grad = None``, recorded) at the line."""

    __slots__ = ()

    def _get_data(self) -> np.ndarray:
        if not _allowed(1):
            raise _value_read(".data")
        return _DATA.__get__(self, Tensor)

    def _set_data(self, value: np.ndarray) -> None:
        # the same array back is no rebinding: what ``p.data -= x`` does after writing
        if value is not _DATA.__get__(self, Tensor) and not _inside_package(1):
            raise JitError(
                "jit: a jitted step must not rebind .data (a replay would not repeat it); "
                "update parameters with an optimizer, or do it outside the step"
            )
        _DATA.__set__(self, value)

    def _get_grad(self) -> Any:
        if not _allowed(1):
            raise JitError(
                "jit: reading .grad inside a jitted step (to clip or edit it, say) cannot be "
                "replayed: the replay runs no Python, and an in-place change to the array "
                "would be lost. Do it outside the step, or run the step without jit."
            )
        return _GRAD.__get__(self, Tensor)

    def _set_grad(self, value: Any) -> None:
        if not _inside_package(1):
            tracer = _engine_state.tracer
            if value is not None or tracer is None or not tracer.mine():
                raise JitError(
                    "jit: a jitted step may set .grad only to None (recorded as "
                    "zero_grad(set_to_none=True)); any other write would not be replayed"
                )
            tracer.zero_grad(self, True)
        _GRAD.__set__(self, value)

    data = property(_get_data, _set_data)
    grad = property(_get_grad, _set_grad)

    def item(self) -> float:
        raise _value_read(".item()")

    def numpy(self) -> np.ndarray:
        raise _value_read(".numpy()")

    def tolist(self) -> Any:
        raise _value_read(".tolist()")

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        raise _value_read("numpy.asarray(tensor)")

    def __bool__(self) -> bool:
        raise _value_read("bool(tensor) (an if or while on a tensor)")

    def __float__(self) -> float:
        raise _value_read("float(tensor)")

    def __int__(self) -> int:
        raise _value_read("int(tensor)")

    def __index__(self) -> int:
        raise _value_read("using a tensor as an index")

    def _lift(self, other: Any) -> Tensor:
        out: Tensor = _LIFT(self, other)  # type: ignore[arg-type]
        tracer = _engine_state.tracer
        if out is not other and tracer is not None and tracer.mine():
            tracer.made(out, other, None)  # a Python number or an array made into a tensor
        return out


_GUARDED: dict[type, type] = {}


def guarded(cls: type) -> type:
    """``cls`` with ``Guarded`` mixed in (made once per class; isinstance still holds).

    Example: ``t.__class__ = guarded(type(t))`` while tracing; ``t.item()`` then raises.
    """
    sub = _GUARDED.get(cls)
    if sub is None:
        # named as cls: an eager error naming a watched tensor's type reads as without jit
        names = {"__slots__": (), "__qualname__": cls.__qualname__, "__module__": cls.__module__}
        sub = _GUARDED[cls] = type(cls.__name__, (Guarded, cls), names)
    return sub
