"""Where what a traced step makes comes from: an argument, an op's output, an array, numbers.

The engine tells the tracer when the step makes a tensor (``Tensor(...)``, an operand a
Tensor operator lifts, ``Tensor.from_numpy``, the creation functions) and when a loss
converts a target (``cross_entropy``'s labels and probabilities). ``Origins`` records where
each came from, so that ``trace.resolve`` can decide how a replay gets it: converted again
from this call's argument (*derived*), copied from the same array, baked from Python
numbers, or refused. A tensor made in the step is watched as a computed one is (its value
reads raise, its operators report the numbers they lift).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine.tensor_core import TensorCore
from ..tensor import Tensor
from .trace import JitError, StepRec, Trace

__all__ = ["Origins", "UPDATED", "updated_error"]

# the origin of a copy of an argument made after an optimizer's step() updated it: a replay
# makes its copies of arguments at its start, so the step is refused where one is read
UPDATED = ("updated",)

_DATA = TensorCore.__dict__["data"]  # the slot descriptor behind Tensor.data (unguarded)


class Origins:
    """The origin bookkeeping of ``capture.Tracer`` (a mixin: the tracer sets the tables)."""

    trace: Trace
    arrays: list[np.ndarray | None]  # each argument's array (None: not an array)
    arg_of: dict[int, int]  # id of a Tensor argument -> its index
    array_arg_of: dict[int, int]  # id of an argument's array -> its index
    data_slot: dict[int, int]  # id of an op output's array -> its slot
    origin: dict[int, tuple[Any, ...]]  # id of a tensor or array made here -> its source
    checks: dict[int, Callable[[np.ndarray], None]]  # id -> the check of a converted value
    opts: list[Any]  # the optimizers whose step() the trace recorded so far

    def mine(self) -> bool:
        raise NotImplementedError  # the tracer's: is this the tracing thread?

    def mark(self, t: Tensor) -> None:
        raise NotImplementedError  # the tracer's: watch t's value reads

    def _source(self, data: Any, dtype: Any) -> tuple[Any, ...]:
        """Where a tensor or array made from ``data`` inside the step comes from."""
        if isinstance(data, Tensor):
            i = self.arg_of.get(id(data))
            if i is None:
                return ()  # a copy of a computed tensor: not followed (use detach())
            data = self.arrays[i]
        if isinstance(data, np.ndarray):
            i = self.array_arg_of.get(id(data))
            if i is not None:
                return ("arg", i)
            k = self.data_slot.get(id(data))
            if k is not None:
                return ("slot", k)
            known = self._from_arg(data, dtype)
            if known is not None:
                return known
            self.trace.keep.append(data)
            return ("array", data, dtype)
        return ("value",) if _numbers(data) else ()

    def _stale(self, origin: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
        """``UPDATED`` for a copy of an argument or array (``origin``, from ``data``) that an
        optimizer's ``step()`` recorded so far has updated (a parameter sharing it, too);
        else ``origin``. A replay makes such copies at its start, before the update."""
        if not self.opts or origin[:1] not in (("arg",), ("array",)):
            return origin  # no optimizer step recorded yet, or no copy of an array
        array = _array_of(data)
        for rec in self.trace.records:
            for r in rec.params if isinstance(rec, StepRec) else ():
                e = self.trace.externs[r.index] if r.kind == "ext" else None
                p = self.arrays[r.index] if e is None else e.tensor
                if _array_of(p) is array:
                    return UPDATED
        return origin

    def _from_arg(self, data: np.ndarray, dtype: Any) -> tuple[Any, ...] | None:
        """``("arg", i)`` when ``data`` was made in here from argument i (converted, or a
        Tensor's copy) and converting it to ``dtype`` gives what one conversion of argument
        i gives (a replay makes it so); else None."""
        known = self.origin.get(id(data))
        if known == UPDATED:
            return known  # a copy of a copy made after the update: refused where used
        if known is None or known[:1] != ("arg",):
            return None
        arg = self.arrays[known[1]]
        to = data.dtype if dtype is None else np.dtype(dtype)
        # data holds argument i's values unchanged (a copy), or is already of the dtype
        # asked for (made by the very conversion a replay repeats)
        if arg is not None and (data.dtype == arg.dtype or to == data.dtype):
            return known
        return None

    def made(self, t: Tensor | np.ndarray, data: Any, dtype: Any) -> None:
        """``Tensor(data, dtype=dtype)`` (or a lifted operand, or an array made from Python
        numbers when ``data`` is a number) was made inside the step."""
        if self.mine():
            array = t.data if isinstance(t, Tensor) else t
            origin = self._source(data, array.dtype)
            copy = array is not _array_of(data)  # (from_numpy shares the array)
            origin = self._stale(origin, data) if copy else origin
            self.origin[id(t)] = origin
            self.trace.keep.append(t)
            if isinstance(data, np.ndarray) and id(data) in self.checks:  # converted labels
                self.checks[id(t)] = self.checks[id(data)]
            if isinstance(t, Tensor):
                if copy and (origin[:1] == ("arg",) or origin == UPDATED):
                    # its array too: what is converted from it is converted from argument i
                    self.origin[id(array)] = origin
                    self.trace.keep.append(array)
                self.mark(t)  # guarded: its operators report the numbers they lift, too

    def converted(
        self, array: np.ndarray, source: Any, check: Callable[[np.ndarray], None] | None = None
    ) -> None:
        """``array`` was converted from ``source`` (cross_entropy's labels); ``check``, if
        given, raises for a converted value the step refuses (a replay runs it too)."""
        if self.mine():
            self.origin[id(array)] = self._stale(self._source(source, array.dtype), source)
            self.trace.keep.append(array)
            if check is not None:
                self.checks[id(array)] = check


def updated_error() -> JitError:
    """The refusal of a step that reads a copy of an argument made after an update."""
    return JitError(
        "jit: the step copies an argument (Tensor(w), a loss's target) after an optimizer's "
        "step() updated it; a replay makes its copies of arguments at its start, before the "
        "update. Copy it before opt.step(), or return it and copy it outside the step."
    )


def _array_of(data: Any) -> Any:
    return _DATA.__get__(data, Tensor) if isinstance(data, Tensor) else data


def _numbers(v: Any) -> bool:
    """A number, or a (nested) list or tuple of numbers only: a list holding an array (an
    argument's, ``Tensor([x])``) is no Python value to bake."""
    if isinstance(v, (list, tuple)):
        return all(map(_numbers, v))
    return isinstance(v, (bool, int, float, np.generic))
