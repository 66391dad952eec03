"""The scalar engine: the seed network neuron by neuron, one graph node per number.

``Value`` (``value``) is a float that records how it was computed, with the
elementwise math (``elementwise``: ``v.sqrt()``, ``v.sin()``, ``v.maximum(w)``, ...) and
activations (``activations``: ``v.sigmoid()``, ``v.softplus()``, ``v.gelu()``, ...) of
the tensor engine, with the same derivatives at kinks;
``nn`` builds ``Neuron``, ``Layer`` and the seed ``MLP`` from Values, and
``functional`` the stable softmax and cross-entropy. Gradients agree with the tensor
engine and the closed form to float64 round-off; weights move between the engines through
``state_dict``. Slower than the tensor engine by far, but every number is inspectable.

Example::

    >>> from tinygrad_mlp.scalar import Value, MLP, cross_entropy
    >>> net = MLP(2, [4], 3, rng=np.random.default_rng(0))
    >>> loss = cross_entropy(net([0.5, -1.0]), 2)
    >>> loss.backward()
    >>> type(net.layers[0].neurons[1].w[0].grad)
    <class 'float'>
"""

from . import functional
from .functional import cross_entropy, log_softmax, softmax
from .nn import MLP, Layer, Neuron
from .value import Value, dot, vsum

__all__ = [
    "Value",
    "dot",
    "vsum",
    "Neuron",
    "Layer",
    "MLP",
    "functional",
    "log_softmax",
    "softmax",
    "cross_entropy",
]
