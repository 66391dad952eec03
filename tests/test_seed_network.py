"""The seed network three ways: engine, closed form (the oracle), finite differences."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given

import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, closed_form, nn
from tinygrad_mlp.checks.seed_network import fd_off_kinks, relu_pattern
from tinygrad_mlp.testing import assert_grads_close

from . import strategies as st

# Engine and oracle compute the same products and sums in float64, in other orders: the
# difference is a few ulps times the number of terms (<= 8 * 8 here) relative to the largest
# term; 1e-12 of the largest gradient entry leaves a margin of about 100.
ORACLE_RTOL = 1e-12
EPS = 1e-6
# Central differences: round-off u |E| / eps ~ 1e-10 (|E| <~ 5), truncation eps^2 |E'''| ~ 1e-12.
FD_ATOL, FD_RTOL = 1e-7, 1e-6


def engine_grads(net: st.SeedNetwork) -> tuple[float, list[np.ndarray]]:
    hidden = net.sizes[1:-1]
    model = nn.MLP(
        net.sizes[0], hidden, net.sizes[-1], rng=np.random.default_rng(0), dtype=np.float64
    )
    model.load_state_dict(net.state_dict)
    loss = F.cross_entropy(model(Tensor(net.x)), net.target)
    loss.backward()
    return loss.item(), [p.grad for p in model.parameters()]


def finite_differences(net: st.SeedNetwork) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Central differences of the oracle's loss, and where they are valid (no kink crossed)."""
    return fd_off_kinks(
        lambda: Tensor(np.asarray(closed_form.loss(net.params, net.x, net.target))),
        [Tensor.from_numpy(p) for p in net.flat_params],  # steps write into net.params
        lambda: relu_pattern(net),
        EPS,
    )


@given(st.seed_networks(depth=(1, 3)))
def test_engine_equals_closed_form(net):
    loss, grads = engine_grads(net)
    ref_loss, ref = closed_form.loss_and_grads(net.params, net.x, net.target)
    assert loss == pytest.approx(ref_loss, rel=1e-13, abs=1e-15)
    assert_grads_close(grads, [g for pair in ref for g in pair], rtol=ORACLE_RTOL)


@given(st.seed_networks(max_width=5, max_batch=5))
def test_both_equal_finite_differences_away_from_kinks(net):
    _, grads = engine_grads(net)
    _, ref = closed_form.loss_and_grads(net.params, net.x, net.target)
    numeric, valid = finite_differences(net)
    for g, r, n, ok in zip(grads, [g for pair in ref for g in pair], numeric, valid, strict=True):
        np.testing.assert_allclose(g[ok], n[ok], rtol=FD_RTOL, atol=FD_ATOL)
        np.testing.assert_allclose(r[ok], n[ok], rtol=FD_RTOL, atol=FD_ATOL)


def test_output_layer_gradient_is_a_minus_t_times_a_j():
    """dE/dW_kj = (a_k - t_k) a_j and dE/db_k = a_k - t_k, for one sample (eq. 3)."""
    rng = np.random.default_rng(7)
    model = nn.MLP(3, [4, 5], 3, rng=rng, dtype=np.float64)
    x = rng.standard_normal((1, 3))
    label = np.array([2])
    a_j = model[2](model[1](model[0](Tensor(x)))).relu().numpy()  # the last hidden layer
    logits = model(Tensor(x))
    F.cross_entropy(logits, label).backward()
    a_k = np.exp(logits.numpy()) / np.exp(logits.numpy()).sum()
    t = np.array([[0.0, 0.0, 1.0]])
    assert_grads_close(model[4].weight.grad, (a_k - t).T @ a_j, rtol=1e-14)
    assert_grads_close(model[4].bias.grad, (a_k - t)[0], rtol=1e-14)


def test_closed_form_takes_relu_derivative_0_at_an_exact_kink():
    """A hidden unit whose pre-activation is exactly 0 for every sample (a zero weight row
    and a zero bias) sits on relu's kink: engine and closed form both take relu'(0) = 0, so
    that unit's weights and bias get no gradient, and every other entry still agrees.

    Random inputs never land on a kink, so only a network built to sit on one tells the
    mask z > 0 from z >= 0.
    """
    rng = np.random.default_rng(3)
    sizes = [3, 4, 5, 3]
    params = [
        (rng.standard_normal((n_out, n_in)), 0.1 * rng.standard_normal(n_out))
        for n_in, n_out in itertools.pairwise(sizes)
    ]
    for W, b in params[:-1]:  # unit 1 of each hidden layer: z = 0 exactly
        W[1], b[1] = 0.0, 0.0
    x, y = rng.standard_normal((6, 3)), rng.integers(0, 3, 6)
    z = closed_form.forward(params, x).zs
    assert np.all(z[0][:, 1] == 0.0) and np.all(z[1][:, 1] == 0.0)
    net = st.SeedNetwork(sizes, params, x, y)
    _, grads = engine_grads(net)
    _, ref = closed_form.loss_and_grads(params, x, y)
    ref_flat = [g for pair in ref for g in pair]
    for layer in (0, 1):  # the kinked units' rows: exactly zero in both
        for g in (grads[2 * layer], grads[2 * layer + 1], *ref[layer]):
            assert np.all(g[1] == 0.0)
    assert_grads_close(grads, ref_flat, rtol=ORACLE_RTOL)
