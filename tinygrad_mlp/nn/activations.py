"""Activation modules: each wraps the ``functional`` function of the same name."""

from __future__ import annotations

from .. import functional as F
from ..tensor import Tensor
from .module import Module

__all__ = [
    "ReLU",
    "Tanh",
    "Sigmoid",
    "LeakyReLU",
    "ELU",
    "SELU",
    "CELU",
    "GELU",
    "SiLU",
    "Mish",
    "Softplus",
    "Softsign",
    "Hardtanh",
    "ReLU6",
    "Hardsigmoid",
    "Hardswish",
    "LogSigmoid",
    "Softmin",
]


class ReLU(Module):
    """max(x, 0) as a module."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)

    def __repr__(self) -> str:
        return "ReLU()"


class Tanh(Module):
    """tanh(x) as a module."""

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)

    def __repr__(self) -> str:
        return "Tanh()"


class Sigmoid(Module):
    """1 / (1 + e^-x) as a module."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)

    def __repr__(self) -> str:
        return "Sigmoid()"


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise (derivative at 0: the slope, as torch)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope})"


class ELU(Module):
    """x for x > 0, alpha (e^x - 1) otherwise (derivative at 0: alpha, as torch)."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def __repr__(self) -> str:
        return f"ELU(alpha={self.alpha})"


class SELU(Module):
    """scale * elu(x, alpha) with the self-normalising constants."""

    def forward(self, x: Tensor) -> Tensor:
        return F.selu(x)

    def __repr__(self) -> str:
        return "SELU()"


class CELU(Module):
    """x for x > 0, alpha (e^(x/alpha) - 1) otherwise; continuously differentiable."""

    def __init__(self, alpha: float = 1.0) -> None:
        if alpha == 0:
            raise ValueError("CELU: alpha must not be 0 (it divides x)")
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.celu(x, self.alpha)

    def __repr__(self) -> str:
        return f"CELU(alpha={self.alpha})"


class GELU(Module):
    """x Phi(x) (``approximate="tanh"`` for torch's tanh form)."""

    def __init__(self, approximate: str = "none") -> None:
        if approximate not in ("none", "tanh"):
            raise ValueError(f'GELU: approximate must be "none" or "tanh", got {approximate!r}')
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)

    def __repr__(self) -> str:
        return f"GELU(approximate={self.approximate!r})"


class SiLU(Module):
    """x sigmoid(x)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x)

    def __repr__(self) -> str:
        return "SiLU()"


class Mish(Module):
    """x tanh(softplus(x))."""

    def forward(self, x: Tensor) -> Tensor:
        return F.mish(x)

    def __repr__(self) -> str:
        return "Mish()"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, x itself where beta x > threshold; never overflows."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        if not beta > 0:
            raise ValueError(f"Softplus: beta must be positive, got {beta}")
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def __repr__(self) -> str:
        return f"Softplus(beta={self.beta}, threshold={self.threshold})"


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.softsign(x)

    def __repr__(self) -> str:
        return "Softsign()"


class Hardtanh(Module):
    """clip(x, min_val, max_val) (derivative 0 at both bounds, as torch)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0) -> None:
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val {min_val} is greater than max_val {max_val}")
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x: Tensor) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val)

    def __repr__(self) -> str:
        return f"Hardtanh(min_val={self.min_val}, max_val={self.max_val})"


class ReLU6(Module):
    """min(max(x, 0), 6) (derivative 0 at 0 and 6, as torch)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu6(x)

    def __repr__(self) -> str:
        return "ReLU6()"


class Hardsigmoid(Module):
    """min(max(x + 3, 0), 6) / 6 (derivative 0 at +-3, as torch)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.hardsigmoid(x)

    def __repr__(self) -> str:
        return "Hardsigmoid()"


class Hardswish(Module):
    """x * hardsigmoid(x) (derivative -1/2 at -3 and 3/2 at 3, as torch)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.hardswish(x)

    def __repr__(self) -> str:
        return "Hardswish()"


class LogSigmoid(Module):
    """log(sigmoid(x)), finite for any x."""

    def forward(self, x: Tensor) -> Tensor:
        return F.logsigmoid(x)

    def __repr__(self) -> str:
        return "LogSigmoid()"


class Softmin(Module):
    """softmax(-x) along ``dim`` (torch's name for the axis)."""

    def __init__(self, dim: int = -1) -> None:
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmin(x, self.dim)

    def __repr__(self) -> str:
        return f"Softmin(dim={self.dim})"
