"""Optimizers: the seed's update rule Delta W = -eta dE/dW and its usual refinements."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .tensor import Tensor

__all__ = ["Optimizer", "SGD"]


class Optimizer:
    """Holds the parameters; ``step`` updates their data in place from their ``grad``."""

    def __init__(self, params: Iterable[Tensor]) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer parameters must be Tensors, got {type(p).__name__}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (None by default, as torch)."""
        for p in self.params:
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad[...] = 0

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with torch's momentum, dampening-free, and Nesterov.

    g = dE/dW + weight_decay W;  v = momentum v + g;  W -= lr (g + momentum v if nesterov
    else v). With momentum 0 this is the seed's Delta W = -eta dE/dW exactly.

    Example::

        >>> w = Tensor(np.array([1.0]), requires_grad=True)
        >>> (w * w).sum().backward(); SGD([w], lr=0.25).step(); w.data
        array([0.5])
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params)
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError(
                f"SGD: lr, momentum and weight_decay must be >= 0, got {lr}, {momentum}, "
                f"{weight_decay}"
            )
        if nesterov and momentum == 0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0")
        self.lr, self.momentum, self.weight_decay, self.nesterov = (
            lr,
            momentum,
            weight_decay,
            nesterov,
        )
        self.velocity: list[np.ndarray | None] = [None] * len(self.params)

    def step(self) -> None:
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            if wd:
                g = g + wd * p.data
            if mu:
                v = self.velocity[i]
                if v is None:
                    v = self.velocity[i] = np.array(g, copy=True)
                else:
                    v *= mu
                    v += g
                g = g + mu * v if self.nesterov else v
            if lr == 1.0:
                p.data -= g
            else:
                p.data -= lr * g
