"""gradgradcheck passes on the engine's second derivatives and fails on a wrong one."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import GradcheckError, Tensor
from tinygrad_mlp.ops import Op


class SquareCutOff(Op):
    """x**2 whose backward is right to first order but cuts the graph: it reads the data.

    This is the classic higher-order bug: 2 * x taken as a constant, so the second
    derivative comes out 0 instead of 2.
    """

    def forward(self, x):
        return x * x

    def backward(self, g, inputs, out):
        x = inputs[0]
        return (g * 2 * (x.data if isinstance(x, Tensor) else x),)


def leaf(*values):
    return Tensor(np.array(values, dtype=np.float64), requires_grad=True)


@pytest.mark.parametrize("mode", ["full", "projection"])
def test_passes_on_smooth_functions_and_the_seed_loss(mode):
    x = leaf(0.3, -0.7, 1.1)
    assert tm.gradgradcheck(lambda t: (t.exp() * t.log_softmax()).sum(), [x], mode=mode).ok
    rng = np.random.default_rng(0)
    z = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    w = Tensor(rng.standard_normal((3, 3)), requires_grad=True)
    labels = np.array([0, 2, 1, 1])
    fn = lambda z, w: F.cross_entropy(F.linear(z, w), labels)  # noqa: E731
    assert tm.gradgradcheck(fn, [z, w], mode=mode).ok


@pytest.mark.parametrize("mode", ["full", "projection"])
def test_a_rule_that_cuts_the_gradients_graph_fails(mode):
    x = leaf(0.5, -1.5, 2.0)
    first = tm.gradcheck(lambda t: SquareCutOff.apply(t).sum() * 1.0, [x], mode=mode)
    assert first.ok  # first order is right: only the second order can catch this bug
    with pytest.raises(GradcheckError, match="FAILED"):
        tm.gradgradcheck(lambda t: (SquareCutOff.apply(t) * t).sum(), [x], mode=mode)


def test_relu_kinks_are_reported_not_failed():
    x = leaf(0.0, 1.0, -1.0)
    report = tm.gradgradcheck(lambda t: (t.relu() * t).sum(), [x])
    # d/dx (relu(x) x) = 2x for x > 0 and 0 below: a kink at 0, a subgradient there
    assert report.ok and report.kinks == 1
