"""The numerical schemes: forward, central, Richardson, complex step; and the closed-form
oracle computing in complex arithmetic (ReLU and max by the real part), exact for real input.

What is asserted are the schemes' orders, not copied numbers: Richardson is exact on a
quartic (its truncation term is the fifth derivative), central is not; the complex step
subtracts nothing, so it stays at round-off however small the step.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from tinygrad_mlp import Tensor, closed_form, numerical_grad
from tinygrad_mlp.checks import numerical_grad_arrays
from tinygrad_mlp.checks.schemes import SCHEMES, theory
from tinygrad_mlp.seed.network import build

from . import strategies as st


def quartic(x):
    return (x**4).sum()


def test_richardson_is_exact_on_a_quartic_where_central_is_not():
    x = np.array([0.7, -1.3])
    exact = 4 * x**3
    # central: truncation eps^2 f'''/6 = 0.01 * 24 x / 6 ~ 0.05 at eps = 0.1: far off
    (central,) = numerical_grad_arrays(quartic, [x], eps=0.1, scheme="central")
    assert np.max(np.abs(central - exact)) > 1e-2
    # Richardson: truncation eps^4 f^(5)/30 = 0 for a quartic; round-off ~ u |f| / eps ~ 1e-14
    (rich,) = numerical_grad_arrays(quartic, [x], eps=0.1, scheme="richardson")
    np.testing.assert_allclose(rich, exact, rtol=0, atol=1e-12)
    (on_tensors,) = numerical_grad(lambda t: (t**4).sum(), [Tensor(x.copy())], 0.1, "richardson")
    np.testing.assert_allclose(on_tensors, exact, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("scheme", "order"), [("forward", 1), ("central", 2), ("richardson", 4)])
def test_each_real_scheme_converges_at_its_order(scheme, order):
    # error ratio between eps and eps/2 is 2^order while truncation dominates (sin at 0.4:
    # round-off u / eps <= 1e-13 stays far below the truncation at these steps)
    x = np.array([0.4])
    exact = np.cos(0.4)
    errs = [
        abs(numerical_grad_arrays(lambda x: np.sin(x).sum(), [x], e, scheme)[0][0] - exact)
        for e in (0.1, 0.05)
    ]
    assert errs[0] / errs[1] == pytest.approx(2**order, rel=0.15)  # higher terms: ~10 %


def _term_scale(net) -> np.ndarray:
    """Every gradient entry's closed form evaluated on the absolute values of its terms.

    dE/dW = sum_b delta a^T with delta = (a_k sum t - t_k) / B pushed down through W and the
    relu masks: an entry's round-off is a few ulps of the terms it sums (|a_k sum t|, |t_k|,
    |W|, |a|), not of the entry itself. Where a_k ~ t_k the entry cancels to almost nothing
    (and where relu units are dead, most entries are exactly 0), so its largest entry can be
    orders of magnitude below the terms: the old bound 1e-13 * max|grad| mistook that
    cancellation for error (a counterexample had 2e-13). The same terms bound the complex
    step: its imaginary part is the forward-mode derivative, summing the same products.
    """
    fwd = closed_form.forward(net.params, net.x)
    z = fwd.zs[-1]
    t = closed_form.one_hot(net.target, z.shape[1]) if net.target.ndim == 1 else net.target
    delta = (fwd.probs * np.abs(t.sum(axis=1, keepdims=True)) + np.abs(t)) / z.shape[0]
    out: list[np.ndarray] = []
    for layer in range(len(net.params) - 1, -1, -1):
        out += [np.abs(delta.sum(axis=0)), delta.T @ np.abs(fwd.activations[layer])]
        if layer > 0:
            delta = (delta @ np.abs(net.params[layer][0])) * (fwd.zs[layer - 1] > 0)
    out.reverse()  # W1, b1, W2, b2, ...: the order of flat_params
    return np.concatenate([g.ravel() for g in out])


@given(net=st.seed_networks(max_width=5, max_batch=4))
def test_complex_step_reaches_round_off_on_the_seed_network(net):
    def loss(*ps):
        return closed_form.loss(list(zip(ps[0::2], ps[1::2], strict=True)), net.x, net.target)

    _, grads = closed_form.loss_and_grads(net.params, net.x, net.target)
    ref = np.concatenate([g.ravel() for pair in grads for g in pair])
    terms = _term_scale(net)
    assert np.all(np.abs(ref) <= terms * (1 + 1e-12))  # |sum| <= sum |terms|, the scale's sanity
    for eps in (1e-20, 1e-100):  # no subtraction: any step this small is as good
        fd = numerical_grad_arrays(loss, net.flat_params, eps=eps, scheme="complex")
        flat = np.concatenate([g.ravel() for g in fd])
        # the done criterion of issue 12, <= 1e-13 normwise, relative to the terms' scale:
        # both sides carry a few ulps (1.1e-16) of the terms per operation, over <= 3 layers
        # of sums of <= 5 * 4 products, exp and log (measured worst over 3000 networks: 4e-16)
        assert np.max(np.abs(flat - ref)) <= 1e-13 * np.max(terms, initial=0.0)


def test_complex_step_is_blind_to_kinks_a_real_step_would_cross():
    # relu decides by Re z, which the complex step never moves: an entry whose +-eps step
    # crosses a kink in a real difference is still exact here
    net = build([3, 4, 2], batch=5, seed=1)
    _, grads = closed_form.loss_and_grads(net.params, net.x, net.target)
    ref = np.concatenate([g.ravel() for pair in grads for g in pair])

    def loss(*ps):
        return closed_form.loss(list(zip(ps[0::2], ps[1::2], strict=True)), net.x, net.target)

    flat = np.concatenate(
        [g.ravel() for g in numerical_grad_arrays(loss, net.flat_params, 0.5, "complex")]
    )
    real = np.concatenate([g.ravel() for g in numerical_grad_arrays(loss, net.flat_params, 0.5)])
    scale = np.max(np.abs(ref))
    # a step of 0.5 crosses kinks (central is off by > 1 %); the complex step's error at this
    # step is truncation h^2 |f'''| / 6 of the smooth pieces only, under 10 %
    assert np.max(np.abs(real - ref)) / scale > 1e-2
    assert np.max(np.abs(flat - ref)) / scale < np.max(np.abs(real - ref)) / scale


def test_the_oracle_is_unchanged_for_real_input_and_continues_to_complex():
    net = build([4, 5, 3], batch=6, seed=0)
    pairs = net.params
    loss, _ = closed_form.loss_and_grads(pairs, net.x, net.target)
    assert float(closed_form.loss(pairs, net.x, net.target)) == loss  # the same arithmetic
    z = np.array([-1.0, -0.0, 0.0, 2.0, np.nan, -np.inf])
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(closed_form.relu(z), np.maximum(z, 0))  # NaN kept
    lifted = [(W.astype(complex), b.astype(complex)) for W, b in pairs]
    probs = closed_form.forward(lifted, net.x).probs
    # complex exp and division round on their own paths: equal to a few ulp, not bitwise
    np.testing.assert_allclose(probs.real, closed_form.forward(pairs, net.x).probs, rtol=1e-14)
    assert not probs.imag.any()
    big = np.array([[1e4 + 1e-3j, 0.0]])  # the max shift by Re z: no overflow in exp
    np.testing.assert_allclose(closed_form.softmax(big).real, [[1.0, 0.0]], atol=1e-300)


def test_bad_scheme_arguments_get_clear_errors():
    x = np.array([1.0])
    with pytest.raises(ValueError, match="scheme must be one of"):
        numerical_grad_arrays(quartic, [x], scheme="spline")
    with pytest.raises(TypeError, match="returned a real value for complex input"):
        numerical_grad_arrays(lambda x: float(np.real(x).sum()), [x], scheme="complex")
    with pytest.raises(TypeError, match="dtype int64"):
        numerical_grad_arrays(quartic, [np.array([1, 2])])
    with pytest.raises(ValueError, match="eps must be a positive finite number"):
        numerical_grad_arrays(quartic, [x], eps=np.inf)
    with pytest.raises(TypeError, match="Tensors are real"):
        numerical_grad(lambda t: t.sum(), [Tensor(x)], kind="complex")


def test_theory_orders_the_schemes():
    u = float(np.finfo(np.float64).eps) / 2
    errors = [theory(s, u)[1] for s in SCHEMES]  # forward, central, richardson, complex
    assert errors == sorted(errors, reverse=True)
    assert theory("central", u)[0] == pytest.approx(u ** (1 / 3))
