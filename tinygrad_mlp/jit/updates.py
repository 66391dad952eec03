"""Replaying ``opt.step()`` and ``zero_grad``: state and hyperparameters read on every call.

``sgd_update`` repeats ``SGD.step`` call for call (``optim/sgd.py``), with its
temporaries in buffers kept between calls; every hyperparameter (``lr``, ``momentum``,
``weight_decay``, ``nesterov``) and the velocity are read from the optimizer when the kernel
runs, so a learning rate changed between calls takes effect exactly as in eager mode. Any
other optimizer (Adam included) is replayed by calling its own ``step()``: exact by
construction, and its state (Adam's step count, hence its bias corrections) lives where it
always does.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter, is_
from typing import Any

import numpy as np

from ..engine import saved as _saved
from ..engine.saved import relock, unlock
from ..engine.tensor import Tensor
from ..optim import SGD
from ..optim.base import zero_grad_of

__all__ = ["update", "Zero"]

Kernel = Callable[[], None]
_grad = attrgetter("grad")


Flat = tuple[np.ndarray, list[tuple[Tensor, np.ndarray]]]


def update(opt: Any, flat: Flat | None = None) -> Kernel:
    """The kernel replaying ``opt.step()``: fused for SGD itself, else the optimizer's own.

    ``flat``: one array whose views are the parameters' gradient buffers (see
    ``Plan._flat_gradients``), with each parameter and its view.
    """
    if type(opt) is SGD:
        return sgd_update(opt, flat)
    step: Kernel = opt.step
    return step


def sgd_update(opt: SGD, flat: Flat | None = None) -> Kernel:
    """``SGD.step``: g += wd W; v = mu v + g; W -= lr (g + mu v if nesterov else v).

    With ``flat``, and every parameter's grad still its view of the flat array, the common
    case W -= lr g takes one multiply for all parameters (elementwise: the same bits), then
    one subtraction per parameter.
    """
    params = list(opt.params)
    n = len(params)
    tmp: list[dict[str, np.ndarray]] = [{} for _ in range(n)]
    multiply, add = np.multiply, np.add
    # lr * g goes into a buffer of the parameter's shape and dtype, as SGD's own scratch
    plain = [(p, np.empty(p.data.shape, dtype=p.data.dtype)) for p in params]

    def buffer(i: int, name: str, like: np.ndarray, dtype: np.dtype[Any]) -> np.ndarray:
        b = tmp[i].get(name)
        if b is None or b.shape != like.shape or b.dtype != dtype:
            b = tmp[i][name] = np.empty(like.shape, dtype=dtype)
        return b

    if flat is not None:
        flat_g = flat[0]
        flat_b = np.zeros_like(flat_g)
        views = [v for _, v in flat[1]]
        # the flat buffer's view of each parameter's lr * g (same offsets as the grads)
        steps = [
            (p, flat_b[_offset(flat_g, v) : _offset(flat_g, v) + v.size].reshape(v.shape))
            for p, v in flat[1]
        ]

    def run() -> None:
        lr, mu, wd = opt.lr, opt.momentum, opt.weight_decay
        # as SGD.step: arrays a live graph holds are unlocked, their versions bumped
        unlocked = unlock(p.data for p in params) if _saved._held else None
        try:
            if not mu and not wd and lr != 1.0:  # W -= lr g: the seed's rule, the common case
                if flat is not None and all(map(is_, map(_grad, params), views)):
                    multiply(flat_g, lr, out=flat_b)
                    for p, b in steps:
                        data = p.data
                        data -= b  # in place, as SGD's own p.data -= buf
                    return
                for p, b in plain:
                    g = p.grad
                    if g is None:
                        continue
                    data = p.data
                    if type(g) is not np.ndarray or g.shape != data.shape:
                        g = opt._grad(params.index(p), p)
                    multiply(g, lr, out=b)
                    data -= b
            else:
                general(lr, mu, wd)
        finally:
            if unlocked:
                relock(unlocked)

    def general(lr: float, mu: float, wd: float) -> None:
        state = opt.state
        for i in range(n):
            p = params[i]
            g = p.grad
            if g is None:
                continue
            data = p.data
            if type(g) is not np.ndarray or g.shape != data.shape:
                g = opt._grad(i, p)
                assert g is not None
            if wd and g.dtype == data.dtype:  # g + wd * W, the product first
                t = buffer(i, "wd", g, data.dtype)
                multiply(data, wd, out=t)
                g = add(g, t, out=t)
            elif wd:  # mixed dtypes: numpy's promotion, exactly as written in SGD
                g = g + wd * data
            if mu:
                s = state[i]
                v = s.get("velocity")
                if v is None:
                    v = s["velocity"] = np.array(g, copy=True)
                else:
                    v *= mu
                    v += g
                if opt.nesterov:  # g + mu * v
                    t = buffer(i, "nesterov", v, v.dtype)  # v is a copy of g: one dtype
                    multiply(v, mu, out=t)
                    g = add(g, t, out=t)
                else:
                    g = v
            if lr == 1.0:
                data -= g
            else:
                b = buffer(i, "step", g, data.dtype)
                multiply(g, lr, out=b)
                data -= b

    return run


def _offset(base: np.ndarray, view: np.ndarray) -> int:
    """Where ``view`` starts in the 1-D array ``base``, in elements."""
    return (
        view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    ) // base.itemsize


class Zero:
    """``zero_grad`` of some tensors, as ``zero_grad_of`` does it, in one kernel.

    ``tensors`` holds the common case, parameters set to None, for a plain loop.
    """

    def __init__(self) -> None:
        self.items: list[tuple[Callable[[], Tensor], bool]] = []
        self.tensors: list[Tensor] | None = []

    def drop(self, tensors: list[Tensor]) -> None:
        """Leave out setting these to None: a fused kernel sets their grad in this step
        before anything reads it (to its buffer, or to None if no gradient reaches it)."""
        if self.tensors is not None:
            self.tensors = [t for t in self.tensors if all(t is not u for u in tensors)]

    def add(self, get: Callable[[], Tensor], set_to_none: bool, tensor: Tensor | None) -> None:
        self.items.append((get, set_to_none))
        if self.tensors is not None and tensor is not None and set_to_none:
            self.tensors.append(tensor)
        else:
            self.tensors = None

    def __call__(self) -> None:
        if self.tensors is not None:
            for t in self.tensors:
                t.grad = None
            return
        for get, set_to_none in self.items:
            zero_grad_of(get(), set_to_none)
