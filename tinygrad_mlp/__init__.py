"""tinygrad_mlp: a small, exact and fast autodiff framework on numpy.

- ``engine``: the Tensor's graph core, the graph node, backward, grad mode, engine state;
- ``ops``: every differentiable operation, one class each, forward and backward side by side;
- ``tensor``: the public Tensor, its methods, creation functions, numpy interop, jvp, hvp;
- ``functional`` and ``nn``: what a network is built from, under PyTorch's names;
- ``seed``: the seed network and its closed-form oracle (``tinygrad_mlp.closed_form``);
- ``checks``: gradient checks (finite differences, reports, kinks, the seed network's);
- ``experiments``: gradient-check experiments (eps sweeps, kink statistics, figures);
- ``train``, ``optim``, ``data``: training, optimizers, data sets;
- ``jit``: ``tm.jit`` traces a training step once and replays it as straight numpy;
- ``scalar``: the scalar engine, one graph node per number;
- ``cli``: the ``tinygrad-mlp`` command; ``bench``: benchmarks;
- ``viz``: the graph drawn (Graphviz DOT); ``detect_anomaly`` finds the first NaN;
- ``utils``: small shared utilities; ``testing``: strategies and asserts for tests.
"""

import sys

from . import data, functional, nn, optim, viz
from .checks import (
    GradcheckError,
    GradcheckReport,
    check_grads,
    gradcheck,
    gradgradcheck,
    numerical_grad,
)
from .dtypes import bool, float16, float32, float64, int32, int64
from .engine.anomaly import detect_anomaly, is_anomaly_enabled
from .engine.backward import grad
from .engine.grad_mode import enable_grad, is_grad_enabled, no_grad
from .engine.seeding import default_generator, manual_seed
from .functional.shape import cat, chunk, concatenate, gather, split, stack
from .jit import JitError, jit
from .seed import closed_form
from .tensor import Tensor
from .tensor.creation import (
    arange,
    eye,
    full,
    full_like,
    linspace,
    normal,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    zeros,
    zeros_like,
)
from .tensor.forward_ad import jvp
from .tensor.higher_order import hessian, hvp
from .train.checkpoint import load, save
from .utils.blas import get_num_threads, set_num_threads

# The oracle lives beside the seed network (seed/closed_form.py); this keeps its public path
# importable as a module too: ``from tinygrad_mlp.closed_form import one_hot``.
sys.modules[f"{__name__}.closed_form"] = closed_form

__version__ = "0.1.0"

__all__ = [
    "Tensor",
    "zeros",
    "ones",
    "full",
    "zeros_like",
    "ones_like",
    "full_like",
    "arange",
    "linspace",
    "eye",
    "rand",
    "randn",
    "randint",
    "normal",
    "manual_seed",
    "default_generator",
    "float16",
    "float32",
    "float64",
    "int32",
    "int64",
    "bool",
    "set_num_threads",
    "get_num_threads",
    "cat",
    "concatenate",
    "stack",
    "split",
    "chunk",
    "gather",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "grad",
    "detect_anomaly",
    "is_anomaly_enabled",
    "viz",
    "hvp",
    "hessian",
    "jvp",
    "jit",
    "JitError",
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
    "check_grads",
    "GradcheckReport",
    "GradcheckError",
    "__version__",
]
