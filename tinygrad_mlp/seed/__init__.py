"""The seed network and its closed-form oracle, side by side.

The *seed network* is the network this project grew from: input N, hidden I (ReLU), hidden J
(ReLU), output K (softmax), trained with cross-entropy by gradient descent (``docs/derivation.md``
derives it). ``tinygrad_mlp.nn.MLP`` builds it from the engine's ops;

- ``closed_form``: its forward pass and hand-derived gradients in plain numpy, the oracle
  every engine gradient is checked against;
- ``network``: the network as data (``SeedNetwork``: sizes, weights, a batch, its
  targets), built seeded for checks and experiments, its loss, its parameters' names.
"""

from . import closed_form
from .network import SeedNetwork, build, loss, param_names

__all__ = ["closed_form", "SeedNetwork", "build", "loss", "param_names"]
