"""tm.check_grads: reverse and forward mode to any order, and the controls that make it fail.

Tolerances are check_grads' float64 defaults (eps 1e-6, atol 1e-6, rtol 1e-5, the same as
gradcheck's; reasons in tinygrad_mlp/checks/tolerances.py). Every negative control is off by
a sizeable fraction of the derivative, far above those bounds, so it fails whatever the
round-off; every positive case is smooth, so a pass is not luck at a kink.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings

import tinygrad_mlp as tm
from tinygrad_mlp import GradcheckError, Tensor
from tinygrad_mlp.checks import GradcheckWarning
from tinygrad_mlp.ops import Mul, Op

from . import strategies as st


class WrongBackwardMul(Mul):
    """a * b whose backward swaps the factors (each input gets itself): rev must fail.

    Its tangent rule is Mul's own, right: fwd must pass."""

    def backward(self, g, inputs, out):
        a, b = inputs
        return g * a, g * b


class WrongTangentMul(Mul):
    """a * b whose tangent rule forgets the product rule's second term: fwd must fail.

    Its backward is Mul's own, right: rev must pass."""

    def jvp(self, tangents, inputs, out):
        return tangents[0] * inputs[1]


class CubeCutOff(Op):
    """x**3 whose backward reads the data (3 x^2 as a constant): right at order 1 only."""

    def forward(self, x):
        return x**3

    def backward(self, g, inputs, out):
        x = inputs[0]
        return (g * 3 * (x.data if isinstance(x, Tensor) else x) ** 2,)

    def jvp(self, tangents, inputs, out):
        return 3 * inputs[0] ** 2 * tangents[0]


X = np.array([0.5, -1.2, 2.0])
W = np.array([1.5, 0.7, -0.3])


def smooth(x, w):
    """A vector output: every input reaches every output through exp, tanh and a product."""
    return (x * w).exp() + (x.tanh() * w).sum() * x


@pytest.mark.parametrize("order", [1, 2, 3])
def test_smooth_vector_function_passes_in_both_modes_to_order(order):
    report = tm.check_grads(smooth, [X, W], order=order, modes=("rev", "fwd"), names=["x", "w"])
    assert report.ok and report.failed == 0 and report.kinks == 0
    expected = [(k, m, name) for k in range(1, order + 1) for m in ("rev", "fwd") for name in "xw"]
    assert [(r.order, r.mode, r.input) for r in report.rows] == expected
    if order >= 2:
        assert {r.what for r in report.rows if r.order == 2} == {"VJP of VJP", "JVP of VJP"}
    # small inputs (3 <= full_limit entries): 2 random directions plus every unit vector
    assert all(r.checked == 2 + 3 for r in report.rows)


def test_wrong_backward_fails_rev_and_passes_fwd():
    fn = lambda x, w: WrongBackwardMul.apply(x, w).exp()  # noqa: E731
    assert tm.check_grads(fn, [X, W], modes=("fwd",)).ok
    with pytest.raises(GradcheckError) as info:
        tm.check_grads(fn, [X, W], modes=("rev",), names=["x", "w"])
    report = info.value.report
    assert {r.mode for r in report.rows if not r.ok} == {"rev"}
    text = str(info.value)
    assert "FAILED" in text and "VJP" in text and "FAIL" in text
    bad = [r for r in report.rows if not r.ok]
    assert {r.input for r in bad} == {"x", "w"} and all(r.worst_ratio > 1 for r in bad)


def test_wrong_tangent_fails_fwd_and_passes_rev():
    fn = lambda x, w: WrongTangentMul.apply(x, w).exp()  # noqa: E731
    assert tm.check_grads(fn, [X, W], modes=("rev",)).ok
    report = tm.check_grads(fn, [X, W], modes=("rev", "fwd"), raise_exception=False)
    failed = {(r.order, r.mode, r.input) for r in report.rows if not r.ok}
    # the forgotten term is a * tangent(b): only directions that move w see it
    assert failed == {(1, "fwd", "input 1")}
    worst = next(r for r in report.rows if not r.ok)
    assert worst.worst_output is not None and len(worst.worst_output) == 1  # an entry of f


def test_a_backward_that_cuts_the_graph_passes_order_1_and_fails_order_2():
    fn = lambda x: CubeCutOff.apply(x).sum()  # noqa: E731
    assert tm.check_grads(fn, [X], order=1).ok
    report = tm.check_grads(fn, [X], order=2, raise_exception=False)
    assert [(r.order, r.mode, r.ok) for r in report.rows] == [
        (1, "rev", True), (1, "fwd", True), (2, "rev", False), (2, "fwd", False),
    ]  # fmt: skip


def test_a_function_that_ignores_its_inputs_raises_or_warns():
    const = lambda x: Tensor(np.array([1.0, 2.0]))  # noqa: E731
    with pytest.raises(GradcheckError, match="does not depend on any of the inputs"):
        tm.check_grads(const, [X])
    with pytest.warns(GradcheckWarning, match="does not depend"):
        report = tm.check_grads(const, [X], raise_exception=False)
    assert not report.ok and "nothing was checked" in str(report)


def test_relu_at_zero_is_a_kink_checked_as_a_subgradient():
    report = tm.check_grads(lambda x: x.relu() * 2.0, [np.array([-1.0, 0.0, 2.0])], modes=("fwd",))
    assert report.ok and report.kinks >= 1


def test_large_inputs_get_random_directions_only_and_the_rng_decides_them():
    x = np.linspace(-1.0, 1.0, 40)
    fn = lambda x: (x * x).exp()  # noqa: E731
    a = tm.check_grads(fn, [x], n_directions=3, rng=np.random.default_rng(5))
    b = tm.check_grads(fn, [x], n_directions=3, rng=np.random.default_rng(5))
    c = tm.check_grads(fn, [x], n_directions=3, rng=np.random.default_rng(6))
    assert [r.checked for r in a.rows] == [3, 3]  # 40 entries > full_limit = 16
    assert a.rows[0].worst_analytic == b.rows[0].worst_analytic
    assert a.rows[0].worst_analytic != c.rows[0].worst_analytic


def test_args_are_copied_not_perturbed():
    x = Tensor(X.copy(), requires_grad=True)
    tm.check_grads(smooth, [x, W])
    np.testing.assert_array_equal(x.numpy(), X)
    assert x.grad is None


@settings(max_examples=10)  # each example runs order 2 in both modes on a whole network
@given(net=st.seed_networks(max_width=4, max_batch=3))
def test_seed_networks_pass_to_order_2(net):
    report = tm.check_grads(net.loss_fn(), net.flat_params, order=2, full_limit=4)
    assert report.ok


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"order": 0}, ValueError, "order must be an int >= 1"),
        ({"modes": "rev"}, ValueError, "modes must be a non-empty subset"),
        ({"modes": ("rev", "sideways")}, ValueError, "modes must be a non-empty subset"),
        ({"args": [np.array([1, 2])]}, TypeError, "needs floats"),
        ({"args": X}, TypeError, "args must be a list"),
        ({"fn": lambda x: 3.0}, TypeError, "must return a Tensor"),
        ({"args": [np.array([np.nan])]}, ValueError, "non-finite"),
        ({"args": [X.astype(np.float32)]}, TypeError, "allow_float32=True"),
    ],
)
def test_bad_arguments_get_a_clear_error(kwargs, error, message):
    call = {"fn": lambda x: x.exp(), "args": [X], **kwargs}
    with pytest.raises(error, match=message), warnings.catch_warnings():
        tm.check_grads(call.pop("fn"), call.pop("args"), **call)
