"""Optimizers against hand-computed steps and the seed's closed form; convergence; resuming.

Hand-computed SGD steps use dyadic numbers (halves, quarters) so every product and sum is
exact in float64 and the comparison is ``==``. Adam is checked against Kingma and Ba (2015),
Algorithm 1, written out again here in plain Python floats.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor, closed_form, nn, optim
from tinygrad_mlp import functional as F

from .strategies import SeedNetwork, seed_networks


def scalar_param(value: float) -> Tensor:
    return Tensor(np.array([value]), requires_grad=True)


def set_grad(p: Tensor, g: float) -> None:
    """Give ``p`` the gradient g, as backward of the loss g * w would."""
    p.grad = None
    (p * Tensor(np.array([g]))).sum().backward()


# --- SGD: the seed's update rule ------------------------------------------------------------


@given(seed_networks(max_width=6, max_batch=5))
def test_one_sgd_step_is_w_minus_lr_times_the_closed_form_gradient(net: SeedNetwork) -> None:
    model = nn.MLP(net.sizes[0], net.sizes[1:-1], net.sizes[-1], dtype=np.float64)
    model.load_state_dict(net.state_dict)
    before = model.state_dict()
    _, grads = closed_form.loss_and_grads(net.params, net.x, net.target)
    lr = 0.37
    loss = F.cross_entropy(model(Tensor(net.x)), net.target)
    loss.backward()
    engine_grads = {name: p.grad.copy() for name, p in model.named_parameters()}
    optim.SGD(model.parameters(), lr=lr).step()
    after = model.state_dict()
    for layer, (gW, gb) in enumerate(grads):
        for suffix, g in (("weight", gW), ("bias", gb)):
            name = f"{2 * layer}.{suffix}"
            # exactly W - lr * dE/dW with the engine's own gradient: one multiply, one subtract
            assert np.array_equal(after[name], before[name] - lr * engine_grads[name]), name
            # and that gradient is the seed's closed form up to float64 round-off of sums
            # over a batch of <= 5 and widths <= 6 (a few ulps of values of order 1)
            np.testing.assert_allclose(after[name], before[name] - lr * g, rtol=0, atol=1e-13)


def test_sgd_momentum_matches_hand_computed_steps() -> None:
    # g = 2 every step, lr = 1/4, mu = 1/2: v1 = 2, v2 = 3, v3 = 3.5
    w = scalar_param(1.0)
    opt = optim.SGD([w], lr=0.25, momentum=0.5)
    expected = [1.0 - 0.25 * 2, 0.5 - 0.25 * 3, -0.25 - 0.25 * 3.5]  # 0.5, -0.25, -1.125
    for want in expected:
        set_grad(w, 2.0)
        opt.step()
        assert w.data[0] == want


def test_sgd_nesterov_matches_hand_computed_steps() -> None:
    # update g + mu v with v as above: step 1: 2 + 1 = 3, step 2: 2 + 1.5 = 3.5
    w = scalar_param(1.0)
    opt = optim.SGD([w], lr=0.25, momentum=0.5, nesterov=True)
    for want in (1.0 - 0.25 * 3, 0.25 - 0.25 * 3.5):
        set_grad(w, 2.0)
        opt.step()
        assert w.data[0] == want


def test_sgd_weight_decay_adds_wd_times_w_to_the_gradient() -> None:
    # g' = 2 + 0.5 * 1 = 2.5, w1 = 1 - 0.25 * 2.5 = 0.375; g' = 2 + 0.1875, w2 = 0.375 - 0.546875
    w = scalar_param(1.0)
    opt = optim.SGD([w], lr=0.25, weight_decay=0.5)
    for want in (0.375, 0.375 - 0.25 * 2.1875):
        set_grad(w, 2.0)
        opt.step()
        assert w.data[0] == want


def test_parameters_without_a_gradient_are_left_alone() -> None:
    a, b = scalar_param(1.0), scalar_param(5.0)
    set_grad(a, 2.0)
    for opt in (optim.SGD([a, b], lr=0.5, momentum=0.9), optim.Adam([a, b])):
        opt.step()
    assert b.data[0] == 5.0


@pytest.mark.parametrize("lr", [0.25, 1.0])
@pytest.mark.parametrize("extra", [{}, {"momentum": 0.5}, {"weight_decay": 0.25}])
def test_sgd_updates_a_0d_parameter_whose_data_became_a_numpy_scalar(
    lr: float, extra: dict[str, float]
) -> None:
    # numpy gives a scalar, not a 0-d array, for 0-d arithmetic: w.data = w.data * 0.5
    # leaves a np.float64 that cannot be written in place; SGD's in-place update of a
    # local name then left w unchanged (0.5 - lr * 1 expected; dyadic, so exact)
    w = Tensor(np.array(1.0), requires_grad=True)
    w.data = w.data * 0.5
    w.grad = np.array(1.0)
    optim.SGD([w], lr=lr, **extra).step()
    decay = extra.get("weight_decay", 0.0) * 0.5  # g + wd W; momentum: v = g on step one
    assert float(w.data) == 0.5 - lr * (1.0 + decay)


# --- Adam: Kingma and Ba 2015, Algorithm 1 --------------------------------------------------


def adam_reference(
    w: float, grads: list[float], lr: float, b1: float, b2: float, eps: float
) -> list[float]:
    """Algorithm 1 of the paper, one scalar, in Python floats: the value after each step."""
    m = v = 0.0
    out = []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        w = w - lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(w)
    return out


@pytest.mark.parametrize(
    ("grads", "lr", "betas", "eps"),
    [
        ([2.0, -1.0, 0.5, 3.0], 0.1, (0.9, 0.999), 1e-8),
        ([1e-3, 1e-3, -2e-3], 1e-2, (0.8, 0.99), 1e-6),
        ([5.0, 5.0, 5.0, 5.0, 5.0], 1.0, (0.5, 0.75), 0.1),
    ],
)
def test_adam_matches_algorithm_1(
    grads: list[float], lr: float, betas: tuple[float, float], eps: float
) -> None:
    w = scalar_param(0.3)
    opt = optim.Adam([w], lr=lr, betas=betas, eps=eps)
    for g, want in zip(grads, adam_reference(0.3, grads, lr, *betas, eps), strict=True):
        set_grad(w, g)
        opt.step()
        # the same float64 operations, possibly grouped differently: a few ulps of |w| <~ 5
        assert w.data[0] == pytest.approx(want, rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("g", [1e-4, 1.0, 1e4, -3.0])
def test_adam_first_step_moves_by_lr_whatever_the_gradient_scale(g: float) -> None:
    # bias correction makes m_hat = g and v_hat = g^2 on step 1: the step is lr g / (|g| + eps)
    w = scalar_param(1.0)
    opt = optim.Adam([w], lr=0.01, eps=1e-8)
    set_grad(w, g)
    opt.step()
    # 1 - b^1 rounds (0.1 and 0.001 are not dyadic): relative error a few ulps of the step
    assert 1.0 - w.data[0] == pytest.approx(0.01 * g / (abs(g) + 1e-8), rel=1e-13)


def test_adam_weight_decay_is_added_to_the_gradient() -> None:
    w = scalar_param(2.0)
    opt = optim.Adam([w], lr=0.1, weight_decay=0.5)
    set_grad(w, 1.0)
    opt.step()
    # g' = 1 + 0.5 * 2 = 2 on step 1, so the step is 0.1 * 2 / (2 + eps): same ulps as above
    assert w.data[0] == pytest.approx(adam_reference(2.0, [2.0], 0.1, 0.9, 0.999, 1e-8)[0])


# --- convergence on a quadratic -------------------------------------------------------------

CURVATURE = np.array([1.0, 4.0, 0.5])
TARGET = np.array([1.0, -2.0, 0.5])


def quadratic(w: Tensor) -> Tensor:
    """E(w) = 1/2 sum_i a_i (w_i - c_i)^2, minimum 0 at w = c."""
    d = w - Tensor(TARGET)
    return (Tensor(CURVATURE) * d * d).sum() * 0.5


@pytest.mark.parametrize(
    ("make", "steps", "tol"),
    [
        # plain GD: error shrinks by |1 - lr a_i| <= 0.95 per step (a = 0.5, lr = 0.1):
        # 0.95^500 ~ 7e-12 times the start distance (~2.7)
        (lambda p: optim.SGD(p, lr=0.1), 500, 1e-9),
        (lambda p: optim.SGD(p, lr=0.05, momentum=0.9), 500, 1e-6),
        (lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True), 500, 1e-6),
        # Adam's step has size ~ lr near the optimum until v decays: no linear rate, so a
        # looser bound, far below the start distance
        (lambda p: optim.Adam(p, lr=0.05), 2000, 1e-3),
    ],
)
def test_optimizers_converge_on_a_quadratic(make, steps: int, tol: float) -> None:
    w = Tensor(np.zeros(3), requires_grad=True)
    opt = make([w])
    for _ in range(steps):
        opt.zero_grad()
        quadratic(w).backward()
        opt.step()
    assert np.abs(w.data - TARGET).max() < tol
    assert quadratic(w).item() < tol


# --- state dicts: resuming continues identically --------------------------------------------


def train_steps(model: nn.MLP, opt: optim.Optimizer, steps: int, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(steps):
        x = Tensor(rng.standard_normal((8, 5)))
        y = rng.integers(0, 3, 8)
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


MAKERS = {
    "sgd": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3, nesterov=True),
    "adam": lambda p: optim.Adam(p, lr=0.01, betas=(0.8, 0.9), weight_decay=1e-3),
}


@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize("through_file", [False, True])
def test_state_dict_round_trip_continues_identically(
    kind: str, through_file: bool, tmp_path
) -> None:
    model = nn.MLP(5, [6], 3, rng=np.random.default_rng(0), dtype=np.float64)
    opt = MAKERS[kind](model.parameters())
    train_steps(model, opt, 3, seed=1)
    saved_model, saved_opt = model.state_dict(), opt.state_dict()
    if through_file:
        tm.save({"model": saved_model, "optimizer": saved_opt}, tmp_path / "c.npz")
        loaded = tm.load(tmp_path / "c.npz")
        saved_model, saved_opt = loaded["model"], loaded["optimizer"]
    uninterrupted = train_steps(model, opt, 4, seed=2)

    fresh = nn.MLP(5, [6], 3, rng=np.random.default_rng(99), dtype=np.float64)
    fresh.load_state_dict(saved_model)
    fresh_opt = MAKERS[kind](fresh.parameters())
    fresh_opt.load_state_dict(saved_opt)
    resumed = train_steps(fresh, fresh_opt, 4, seed=2)
    assert resumed == uninterrupted  # bit for bit
    for name, value in model.state_dict().items():
        assert np.array_equal(fresh.state_dict()[name], value), name


def test_state_dict_holds_copies() -> None:
    w = scalar_param(1.0)
    opt = optim.SGD([w], lr=0.5, momentum=0.5)
    set_grad(w, 1.0)
    opt.step()
    sd = opt.state_dict()
    sd["state"]["0"]["velocity"][0] = 100.0
    set_grad(w, 0.0)
    opt.step()  # v = 0.5 * 1 + 0 = 0.5, w = 0.5 - 0.25
    assert w.data[0] == 0.25


def test_load_state_dict_restores_hyperparameters() -> None:
    a = optim.Adam([scalar_param(1.0)], lr=0.5, betas=(0.5, 0.6), eps=0.25)
    b = optim.Adam([scalar_param(1.0)])
    b.load_state_dict(a.state_dict())
    assert (b.lr, b.betas, b.eps) == (0.5, (0.5, 0.6), 0.25)


def _bad_states() -> dict[str, tuple[dict, type, str]]:
    w = Tensor(np.zeros((2, 3)), requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = np.ones((2, 3))
    opt.step()
    good = opt.state_dict()
    adam = optim.Adam([Tensor(np.zeros((2, 3)), requires_grad=True)]).state_dict()
    return {
        "other optimizer": ({**adam}, ValueError, "for 'Adam'"),
        "missing key": ({k: v for k, v in good.items() if k != "lr"}, KeyError, "missing keys"),
        "extra key": ({**good, "bogus": 1}, KeyError, "unexpected keys"),
        "param count": ({**good, "n_params": 2}, ValueError, "2 parameters"),
        "bad shape": (
            {**good, "state": {"0": {"velocity": np.ones((3, 2))}}},
            ValueError,
            r"shape \(3, 2\)",
        ),
        "bad dtype": (
            {**good, "state": {"0": {"velocity": np.ones((2, 3), np.float32)}}},
            ValueError,
            "float32",
        ),
        "bad index": ({**good, "state": {"5": {"velocity": np.ones((2, 3))}}}, KeyError, "'5'"),
        "negative lr": ({**good, "lr": -1.0}, ValueError, "lr"),
        "nan momentum": ({**good, "momentum": float("nan")}, ValueError, "momentum"),
    }


@pytest.mark.parametrize("case", list(_bad_states()))
def test_load_state_dict_refuses_and_changes_nothing(case: str) -> None:
    state, exc, match = _bad_states()[case]
    w = Tensor(np.zeros((2, 3)), requires_grad=True)
    opt = optim.SGD([w], lr=0.2, momentum=0.5)
    w.grad = np.full((2, 3), 2.0)
    opt.step()
    before = opt.state_dict()
    with pytest.raises(exc, match=match):
        opt.load_state_dict(state)
    after = opt.state_dict()
    assert (after["lr"], after["momentum"]) == (0.2, 0.5)
    assert np.array_equal(after["state"]["0"]["velocity"], before["state"]["0"]["velocity"])


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda p: optim.SGD(p, lr=-0.1), "lr"),
        (lambda p: optim.SGD(p, lr=float("inf")), "lr"),
        (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "nesterov"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.9)), "betas"),
        (lambda p: optim.Adam(p, betas=(0.9,)), "pair"),
        (lambda p: optim.Adam(p, eps=-1.0), "eps"),
        (lambda p: optim.Adam([*p, *p]), "same parameter twice"),
    ],
)
def test_bad_hyperparameters_are_refused(make, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make([scalar_param(1.0)])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_sgd_multiplies_by_lr_as_numpy_reads_a_python_float_beside_the_parameter(dtype) -> None:
    # W -= lr g with lr a Python float: numpy reads it in W's dtype (NEP 50), so the step
    # must be bit for bit W - (dtype(lr) g) computed in that dtype, never lr g in float64
    # rounded afterwards (double rounding moves some of 1000 entries by one ulp).
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal(1000).astype(dtype)
    g = rng.standard_normal(1000).astype(dtype)
    lr = 0.1234567891
    expected = w0 - np.multiply(g, lr)  # numpy's own weak-scalar product
    w = Tensor(w0, requires_grad=True)
    w.grad = g.copy()
    optim.SGD([w], lr=lr).step()
    np.testing.assert_array_equal(w.data, expected)
    assert w.data.dtype == dtype
