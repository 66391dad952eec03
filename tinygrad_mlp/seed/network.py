"""The seeded seed network the experiments differentiate: weights, a batch, and its loss."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .. import functional as F
from ..engine.tensor import Tensor

__all__ = ["SeedNet", "build", "loss"]


@dataclass
class SeedNet:
    """Layer sizes, parameters [W1, b1, W2, b2, ...] (W of shape (fan_out, fan_in)), a batch."""

    sizes: list[int]
    params: list[np.ndarray]
    x: np.ndarray
    y: np.ndarray

    @property
    def names(self) -> list[str]:
        """Parameter names as in ``nn.MLP``: "0.weight", "0.bias", "2.weight", ..."""
        return [f"{2 * (i // 2)}.{'bias' if i % 2 else 'weight'}" for i in range(len(self.params))]

    def pairs(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The parameters as (W, b) pairs, as :mod:`tinygrad_mlp.closed_form` takes them."""
        return [(self.params[i], self.params[i + 1]) for i in range(0, len(self.params), 2)]


def build(sizes: Sequence[int], batch: int, seed: int) -> SeedNet:
    """He-scaled weights, biases ~ 0.1 N(0, 1), inputs ~ N(0, 1), labels uniform; float64.

    Example::

        >>> net = build([4, 5, 3], batch=2, seed=0)
        >>> [p.shape for p in net.params], net.x.shape, net.y.shape
        ([(5, 4), (5,), (3, 5), (3,)], (2, 4), (2,))
    """
    if len(sizes) < 2:
        raise ValueError(f"a network needs an input and an output size, got sizes {list(sizes)}")
    rng = np.random.default_rng(seed)
    params: list[np.ndarray] = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        params.append(rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in))
        params.append(0.1 * rng.standard_normal(fan_out))
    x = rng.standard_normal((batch, sizes[0]))
    y = rng.integers(0, sizes[-1], batch)
    return SeedNet(list(sizes), params, x, y)


def loss(x: np.ndarray, y: np.ndarray, *params: Tensor) -> Tensor:
    """Mean cross-entropy of the network: relu(linear) on hidden layers, softmax at the end.

    Example::

        >>> net = build([4, 3], batch=2, seed=0)
        >>> float(loss(net.x, net.y, *map(Tensor, net.params)).data) > 0
        True
    """
    a = Tensor(x.astype(params[0].dtype))
    n = len(params) // 2
    for layer in range(n):
        a = F.linear(a, params[2 * layer], params[2 * layer + 1])
        if layer < n - 1:
            a = F.relu(a)
    return F.cross_entropy(a, y)
