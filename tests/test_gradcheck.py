"""gradcheck and numerical_grad: they pass correct gradients, set kinks aside as subgradients,
and, above all, fail on wrong ones (negative controls), in both modes.

Tolerances: gradcheck's own float64 defaults (atol 1e-6, rtol 1e-5, eps 1e-6; reasons in
tinygrad_mlp/checks/tolerances.py) unless a test says otherwise. Every negative control is
off by far more than those bounds, so it must fail whatever the round-off.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

import tinygrad_mlp.functional as F
from tinygrad_mlp import (
    GradcheckError,
    GradcheckReport,
    Tensor,
    closed_form,
    gradcheck,
    numerical_grad,
)
from tinygrad_mlp.ops import Exp, Max, Mul, Op, ReLU

from . import strategies as st

MODES = ["full", "projection"]


def leaf(a) -> Tensor:
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


# --- numerical_grad --------------------------------------------------------------------------


def test_numerical_grad_central_matches_the_derivative_of_a_cubic():
    x = leaf([0.5, -1.5, 2.0])
    (g,) = numerical_grad(lambda x: (x**3).sum(), [x], eps=1e-6)
    # central error eps^2 |f'''| / 6 = 1e-12 plus round-off 1.1e-16 * 8 / 1e-6 ~ 1e-9
    np.testing.assert_allclose(g, 3 * x.numpy() ** 2, rtol=0, atol=1e-8)


@pytest.mark.parametrize(("kind", "sign"), [("forward", 1.0), ("backward", -1.0)])
def test_one_sided_differences_carry_their_first_order_error(kind, sign):
    # ((x + e)^2 - x^2) / e = 2x + e, and the mirror gives 2x - e: an O(eps) error, by hand
    x, eps = leaf([1.0, -2.0]), 1e-3
    (g,) = numerical_grad(lambda x: (x * x).sum(), [x], eps=eps, kind=kind)
    np.testing.assert_allclose(g, 2 * x.numpy() + sign * eps, rtol=0, atol=1e-10)  # round-off


def test_numerical_grad_rejects_bad_kind_eps_and_vector_outputs():
    x = leaf([1.0])
    with pytest.raises(ValueError, match="kind must be central, forward, backward or richardson"):
        numerical_grad(lambda x: x.sum(), [x], kind="sideways")
    with pytest.raises(ValueError, match="eps must be a positive finite number"):
        numerical_grad(lambda x: x.sum(), [x], eps=0.0)
    with pytest.raises(ValueError, match="must return a scalar"):
        numerical_grad(lambda x: x * 2, [leaf([1.0, 2.0])])


# --- correct gradients pass ------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@given(net=st.seed_networks(max_width=5, max_batch=4))
def test_seed_network_passes_with_a_report_per_parameter(net, mode):
    params = [Tensor(p, requires_grad=True) for pair in net.params for p in pair]

    def loss(*ps):
        a = Tensor(net.x)
        for i in range(0, len(ps), 2):
            a = F.linear(a, ps[i], ps[i + 1])
            a = F.relu(a) if i < len(ps) - 2 else a
        return F.cross_entropy(a, net.target)

    report = gradcheck(loss, params, mode=mode)
    assert report.ok and len(report.inputs) == len(params)
    for r, p in zip(report.inputs, params, strict=True):
        assert r.checked == (p.numel() if mode == "full" else 3)


def test_report_holds_counts_errors_and_prints_a_table():
    x, w = leaf([[0.5, -1.0], [2.0, 0.1]]), leaf([1.5, -0.5])
    report = gradcheck(lambda x, w: (x @ w).exp().sum(), [x, w], eps=1e-6, names=["x", "w"])
    assert isinstance(report, GradcheckReport) and report.ok
    assert [r.checked for r in report.inputs] == [4, 2]
    assert all(r.max_abs_err < 1e-6 for r in report.inputs)  # the default atol
    text = str(report)
    assert "full, float64, eps 1e-06" in text and "passed" in text
    lines = text.splitlines()
    assert lines[1].split()[:4] == ["input", "shape", "entries", "kinks"]
    assert lines[3].split()[:4] == ["x", "2x2", "4", "0"] and lines[4].split()[:4] == [
        "w",
        "2",
        "2",
        "0",
    ]


def test_inputs_and_their_grads_are_left_as_they_were():
    x = leaf([0.3, -0.7])
    before, x.grad = x.numpy().copy(), np.array([9.0, 9.0])
    for mode in MODES:
        gradcheck(lambda x: (x * x).exp().sum(), [x], mode=mode)
    np.testing.assert_array_equal(x.numpy(), before)
    np.testing.assert_array_equal(x.grad, [9.0, 9.0])


def test_projection_cost_does_not_grow_with_the_input():
    calls = {"n": 0}

    def fn(x):
        calls["n"] += 1
        return (x * x).sum()

    counts = []
    for size in (10, 1000):
        calls["n"] = 0
        gradcheck(fn, [leaf(np.linspace(-1, 1, size))], mode="projection", n_directions=3)
        counts.append(calls["n"])
    # 1 analytic + 1 f(x) + per direction 2 (coarse) + 2 (finer, x*x has f'' = 2 > tolerance)
    assert counts[0] == counts[1] <= 2 + 3 * 4


def test_projection_directions_come_from_the_generator():
    x = leaf(np.linspace(-1, 1, 6))
    fn = lambda x: (x * x * x).sum()  # noqa: E731
    a = gradcheck(fn, [x], mode="projection", rng=np.random.default_rng(5))
    b = gradcheck(fn, [x], mode="projection", rng=np.random.default_rng(5))
    c = gradcheck(fn, [x], mode="projection")  # documented default: default_rng(0)
    d = gradcheck(fn, [x], mode="projection", rng=np.random.default_rng(0))
    assert a.inputs[0].worst_analytic == b.inputs[0].worst_analytic
    assert c.inputs[0].worst_analytic == d.inputs[0].worst_analytic
    assert a.inputs[0].worst_analytic != c.inputs[0].worst_analytic


# --- negative controls: the checker is trusted because it is seen to fail ----------------------


class WrongMul(Mul):
    """a * b with the classic bug: each input's gradient uses itself instead of the other."""

    def backward(self, g, inputs, out):
        a, b = inputs
        return g * a, g * b


