"""Functions of tensors, under PyTorch's names (``import tinygrad_mlp.functional as F``).

- ``elementwise``: every function of the tensor alone (sqrt, sin, log1p, erf, relu, tanh,
  sigmoid, ...), made from the Tensor method of the same name;
- ``activations``: the activations with parameters (leaky_relu, elu, gelu, softplus, ...);
- ``binary``: clamp, maximum, minimum, where, lerp, pow;
- ``layers``: softmax, log_softmax, linear, linear_relu;
- ``losses``: cross_entropy, nll_loss; ``pointwise_losses``: mse, l1, huber, bce, ...;
- ``shape``: cat, stack, split, chunk, gather, pad.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

# Each family module's own ``__all__`` is the list of its public names: this package
# re-exports them all, so adding a function touches its module and nothing here.
from . import (
    activations,
    binary,
    elementwise,
    layers,
    losses,
    pointwise_losses,
    shape,
)
from .activations import *  # noqa: F403
from .binary import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .layers import *  # noqa: F403
from .losses import *  # noqa: F403
from .pointwise_losses import *  # noqa: F403
from .shape import *  # noqa: F403

__all__: list[str] = []
__all__ += activations.__all__
__all__ += binary.__all__
__all__ += elementwise.__all__
__all__ += layers.__all__
__all__ += losses.__all__
__all__ += pointwise_losses.__all__
__all__ += shape.__all__

if TYPE_CHECKING:
    from ..engine.tensor import Tensor

    def __getattr__(name: str) -> Callable[[Tensor], Tensor]:
        """The functions ``elementwise`` makes from Tensor methods, for type checkers."""
        ...
