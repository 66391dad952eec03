"""The optimizer base: parameters, the template ``step``, zero_grad, state dicts.

``Optimizer.step`` is a template: it tells ``tm.jit`` that a step ran (the tracer hook),
then runs the subclass's ``update`` inside ``engine.writes.writing`` over the parameters'
data, so a parameter a live graph saved can be written and the graph's backward then
refuses (torch's "modified by an in-place operation" error). A subclass that overrides
``step`` itself, the torch way, has its ``step`` wrapped in the same two protocols when the
class is defined (``__init_subclass__``), so a hand-written optimizer gets both for free.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from ..engine import state as _engine_state
from ..engine.grad_mode import enable_grad
from ..engine.writes import writing
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
    if _engine_state.tracer is not None:  # tm.jit is recording a step (jit/capture.py)
        _engine_state.tracer.zero_grad(p, set_to_none)
    if set_to_none or p.grad is None:
        p.grad = None
    elif type(p.grad) is np.ndarray and p.grad.shape == p.shape and p.grad.flags.writeable:
        p.grad[...] = 0
    else:
        p.grad = np.zeros_like(p.data)


def _sanctioned(opt: Optimizer, body: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``body`` as ``opt``'s step: the jit's hook, then ``body`` inside ``writing``.

    A step called from inside a step of the same optimizer (``super().step()`` in an
    overriding ``step``) runs ``body`` alone: the hook and the version bump happen once.
    """
    if opt._stepping:
        return body(*args, **kwargs)
    tracer = _engine_state.tracer
    if tracer is not None:  # tm.jit is recording a step (jit/capture.py)
        tracer.optimizer_step(opt)
    opt._stepping = True
    try:
        # a parameter a live graph saved is read-only: made writeable, its version bumped
        with writing(p.data for p in opt.params):
            return body(*args, **kwargs)
    finally:
        opt._stepping = False


def _wrap_step(step: Callable[..., Any]) -> Callable[..., Any]:
    """A subclass's own ``step`` (written the torch way) run through ``_sanctioned``."""

    @functools.wraps(step)
    def wrapped(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        return _sanctioned(self, step, self, *args, **kwargs)

    wrapped.__dict__["_sanctioned"] = True
    return wrapped


class Optimizer:
    """Holds the parameters; ``step`` updates their data in place from their ``grad``.

    A new optimizer subclasses this and writes its arithmetic in ``update`` (called by the
    template ``step``: the jit's hook, then ``update`` inside ``engine.writes.writing``), or
    overrides ``step`` as in torch, which is then wrapped in the same protocols. Either way
    ``p.data -= ...`` works while a graph holds ``p``, and that graph's backward refuses.
    Subclasses name their hyperparameters in ``HYPER`` and their per-parameter buffers in
    ``BUFFERS``; the state dict is ``{"type", *HYPER, "n_params", "state": {"i": {...}}}``
    with one entry per parameter index that has state (``self.state[i]``, a dict).

    Example (the torch way; defining ``update(self)`` with the same loop works too)::

        >>> class Plain(tm.optim.Optimizer):
        ...     def __init__(self, params, lr):
        ...         super().__init__(params)
        ...         self.lr = lr
        ...     def step(self):
        ...         for p in self.params:
        ...             if p.grad is not None:
        ...                 p.data -= self.lr * p.grad
        >>> w = Tensor(np.array([1.0]), requires_grad=True)
        >>> (w * w).sum().backward(); Plain([w], lr=0.25).step(); w.data
        array([0.5])
    """

    HYPER: tuple[str, ...] = ()
    BUFFERS: tuple[str, ...] = ()
    _stepping = False  # True while this optimizer's step runs (see _sanctioned)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("step")
        if callable(own) and not getattr(own, "_sanctioned", False):
            cls.step = _wrap_step(own)  # type: ignore[method-assign]

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
        if set_to_none and _engine_state.tracer is None:  # the common case, one loop without calls
            for p in self.params:
                p.grad = None
            return
        for p in self.params:
            zero_grad_of(p, set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, in place; return ``closure()``'s loss.

        The template: the jit's hook, then ``self.update()`` inside ``writing`` over the
        parameters' data. ``closure`` (torch's: it recomputes the loss and its gradients)
        runs first, with grad mode on; without one, ``step`` returns None.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        if self._stepping or _engine_state.tracer is not None:  # nested, or traced by tm.jit
            _sanctioned(self, self.update)
        elif not _engine_state.saved_count:  # no live graph holds an array: writing() would
            self.update()  # do nothing (engine/writes.py); the common case, after backward
        else:
            with writing(p.data for p in self.params):
                self.update()
        return loss

    def update(self) -> None:
        """The subclass's arithmetic: write ``p.data`` in place from ``p.grad``."""
        raise NotImplementedError(
            f"{type(self).__name__}: an optimizer defines update() (called by the template "
            "step()) or overrides step()"
        )

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
            new[int(key)] = self._checked_buffers(who, key, entry)
        self._set_hyper(hyper)
        self.state = new

    def _checked_buffers(self, who: str, key: str, entry: Any) -> dict[str, Any]:
        """Parameter ``key``'s buffers from a state dict, checked and copied."""
        p = self.params[int(key)]
        if not isinstance(entry, Mapping) or set(entry) != set(self.BUFFERS):
            got = sorted(entry) if isinstance(entry, Mapping) else type(entry).__name__
            raise KeyError(f"{who}: state[{key!r}] must hold {sorted(self.BUFFERS)}, got {got}")
        out: dict[str, Any] = {}
        for name in self.BUFFERS:
            value = entry[name]
            if name == "step":
                n = int(value)
                if n < 1 or n != value:
                    raise ValueError(f"{who}: state[{key!r}]['step'] must be >= 1, got {value}")
                out[name] = n
                continue
            arr = np.asarray(value)
            if arr.shape != p.shape or arr.dtype != p.dtype:
                raise ValueError(
                    f"{who}: state[{key!r}][{name!r}] has shape {arr.shape} and dtype "
                    f"{arr.dtype}, parameter {key} has {p.shape} and {p.dtype}"
                )
            out[name] = arr.copy()
        return out
