"""Modules under PyTorch's names (``from tinygrad_mlp import nn``).

- ``module``: ``Module``, parameters with dotted names and state dicts;
- ``layers``: ``Linear``, ``Sequential`` and the seed network ``MLP``;
- ``activations``: ``ReLU``, ``Tanh``, ``Sigmoid``, ...;
- ``losses``: loss modules wrapping ``tinygrad_mlp.functional``'s losses.
"""

from .activations import (
    CELU,
    ELU,
    GELU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    Mish,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmin,
    Softplus,
    Softsign,
    Tanh,
)
from .layers import MLP, Linear, Sequential
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module

__all__ = [
    "Module",
    "Linear",
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
    "Sequential",
    "MLP",
    "CrossEntropyLoss",
    "NLLLoss",
    "MSELoss",
    "L1Loss",
    "HuberLoss",
    "SmoothL1Loss",
    "BCELoss",
    "BCEWithLogitsLoss",
]
