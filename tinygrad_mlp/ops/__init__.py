"""Every differentiable operation, one class each, forward and backward side by side.

- ``base``: the ``Op`` node and the helpers a backward rule may use;
- ``math``: ``+ - * / ** @``, negation, exp, log, cast;
- ``activation``: relu, tanh, sigmoid and the piecewise activations (leaky relu, elu, ...);
- ``activation_smooth``: softplus, logsigmoid, silu, mish, gelu;
- ``elementwise``, ``trig``: unary math (abs, sqrt, log1p, erf, ...; sin, asinh, ...);
- ``binary``: maximum, minimum, where, clamp, lerp, tensor ** tensor;
- ``reduce``: sum, max, min, prod, var, std, logsumexp, cumsum;
- ``shape``: reshape, transpose, broadcast_to, cat, crop, pad, flip, repeat;
- ``index``: x[index] (gather too) and its adjoint, the scatter-add of a gradient;
- ``nn``: softmax, log-softmax, fused linear and linear+ReLU;
- ``loss``: softmax cross-entropy fused into one node, and its gradient as an op;
- ``bce``: binary cross-entropy on probabilities and on logits, one node each.

How to write one: ``base`` states the contract; ``docs/ops.md`` walks through it.
"""

from .activation import (
    ELU,
    SELU_ALPHA,
    SELU_SCALE,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softsign,
    Tanh,
)
from .activation_smooth import GELU, LogSigmoid, Mish, SiLU, Softplus
from .base import Op, call, reduced_count
from .bce import BinaryCrossEntropy, BinaryCrossEntropyWithLogits
from .binary import Clamp, ClampTensor, Lerp, Maximum, Minimum, Power, Where
from .elementwise import (
    Abs,
    Erf,
    Erfc,
    Exp2,
    Expm1,
    Log1p,
    Log2,
    Log10,
    Reciprocal,
    Rsqrt,
    Sign,
    Sqrt,
    Square,
)
from .index import Index, ScatterAdd, gather_index, plain_index
from .loss import CrossEntropy, CrossEntropyGrad
from .math import Add, Cast, Div, Exp, Log, MatMul, Mul, Neg, Pow, Sub
from .nn import Linear, LinearReLU, LogSoftmax, Softmax
from .reduce import CumSum, LogSumExp, Max, Min, Prod, ProdOthers, Std, Sum, Var
from .shape import BroadcastTo, Cat, Crop, Flip, Pad, Repeat, Reshape, Transpose
from .trig import Acos, Acosh, Asin, Asinh, Atan, Atanh, Cos, Cosh, Sin, Sinh, Tan

__all__ = [
    "Op",
    "call",
    "reduced_count",
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Pow",
    "Cast",
    "Neg",
    "Exp",
    "Log",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "LeakyReLU",
    "ELU",
    "SELU_ALPHA",
    "SELU_SCALE",
    "Hardtanh",
    "Hardsigmoid",
    "Hardswish",
    "Softsign",
    "Softplus",
    "LogSigmoid",
    "SiLU",
    "Mish",
    "GELU",
    "Abs",
    "Sign",
    "Sqrt",
    "Rsqrt",
    "Square",
    "Reciprocal",
    "Exp2",
    "Log2",
    "Log10",
    "Log1p",
    "Expm1",
    "Erf",
    "Erfc",
    "Sin",
    "Cos",
    "Tan",
    "Asin",
    "Acos",
    "Atan",
    "Sinh",
    "Cosh",
    "Asinh",
    "Acosh",
    "Atanh",
    "Maximum",
    "Minimum",
    "Where",
    "Clamp",
    "ClampTensor",
    "Lerp",
    "Power",
    "MatMul",
    "Sum",
    "Max",
    "Min",
    "Prod",
    "ProdOthers",
    "Var",
    "Std",
    "LogSumExp",
    "CumSum",
    "Reshape",
    "Transpose",
    "BroadcastTo",
    "Cat",
    "Crop",
    "Pad",
    "Flip",
    "Repeat",
    "Index",
    "ScatterAdd",
    "plain_index",
    "gather_index",
    "Softmax",
    "LogSoftmax",
    "Linear",
    "LinearReLU",
    "CrossEntropy",
    "CrossEntropyGrad",
    "BinaryCrossEntropy",
    "BinaryCrossEntropyWithLogits",
]
