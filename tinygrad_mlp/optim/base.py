"""The optimizer base: parameters, zero_grad, and state dicts that resume bit for bit."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ..ops.base import Op
from ..tensor import Tensor

__all__ = ["Optimizer", "hyper_number", "zero_grad_of"]


def hyper_number(value: Any, name: str, who: str) -> float:
    """A finite, non-negative float hyperparameter (0-d arrays from a checkpoint included).

    Strings and booleans are refused, though ``float()`` would take them: ``lr="0.1"`` or
    ``lr=True`` is a mistake, not a number.
    """
    arr = np.asarray(value) if isinstance(value, (np.ndarray, np.generic)) else None
    if arr is not None:
        ok = arr.shape == () and arr.dtype.kind in "iuf"
    else:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok:
        raise TypeError(f"{who}: {name} must be a real number, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{who}: {name} must be finite and >= 0, got {value}")
    return v


def zero_grad_of(p: Tensor, set_to_none: bool) -> None:
    """Set ``p.grad`` to None, or to zeros: in place for an array, a new array otherwise.

    After ``backward(create_graph=True)`` the grad is a Tensor with a graph: as torch, it
    is cut from that graph and replaced by zeros, rather than written into.
    """
    if Op._tracer is not None:  # tm.jit is recording a step (jit/capture.py)
        Op._tracer.zero_grad(p, set_to_none)
    if set_to_none or p.grad is None:
        p.grad = None
    elif type(p.grad) is np.ndarray and p.grad.shape == p.shape and p.grad.flags.writeable:
        p.grad[...] = 0
    else:
        p.grad = np.zeros_like(p.data)


class Optimizer:
    """Holds the parameters; ``step`` updates their data in place from their ``grad``.

    Subclasses name their hyperparameters in ``HYPER`` and their per-parameter buffers in
    ``BUFFERS``; the state dict is ``{"type", *HYPER, "n_params", "state": {"i": {...}}}``
    with one entry per parameter index that has state.
    """

    HYPER: tuple[str, ...] = ()
    BUFFERS: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Tensor]) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer parameters must be Tensors, got {type(p).__name__}")
            if p.data.dtype.kind != "f":
                raise TypeError(
                    f"optimizer parameter {i} has dtype {p.dtype}: only floating-point tensors "
                    "can be optimized"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"optimizer parameter {i} is not a leaf (it was computed by "
                    f"{type(p._ctx).__name__}): an optimizer can only update leaf tensors; "
                    "pass the tensor it was computed from, or a detach()ed copy"
                )
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError("optimizer got the same parameter twice")
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    def _grad(self, i: int, p: Tensor) -> np.ndarray | None:
        """Parameter i's gradient as an array (a Tensor's data after create_graph), checked."""
        g = p.grad
        if g is None:
            return None
        if isinstance(g, Tensor):
            g = g.data
        if not isinstance(g, np.ndarray):
            raise TypeError(
                f"{type(self).__name__}.step: parameter {i} has a grad of type "
                f"{type(g).__name__}; .grad must be None, a numpy array or a Tensor"
            )
        if g.shape != p.data.shape:
            raise ValueError(
                f"{type(self).__name__}.step: parameter {i} has a grad of shape {g.shape}, "
                f"its data has shape {p.data.shape}"
            )
        return g

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (None by default, as torch)."""
        for p in self.params:
            zero_grad_of(p, set_to_none)

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        raise NotImplementedError

    def _set_hyper(self, values: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """Hyperparameters and per-parameter buffers (copies), keyed by parameter index.

        Example::

            >>> w = Tensor(np.zeros(2), requires_grad=True)
            >>> sorted(tm.optim.SGD([w], lr=0.1, momentum=0.9).state_dict())
            ['lr', 'momentum', 'n_params', 'nesterov', 'state', 'type', 'weight_decay']
        """
        out: dict[str, Any] = {"type": type(self).__name__, "n_params": len(self.params)}
        for name in self.HYPER:
            out[name] = getattr(self, name)
        out["state"] = {
            str(i): {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
            for i, s in enumerate(self.state)
            if s
        }
        return out

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore hyperparameters and buffers from ``state_dict`` (or ``tm.load``).

        Every check (type, parameter count, keys, shapes, dtypes, values) runs before
        anything changes, so a refused state dict leaves the optimizer as it was.
        """
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, Mapping):
            raise TypeError(f"{who}: expected a mapping, got {type(state).__name__}")
        kind = str(state.get("type", ""))
        if kind != type(self).__name__:
            raise ValueError(f"{who}: the state dict is for {kind or 'an unknown optimizer'!r}")
        expected = {"type", "n_params", "state", *self.HYPER}
        missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
        if missing or unexpected:
            raise KeyError(f"{who}: missing keys {missing}, unexpected keys {unexpected}")
        if int(state["n_params"]) != len(self.params):
            raise ValueError(
                f"{who}: the state dict is for {int(state['n_params'])} parameters, "
                f"this optimizer has {len(self.params)}"
            )
        hyper = {name: state[name] for name in self.HYPER}
        probe = type(self).__new__(type(self))
        probe._set_hyper(hyper)  # validates the values without touching self
        buffers = state["state"]
        if not isinstance(buffers, Mapping):
            raise TypeError(f"{who}: 'state' must be a mapping, got {type(buffers).__name__}")
        new: list[dict[str, Any]] = [{} for _ in self.params]
        for key, entry in buffers.items():
            if not (isinstance(key, str) and key.isdigit() and int(key) < len(self.params)):
                raise KeyError(f"{who}: state key {key!r} is not a parameter index")
            p = self.params[int(key)]
            if not isinstance(entry, Mapping) or set(entry) != set(self.BUFFERS):
                got = sorted(entry) if isinstance(entry, Mapping) else type(entry).__name__
                raise KeyError(f"{who}: state[{key!r}] must hold {sorted(self.BUFFERS)}, got {got}")
            for name in self.BUFFERS:
                value = entry[name]
                if name == "step":
                    n = int(value)
                    if n < 1 or n != value:
                        raise ValueError(f"{who}: state[{key!r}]['step'] must be >= 1, got {value}")
                    new[int(key)][name] = n
                    continue
                arr = np.asarray(value)
                if arr.shape != p.shape or arr.dtype != p.dtype:
                    raise ValueError(
                        f"{who}: state[{key!r}][{name!r}] has shape {arr.shape} and dtype "
                        f"{arr.dtype}, parameter {key} has {p.shape} and {p.dtype}"
                    )
                new[int(key)][name] = arr.copy()
        self._set_hyper(hyper)
        self.state = new
