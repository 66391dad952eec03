"""A custom op with a wrong backward rule, caught by gradcheck; then fixed.

An op is a class with ``forward`` (numpy in, numpy out) and ``backward`` (the gradient of
the loss with respect to each input, from the gradient with respect to the output). Here:
softplus(x) = log(1 + e^x), whose derivative is the sigmoid 1 / (1 + e^-x). The first
version forgets the ``1 +`` in that derivative, a typical slip. ``tm.gradcheck`` compares
the rule with central differences and shows where and by how much it is wrong; the
corrected rule passes. Last, a rule returning a gradient of the wrong *shape* fails loudly,
naming the op.

    python examples/buggy_custom_op.py
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from _common import options

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor
from tinygrad_mlp.ops import Op

options(__doc__.splitlines()[0])


class BuggySoftplus(Op):
    """softplus(x) = log(1 + e^x), with a WRONG derivative: 1 / e^-x instead of 1 / (1 + e^-x)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.logaddexp(0.0, x)  # log(e^0 + e^x) without overflow for large x

    def backward(self, g: np.ndarray, inputs: Sequence[np.ndarray], out: np.ndarray) -> tuple:
        (x,) = inputs
        return (g / np.exp(-x),)  # the bug: the "1 +" of 1 / (1 + e^-x) is missing


class Softplus(BuggySoftplus):
    """softplus with the right derivative: sigmoid(x) = 1 / (1 + e^-x)."""

    def backward(self, g: np.ndarray, inputs: Sequence[np.ndarray], out: np.ndarray) -> tuple:
        (x,) = inputs
        return (g / (1.0 + np.exp(-x)),)


class WrongShape(Softplus):
    """Right values, wrong shape: it sums the gradient over the batch axis."""

    def backward(self, g: np.ndarray, inputs: Sequence[np.ndarray], out: np.ndarray) -> tuple:
        (grad,) = super().backward(g, inputs, out)
        return (grad.sum(axis=0, keepdims=True),)


rng = np.random.default_rng(0)
x = Tensor(rng.standard_normal((2, 3)), requires_grad=True)  # float64: gradcheck's precision

print("1. the buggy rule, checked against central differences:")
report = tm.gradcheck(lambda x: BuggySoftplus.apply(x).sum(), [x], raise_exception=False)
print(report)
assert not report.ok, "gradcheck should have caught the bug"

print("\n2. the corrected rule:")
report = tm.gradcheck(lambda x: Softplus.apply(x).sum(), [x])  # raises if it were wrong
print(report)

print("\n3. a rule returning the wrong shape fails at once, naming the op:")
try:
    WrongShape.apply(x).sum().backward()
except RuntimeError as e:
    print(f"RuntimeError: {e}")
else:
    raise SystemExit("the wrong shape went unnoticed")
