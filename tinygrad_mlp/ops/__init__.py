"""Every differentiable operation, one class each, forward and backward side by side.

- ``base``: the ``Op`` node and the helpers a backward rule may use;
- ``math``: ``+ - * / ** @``, negation, exp, log, cast;
- ``activation``: relu, tanh, sigmoid and the piecewise activations (leaky relu, elu, ...);
- ``activation_smooth``: softplus, logsigmoid, silu, mish, gelu;
- ``elementwise``, ``trig``: unary math (abs, sqrt, log1p, erf, ...; sin, asinh, ...);
- ``binary``: maximum, minimum, where, clamp, lerp, tensor ** tensor;
- ``reduce``: sum, max, min, var, std, logsumexp, cumsum; ``product``: prod, exact at zeros;
- ``shape``: reshape, transpose, broadcast_to, cat, crop, pad, flip, repeat;
- ``index``: x[index] (gather too) and its adjoint, the scatter-add of a gradient;
- ``nn``: softmax, log-softmax, fused linear and linear+ReLU;
- ``loss``: softmax cross-entropy fused into one node, and its gradient as an op;
- ``bce``: binary cross-entropy on probabilities and on logits, one node each.

How to write one: ``base`` states the contract; ``docs/ops.md`` walks through it.
"""

# Each family module's own ``__all__`` is the list of its public names: this package
# re-exports them all, so adding an op touches its module and nothing here.
from . import (
    activation,
    activation_smooth,
    base,
    bce,
    binary,
    elementwise,
    index,
    loss,
    math,
    nn,
    product,
    reduce,
    shape,
    trig,
)
from .activation import *  # noqa: F403
from .activation_smooth import *  # noqa: F403
from .base import *  # noqa: F403
from .bce import *  # noqa: F403
from .binary import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .index import *  # noqa: F403
from .loss import *  # noqa: F403
from .math import *  # noqa: F403
from .nn import *  # noqa: F403
from .product import *  # noqa: F403
from .reduce import *  # noqa: F403
from .shape import *  # noqa: F403
from .trig import *  # noqa: F403

__all__: list[str] = []
__all__ += base.__all__
__all__ += math.__all__
__all__ += activation.__all__
__all__ += activation_smooth.__all__
__all__ += elementwise.__all__
__all__ += trig.__all__
__all__ += binary.__all__
__all__ += reduce.__all__
__all__ += product.__all__
__all__ += shape.__all__
__all__ += index.__all__
__all__ += nn.__all__
__all__ += loss.__all__
__all__ += bce.__all__
