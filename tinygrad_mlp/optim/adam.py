"""Adam (Kingma and Ba 2015): per-parameter step sizes from running moment estimates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ..engine.tensor import Tensor
from .base import Optimizer, hyper_number

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam (Kingma and Ba 2015, Algorithm 1), with bias correction and L2 weight decay.

    g = dE/dW + weight_decay W;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    m_hat = m / (1 - b1^t);  v_hat = v / (1 - b2^t);  W -= lr m_hat / (sqrt(v_hat) + eps),
    with t counted per parameter (the steps on which it had a gradient), as torch.optim.Adam.

    Example::

        >>> w = Tensor(np.array([1.0]), requires_grad=True)
        >>> (w * w).sum().backward(); Adam([w], lr=0.1).step(); w.data.round(6)
        array([0.9])
    """

    HYPER = ("lr", "beta1", "beta2", "eps", "weight_decay")
    BUFFERS = ("step", "exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params)
        if not isinstance(betas, (tuple, list)):
            raise TypeError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        if len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        self._set_hyper(
            {
                "lr": lr,
                "beta1": betas[0],
                "beta2": betas[1],
                "eps": eps,
                "weight_decay": weight_decay,
            }
        )

    def _set_hyper(self, values: Mapping[str, Any]) -> None:
        lr = hyper_number(values["lr"], "lr", "Adam")
        beta1 = hyper_number(values["beta1"], "beta1", "Adam")
        beta2 = hyper_number(values["beta2"], "beta2", "Adam")
        eps = hyper_number(values["eps"], "eps", "Adam")
        if eps <= 0:
            raise ValueError(
                f"Adam: eps must be > 0 (it keeps m / (sqrt(v) + eps) finite), got {eps}"
            )
        weight_decay = hyper_number(values["weight_decay"], "weight_decay", "Adam")
        if beta1 >= 1 or beta2 >= 1:
            raise ValueError(f"Adam: betas must lie in [0, 1), got ({beta1}, {beta2})")
        self.lr, self.beta1, self.beta2, self.eps, self.weight_decay = (
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
        )

    @property
    def betas(self) -> tuple[float, float]:
        """(beta1, beta2), the decay rates of the two moment estimates."""
        return self.beta1, self.beta2

    def update(self) -> None:
        """One Adam update of every parameter with a gradient (see the class docstring)."""
        lr, b1, b2, eps, wd = self.lr, self.beta1, self.beta2, self.eps, self.weight_decay
        for i, (p, s) in enumerate(zip(self.params, self.state, strict=True)):
            g = self._grad(i, p)
            if g is None:
                continue
            if wd:
                g = g + wd * p.data
            if not s:
                s["step"] = 0
                s["exp_avg"] = np.zeros_like(p.data)
                s["exp_avg_sq"] = np.zeros_like(p.data)
            s["step"] += 1
            t, m, v = s["step"], s["exp_avg"], s["exp_avg_sq"]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            m_hat = m / (1 - b1**t)
            v_hat = v / (1 - b2**t)
            p.data -= lr * m_hat / (np.sqrt(v_hat) + eps)
