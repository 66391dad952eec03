"""The seed network and its closed-form oracle, side by side.

The *seed network* is the network this project grew from: input N, hidden I (ReLU), hidden J
(ReLU), output K (softmax), trained with cross-entropy by gradient descent (``docs/derivation.md``
derives it). :class:`tinygrad_mlp.nn.MLP` builds it from the engine's ops;

- :mod:`.closed_form`: its forward pass and hand-derived gradients in plain numpy, the oracle
  every engine gradient is checked against;
- :mod:`.network`: a seeded instance (weights, a batch, its loss) for checks and experiments.
"""

from . import closed_form
from .network import SeedNet, build, loss

__all__ = ["closed_form", "SeedNet", "build", "loss"]