class SlightlyWrongExp(Exp):
    """exp with a 1 % error in its derivative: far above rtol = 1e-5."""

    def backward(self, g, inputs, out):
        return (g * out * 1.01,)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "fn",
    [
        lambda x, w: WrongMul.apply(x, w).sum(),
        lambda x, w: SlightlyWrongExp.apply(x * w).sum(),
    ],
    ids=["wrong-mul", "exp-off-by-1%"],
)
def test_a_wrong_backward_rule_fails(fn, mode):
    x, w = leaf([0.5, -1.2, 2.0]), leaf([1.5, 0.7, -0.3])
    with pytest.raises(GradcheckError) as info:
        gradcheck(fn, [x, w], mode=mode)
    report = info.value.report
    assert not report.ok and report.failed >= 1 and report.kinks == 0
    assert str(report) in str(info.value) and "FAIL" in str(info.value)
    assert gradcheck(fn, [x, w], mode=mode, raise_exception=False).ok is False


def test_the_worst_entry_of_a_wrong_rule_is_named_with_both_values():
    x, w = leaf([0.5, -1.2]), leaf([1.5, 3.0])
    report = gradcheck(lambda x, w: WrongMul.apply(x, w).sum(), [x, w], raise_exception=False)
    r = report.inputs[1]  # d/dw = x, the wrong rule gives w: worst where |w - x| is largest
    assert r.worst == (1,) and r.worst_analytic == 3.0
    assert r.worst_numeric == pytest.approx(-1.2, abs=1e-8)  # central-difference round-off
    assert r.failed == 2 and r.max_abs_err == pytest.approx(4.2, abs=1e-8)


class SeedLoss(Op):
    """The seed network's loss as one op whose backward is a closed-form formula."""

    formula = staticmethod(closed_form.loss_and_grads)

    def forward(self, x, W1, b1, W2, b2, y):
        self.x, self.y = x, y
        loss, self.grads = self.formula([(W1, b1), (W2, b2)], x, y)
        return np.asarray(loss)

    def backward(self, g, inputs, out):
        (gW1, gb1), (gW2, gb2) = self.grads
        return None, g * gW1, g * gb1, g * gW2, g * gb2


