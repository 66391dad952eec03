"""The seed network as data: layer sizes, weights, a batch and its targets, and its loss.

One definition serves the checks, the experiments and the tests (whose hypothesis strategy
``testing.strategies.seed_networks`` draws these): ``SeedNetwork``, built seeded by
``build``, and ``param_names``, the one place the parameters' names are spelled.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .. import functional as F
from ..tensor import Tensor

__all__ = ["SeedNetwork", "build", "loss", "param_names"]


def param_names(layers: int) -> list[str]:
    """The names ``nn.MLP`` gives the weights and biases of its ``layers`` Linear layers.

    The Linear layers sit at positions 0, 2, 4, ... of the Sequential, a ReLU between each
    two, so layer l's parameters are "{2l}.weight" and "{2l}.bias".

    Example::

        >>> param_names(2)
        ['0.weight', '0.bias', '2.weight', '2.bias']
    """
    return [f"{2 * layer}.{kind}" for layer in range(layers) for kind in ("weight", "bias")]


@dataclass
class SeedNetwork:
    """A seed network N -> hidden... (relu) -> K with its weights, a batch and its targets.

    ``params`` holds one (W, b) pair per layer, W of shape (fan_out, fan_in), as
    ``tinygrad_mlp.closed_form`` takes them; ``target`` holds int labels of shape (B,) or
    probability rows of shape (B, K), as ``F.cross_entropy`` takes them.
    """

    sizes: list[int]
    params: list[tuple[np.ndarray, np.ndarray]]
    x: np.ndarray
    target: np.ndarray

    @property
    def names(self) -> list[str]:
        """Parameter names as in ``nn.MLP``: "0.weight", "0.bias", "2.weight", ..."""
        return param_names(len(self.params))

    @property
    def flat_params(self) -> list[np.ndarray]:
        """W1, b1, W2, b2, ...: the order ``loss_fn`` and ``names`` use."""
        return [p for pair in self.params for p in pair]

    @property
    def state_dict(self) -> dict[str, np.ndarray]:
        """The weights under ``nn.MLP``'s names, for ``load_state_dict`` of either engine."""
        return dict(zip(self.names, self.flat_params, strict=True))

    def loss_fn(self) -> Callable[..., Tensor]:
        """The mean cross-entropy as a function of (W1, b1, W2, b2, ...) Tensors, for
        ``tm.grad``, ``tm.jvp``, ``tm.hvp`` and ``gradcheck`` over the parameters."""
        return lambda *params: loss(self.x, self.target, *params)


def build(sizes: Sequence[int], batch: int, seed: int) -> SeedNetwork:
    """He-scaled weights, biases ~ 0.1 N(0, 1), inputs ~ N(0, 1), labels uniform; float64.

    Example::

        >>> net = build([4, 5, 3], batch=2, seed=0)
        >>> [p.shape for p in net.flat_params], net.x.shape, net.target.shape
        ([(5, 4), (5,), (3, 5), (3,)], (2, 4), (2,))
    """
    if len(sizes) < 2:
        raise ValueError(f"a network needs an input and an output size, got sizes {list(sizes)}")
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        W = rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in)
        params.append((W, 0.1 * rng.standard_normal(fan_out)))
    x = rng.standard_normal((batch, sizes[0]))
    y = rng.integers(0, sizes[-1], batch)
    return SeedNetwork(list(sizes), params, x, y)


def loss(x: np.ndarray, target: np.ndarray, *params: Tensor) -> Tensor:
    """Mean cross-entropy of the network: relu(linear) on hidden layers, softmax at the end.

    ``params`` are W1, b1, W2, b2, ... as Tensors; ``x`` is cast to their dtype.

    Example::

        >>> net = build([4, 3], batch=2, seed=0)
        >>> float(loss(net.x, net.target, *map(Tensor, net.flat_params)).data) > 0
        True
    """
    a = Tensor(x.astype(params[0].dtype))
    pairs = list(zip(params[0::2], params[1::2], strict=True))
    for W, b in pairs[:-1]:
        a = F.linear_relu(a, W, b)
    return F.cross_entropy(F.linear(a, *pairs[-1]), target)
