"""Functions of tensors, under PyTorch's names (``import tinygrad_mlp.functional as F``).

- :mod:`.activations`: relu, tanh, sigmoid, ...;
- :mod:`.layers`: softmax, log_softmax, linear, linear_relu;
- :mod:`.losses`: cross_entropy, ...
"""

from .activations import relu, sigmoid, tanh
from .layers import linear, linear_relu, log_softmax, softmax
from .losses import cross_entropy

__all__ = [
    "relu",
    "tanh",
    "sigmoid",
    "softmax",
    "log_softmax",
    "linear",
    "linear_relu",
    "cross_entropy",
]