def wrong_delta_rule(params, x, y):
    """The seed's closed form with the hidden delta missing relu's mask (a wrong formula)."""
    (W1, b1), (W2, _b2) = params
    z1 = x @ W1.T + b1
    a1 = np.maximum(z1, 0)
    fwd = closed_form.forward(params, x)
    delta2 = (fwd.probs - closed_form.one_hot(y, W2.shape[0])) / len(x)
    delta1 = delta2 @ W2  # should be (delta2 @ W2) * (z1 > 0)
    loss, _ = closed_form.loss_and_grads(params, x, y)
    return loss, [(delta1.T @ x, delta1.sum(0)), (delta2.T @ a1, delta2.sum(0))]


@pytest.mark.parametrize("mode", MODES)
def test_a_wrong_closed_form_fails_and_the_right_one_passes(mode):
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((5, 3)), rng.integers(0, 2, 5)
    params = [leaf(rng.standard_normal(s)) for s in [(4, 3), (4,), (2, 4), (2,)]]

    class WrongSeedLoss(SeedLoss):
        formula = staticmethod(wrong_delta_rule)

    fn = lambda *ps: SeedLoss.apply(Tensor(x), *ps, y=y)  # noqa: E731
    wrong = lambda *ps: WrongSeedLoss.apply(Tensor(x), *ps, y=y)  # noqa: E731
    assert gradcheck(fn, params, mode=mode).ok
    report = gradcheck(wrong, params, mode=mode, raise_exception=False)
    assert not report.inputs[0].ok and not report.inputs[1].ok  # layer 1: the wrong delta
    assert report.inputs[2].ok and report.inputs[3].ok  # the output layer's delta is right


@pytest.mark.parametrize("mode", MODES)
def test_an_eps_far_too_large_fails(mode):
    # exp at x ~ 1: truncation eps^2 e^x / 6 = 4.5e-3 at eps = 0.1, vs 1e-6 + 1e-5 * 2.7
    x = leaf([1.0, 0.9, 1.1])
    fn = lambda x: x.exp().sum()  # noqa: E731
    assert gradcheck(fn, [x], mode=mode).ok
    report = gradcheck(fn, [x], eps=0.1, mode=mode, raise_exception=False)
    assert not report.ok and report.kinks == 0  # curvature is not mistaken for a kink


# --- kinks -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_relu_at_exactly_zero_is_a_kink_and_passes_as_a_subgradient(mode):
    x = leaf([-1.0, 0.0, 2.0])
    report = gradcheck(lambda x: x.relu().sum(), [x], mode=mode)
    # full: only entry 1 sits at 0; projection: every direction moves x[1] off 0
    assert report.kinks == (1 if mode == "full" else 3)
    assert "sat at a kink" in str(report)


class ReLUSlopeTwoAtZero(ReLU):
    """relu with the derivative 2 at the kink: not in [0, 1], so not a subgradient."""

    def backward(self, g, inputs, out):
        x = inputs[0]
        return (g * ((x > 0) + 2.0 * (x == 0)),)


def test_an_analytic_value_outside_the_one_sided_derivatives_fails_at_a_kink():
    x = leaf([-1.0, 0.0, 2.0])
    report = gradcheck(lambda x: ReLUSlopeTwoAtZero.apply(x).sum(), [x], raise_exception=False)
    r = report.inputs[0]
    assert r.kinks == 1 and r.failed == 1 and r.worst == (1,)
    assert r.worst_analytic == 2.0 and r.worst_numeric == pytest.approx(1.0, abs=1e-6)


def test_max_with_ties_is_a_kink_in_both_tied_entries():
    x = leaf([1.0, 3.0, 3.0, 0.0])
    report = gradcheck(lambda x: x.max(), [x])
    assert report.kinks == 2 and report.ok  # analytic 1/2 each, within [0, 1]


class MaxFullToEveryTie(Max):
    """max giving the whole gradient to every tied entry: each entry is in [0, 1], but the
    vector (1, 1) is no subgradient of max (its entries must sum to 1)."""

    def backward(self, g, inputs, out):
        x = inputs[0]
        return (g * (x == x.max()).astype(x.dtype),)


def test_projection_catches_a_tie_rule_that_every_single_entry_accepts():
    x = leaf([1.0, 3.0, 3.0, 0.0])
    fn = lambda x: MaxFullToEveryTie.apply(x, axis=None, keepdims=False)  # noqa: E731
    assert gradcheck(fn, [x], mode="full").ok  # a limit of entrywise checks at kinks
    report = gradcheck(fn, [x], mode="projection", n_directions=8, raise_exception=False)
    assert not report.ok  # along v, <g, v> = v1 + v2 leaves [min(v1, v2), max(v1, v2)]


