"""tinygrad_mlp: a small, exact and fast autodiff framework on numpy.

The engine (:mod:`.tensor`, :mod:`.grad_mode`, :mod:`.autograd`), its ops (:mod:`.ops`),
higher order and forward mode (``grad``, ``hvp``, ``hessian``, ``jvp``), the seed network
(:mod:`.nn`, :mod:`.functional`), the closed-form oracle (:mod:`.closed_form`), gradient
checks (:mod:`.checks`), the scalar engine (:mod:`.scalar`), training (:mod:`.optim`,
:mod:`.data`, :mod:`.train`, ``save``/``load``) and the command line (:mod:`.cli`).
"""

from . import closed_form, data, functional, nn, optim
from .autograd import grad
from .checkpoint import load, save
from .checks import GradcheckError, GradcheckReport, gradcheck, gradgradcheck, numerical_grad
from .forward_ad import jvp
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .second_order import hessian, hvp
from .tensor import Tensor

__version__ = "0.1.0"

__all__ = [
    "Tensor",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "grad",
    "hvp",
    "hessian",
    "jvp",
    "nn",
    "functional",
    "closed_form",
    "optim",
    "data",
    "save",
    "load",
    "numerical_grad",
    "gradcheck",
    "gradgradcheck",
    "GradcheckReport",
    "GradcheckError",
    "__version__",
]
