"""Optimizers: the seed's update rule Delta W = -eta dE/dW and its usual refinements.

``SGD`` (momentum, Nesterov, weight decay, as torch.optim.SGD without dampening) and
``Adam`` (Kingma and Ba 2015, Algorithm 1, with bias correction). Both save and restore
their state with ``state_dict`` / ``load_state_dict`` so training resumes exactly; the
state dict holds only strings, numbers and arrays, so ``tm.save`` stores it without pickle.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["Optimizer", "SGD", "Adam"]


def _number(value: Any, name: str, who: str) -> float:
    """A finite, non-negative float hyperparameter (0-d arrays from a checkpoint included)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{who}: {name} must be a number, got {value!r}") from None
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{who}: {name} must be finite and >= 0, got {value}")
    return v


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
        for p in self.params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer parameters must be Tensors, got {type(p).__name__}")
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
        if g.shape != p.data.shape:
            raise ValueError(
                f"{type(self).__name__}.step: parameter {i} has a grad of shape {g.shape}, "
                f"its data has shape {p.data.shape}"
            )
        return g

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (None by default, as torch)."""
        for p in self.params:
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad[...] = 0

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        raise NotImplementedError

    def _set_hyper(self, values: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """Hyperparameters and per-parameter buffers (copies), keyed by parameter index.

        Example::

            >>> w = Tensor(np.zeros(2), requires_grad=True)
            >>> sorted(SGD([w], lr=0.1, momentum=0.9).state_dict())
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
        """Restore hyperparameters and buffers from :meth:`state_dict` (or ``tm.load``).

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
        lr = _number(values["lr"], "lr", "SGD")
        momentum = _number(values["momentum"], "momentum", "SGD")
        weight_decay = _number(values["weight_decay"], "weight_decay", "SGD")
        if isinstance(values["nesterov"], str) or np.asarray(values["nesterov"]).dtype != bool:
            raise TypeError(f"SGD: nesterov must be True or False, got {values['nesterov']!r}")
        nesterov = bool(values["nesterov"])
        if nesterov and momentum == 0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0")
        self.lr, self.momentum, self.weight_decay, self.nesterov = (
            lr,
            momentum,
            weight_decay,
            nesterov,
        )

    def step(self) -> None:
        """One update of every parameter with a gradient (see the class docstring)."""
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        scratch = self._scratch
        for i, (p, s) in enumerate(zip(self.params, self.state, strict=True)):
            g = p.grad
            if g is None:
                continue
            if type(g) is not np.ndarray or g.shape != p.data.shape:
                g = self._grad(i, p)  # a Tensor grad (create_graph), or a wrong shape: checked
            if wd:
                g = g + wd * p.data
            if mu:
                v = s.get("velocity")
                if v is None:
                    v = s["velocity"] = np.array(g, copy=True)
                else:
                    v *= mu
                    v += g
                g = g + mu * v if self.nesterov else v
            if lr == 1.0:
                p.data -= g
            else:
                # lr * g into a buffer kept between steps: the same arithmetic as
                # p -= lr * g, without allocating (and page-faulting) a temporary each step
                buf = scratch[i]
                if buf is None or buf.shape != g.shape or buf.dtype != p.data.dtype:
                    buf = scratch[i] = np.empty(g.shape, dtype=p.data.dtype)
                np.multiply(g, lr, out=buf)
                p.data -= buf


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
        lr = _number(values["lr"], "lr", "Adam")
        beta1 = _number(values["beta1"], "beta1", "Adam")
        beta2 = _number(values["beta2"], "beta2", "Adam")
        eps = _number(values["eps"], "eps", "Adam")
        if eps <= 0:
            raise ValueError(
                f"Adam: eps must be > 0 (it keeps m / (sqrt(v) + eps) finite), got {eps}"
            )
        weight_decay = _number(values["weight_decay"], "weight_decay", "Adam")
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

    def step(self) -> None:
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