def test_strong_curvature_is_not_mistaken_for_a_kink():
    x = leaf([5.0, -3.0, 0.1])  # x^3: eps f'' = 3e-5 opens the one-sided gap above atol
    report = gradcheck(lambda x: (x**3).sum(), [x])
    assert report.ok and report.kinks == 0


@given(case=st.kinked_arrays())
def test_relu_and_max_at_generated_kinks_pass_and_are_counted(case):
    a, zeros, tie = case
    report = gradcheck(lambda x: x.relu().sum(), [leaf(a)])
    assert report.kinks == zeros
    report = gradcheck(lambda x: x.max(), [leaf(a)])
    assert report.ok and report.kinks == (2 if tie else 0)


# --- float32 and bad input -------------------------------------------------------------------


def test_float32_needs_an_opt_in_and_then_uses_float32_tolerances():
    x = Tensor(np.array([0.5, -0.3], dtype=np.float32), requires_grad=True)
    fn = lambda x: (x * x).exp().sum()  # noqa: E731
    with pytest.raises(TypeError, match=r"float32.*allow_float32=True"):
        gradcheck(fn, [x])
    report = gradcheck(fn, [x], allow_float32=True)
    assert report.ok and (report.dtype, report.eps, report.atol, report.rtol) == (
        "float32",
        1e-3,
        1e-2,
        1e-2,
    )

    class FivePercentWrongExp(Exp):
        def backward(self, g, inputs, out):
            return (g * out * 1.05,)

    report = gradcheck(
        lambda x: FivePercentWrongExp.apply(x).sum(), [x], allow_float32=True, raise_exception=False
    )
    assert not report.ok  # 5 % is five times rtol = 1e-2; 1 % would sit on the bound


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: gradcheck(lambda x: x.sum(), [Tensor(np.ones(2))]),
            ValueError,
            "does not require grad",
        ),
        (
            lambda: gradcheck(lambda x: x > 0, [leaf([1.0, 2.0])]),
            TypeError,
            "fn returned dtype bool",
        ),
        (lambda: gradcheck(lambda x: 3.0, [leaf([1.0])]), TypeError, "must return a Tensor"),
        (
            lambda: gradcheck(lambda x: x.sum(), [leaf([1.0])], mode="both"),
            ValueError,
            "mode must be",
        ),
        (lambda: gradcheck(lambda x: x.sum(), [leaf([1.0])], eps=-1), ValueError, "eps must be"),
        (lambda: gradcheck(lambda x: x.sum(), [leaf([1e20])], eps=1e-6), ValueError, "vanishes"),
        (lambda: gradcheck(lambda x: x.log().sum(), [leaf([-1.0])]), ValueError, "fn returned nan"),
        (lambda: gradcheck(lambda x: x.sum(), leaf([1.0])), TypeError, "list of Tensors"),
        (lambda: gradcheck(lambda x: x.sum(), []), ValueError, "inputs is empty"),
        (lambda: gradcheck(lambda x: x.sum(), [leaf([np.nan])]), ValueError, "non-finite"),
        (
            lambda: gradcheck(
                lambda x: x.sum(), [Tensor(np.ones(1, np.float16), requires_grad=True)]
            ),
            TypeError,
            "float16",
        ),
    ],
    ids=[
        "no-grad",
        "bool-output",
        "not-tensor",
        "mode",
        "eps",
        "tiny-eps",
        "nan",
        "bare",
        "empty",
        "nan-input",
        "float16",
    ],
)
def test_bad_input_gets_a_clear_error(call, error, message):
    # the "nan" case makes its NaN on purpose with log(-1); numpy's warning about it is noise
    with pytest.raises(error, match=message), np.errstate(invalid="ignore"):
        call()


@given(hs.sampled_from(MODES), st.seeds)
def test_report_errors_are_consistent_with_the_verdict(mode, seed):
    rng = np.random.default_rng(seed)
    x = leaf(rng.uniform(-1, 1, 4))
    fn = lambda x: (x * x * x).sum()  # noqa: E731
    report = gradcheck(fn, [x], mode=mode)
    r = report.inputs[0]
    assert r.failed == 0 and 0 <= r.worst_ratio <= 1 and 0 <= r.max_rel_err <= 2
