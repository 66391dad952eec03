"""SGD: the seed's update rule Delta W = -eta dE/dW, with momentum, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ..tensor import Tensor
from .base import Optimizer, hyper_number

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, with torch's momentum, dampening-free, and Nesterov.

    g = dE/dW + weight_decay W;  v = momentum v + g (v = g on the first step);
    W -= lr (g + momentum v if nesterov else v). With momentum 0 this is the seed's
    Delta W = -eta dE/dW exactly.

    Example::

        >>> w = Tensor(np.array([1.0]), requires_grad=True)
        >>> (w * w).sum().backward(); SGD([w], lr=0.25).step(); w.data
        array([0.5])
    """

    HYPER = ("lr", "momentum", "weight_decay", "nesterov")
    BUFFERS = ("velocity",)

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params)
        self._scratch: list[np.ndarray | None] = [None] * len(self.params)  # not state
        self._set_hyper(
            {"lr": lr, "momentum": momentum, "weight_decay": weight_decay, "nesterov": nesterov}
        )

    def _set_hyper(self, values: Mapping[str, Any]) -> None:
        lr = hyper_number(values["lr"], "lr", "SGD")
        momentum = hyper_number(values["momentum"], "momentum", "SGD")
        weight_decay = hyper_number(values["weight_decay"], "weight_decay", "SGD")
        if isinstance(values["nesterov"], str) or np.asarray(values["nesterov"]).dtype != bool:
            raise TypeError(f"SGD: nesterov must be True or False, got {values['nesterov']!r}")
        nesterov = bool(values["nesterov"])
        if momentum >= 1:  # v = sum_t momentum^t g_t: with momentum >= 1 it never forgets
            raise ValueError(f"SGD: momentum must lie in [0, 1), got {momentum}")
        if nesterov and momentum == 0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0")
        self.lr, self.momentum, self.weight_decay, self.nesterov = (
            lr,
            momentum,
            weight_decay,
            nesterov,
        )

    def update(self) -> None:
        """One update of every parameter with a gradient (see the class docstring)."""
        lr = self.lr
        plain = not (self.momentum or self.weight_decay)  # the seed's rule: W -= lr dE/dW
        scratch = self._scratch
        factor: Any = None  # lr as np.multiply reads it beside the current dtype (_factor)
        factor_dtype = None
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            data = p.data
            if type(data) is not np.ndarray:  # a numpy scalar (0-d arithmetic gives one):
                data = p.data = np.array(data)  # an array again, so the update is in place
            if type(g) is not np.ndarray or g.shape != data.shape:
                g = self._grad(i, p)  # a Tensor grad (create_graph), or a wrong shape: checked
            if not plain:
                g = self._direction(i, g, data)
            if lr == 1.0:
                data -= g
            else:
                # lr * g into a buffer kept between steps: the same arithmetic as
                # p -= lr * g, without allocating (and page-faulting) a temporary each step
                buf = scratch[i]
                if buf is None or buf.shape != data.shape or buf.dtype != data.dtype:
                    buf = scratch[i] = np.empty(data.shape, dtype=data.dtype)
                if data.dtype is not factor_dtype:
                    factor, factor_dtype = _factor(lr, data.dtype), data.dtype
                np.multiply(g, factor, out=buf)
                data -= buf

    def _direction(self, i: int, g: np.ndarray, data: np.ndarray) -> np.ndarray:
        """The step's direction with weight decay and momentum: g + wd W, then v or g + mu v."""
        mu, wd = self.momentum, self.weight_decay
        if wd:
            g = g + wd * data
        if mu:
            s = self.state[i]
            v = s.get("velocity")
            if v is None:
                v = s["velocity"] = np.array(g, copy=True)
            else:
                v *= mu
                v += g
            g = g + mu * v if self.nesterov else v
        return g


def _factor(lr: float, dtype: np.dtype[Any]) -> Any:
    """``lr`` as ``np.multiply(g, lr)`` reads it beside a ``dtype`` array, made once a step.

    numpy reads a Python float beside a float array as that array's dtype (NEP 50: a "weak"
    scalar) and converts it again on every call (0.4-0.8 us, about a third of the multiply
    on a small layer). The 0-d array of that dtype is the same value, so the same product,
    bit for bit (overflow warning included). Any other lr or dtype is passed as it is.
    """
    if type(lr) is float and dtype.kind == "f":
        return np.array(lr, dtype=dtype)
    return lr
