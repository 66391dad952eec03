"""tinygrad_mlp: a small, exact and fast autodiff framework on numpy.

The engine (:mod:`.tensor`, :mod:`.autograd`), its ops (:mod:`.ops`), the seed network
(:mod:`.nn`, :mod:`.functional`), the closed-form oracle (:mod:`.closed_form`), gradient
checks (:mod:`.gradcheck`), training (:mod:`.optim`) and the command line (:mod:`.cli`).
"""

from . import closed_form, functional, nn, optim
from .gradcheck import numerical_grad
from .tensor import Tensor, enable_grad, is_grad_enabled, no_grad

__version__ = "0.1.0"

__all__ = [
    "Tensor",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "nn",
    "functional",
    "closed_form",
    "optim",
    "numerical_grad",
    "__version__",
]
