"""Every differentiable operation, one class each, forward and backward side by side.

- :mod:`.base`: the ``Op`` node and the helpers a backward rule may use;
- :mod:`.math`: ``+ - * / ** @``, negation, exp, log, cast;
- :mod:`.activation`: relu, tanh, sigmoid;
- :mod:`.shape`: sum, max, reshape, transpose, broadcast_to;
- :mod:`.index`: x[index] and its adjoint, the scatter-add of a gradient;
- :mod:`.nn`: softmax, log-softmax, fused linear and linear+ReLU;
- :mod:`.loss`: softmax cross-entropy fused into one node, and its gradient as an op.

How to write one: :mod:`.base` states the contract; ``docs/ops.md`` walks through it.
"""

from .activation import ReLU, Sigmoid, Tanh
from .base import Op, call, reduced_count
from .index import Index, ScatterAdd, plain_index
from .loss import CrossEntropy, CrossEntropyGrad
from .math import Add, Cast, Div, Exp, Log, MatMul, Mul, Neg, Pow, Sub
from .nn import Linear, LinearReLU, LogSoftmax, Softmax
from .shape import BroadcastTo, Max, Reshape, Sum, Transpose

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
    "MatMul",
    "Sum",
    "Max",
    "Reshape",
    "Transpose",
    "BroadcastTo",
    "Index",
    "ScatterAdd",
    "plain_index",
    "Softmax",
    "LogSoftmax",
    "Linear",
    "LinearReLU",
    "CrossEntropy",
    "CrossEntropyGrad",
]
