"""The losses against numpy references written from their definitions, and against central
finite differences in float64, for every reduction; edge cases where a naive formula breaks.

Tolerances: VALUE = 1e-12 (the reference computes the same function with other numpy calls:
a few ulps on values of order 1-10); FD_TOL = 1e-6 for central differences with eps = 1e-6
(truncation ~eps^2 |f'''| ~ 1e-12, round-off ~1e-16 |f| / eps ~ 1e-9).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, nn, numerical_grad
from tinygrad_mlp.testing import assert_grads_close

from . import strategies as st

VALUE = 1e-12
FD_TOL = 1e-6


def _reduce(per: np.ndarray, reduction: str) -> np.ndarray:
    return {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction](per)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _huber(d: np.ndarray, delta: float) -> np.ndarray:
    return np.where(np.abs(d) <= delta, 0.5 * d * d, delta * (np.abs(d) - 0.5 * delta))


# name -> (loss(x, y, reduction), numpy per-entry reference, draw (x, y) from a Generator)
def _real(rng, shape):
    return rng.uniform(-2, 2, shape), rng.uniform(-2, 2, shape)


def _probs(rng, shape):
    return rng.uniform(0.05, 0.95, shape), rng.uniform(0, 1, shape)


def _logits(rng, shape):
    return rng.uniform(-5, 5, shape), rng.uniform(0, 1, shape)


POINTWISE = {
    "mse_loss": (F.mse_loss, lambda x, y: (x - y) ** 2, _real),
    "l1_loss": (F.l1_loss, lambda x, y: np.abs(x - y), _real),
    "huber_loss": (
        lambda x, y, reduction: F.huber_loss(x, y, reduction=reduction, delta=0.8),
        lambda x, y: _huber(x - y, 0.8),
        _real,
    ),
    "smooth_l1_loss": (
        lambda x, y, reduction: F.smooth_l1_loss(x, y, reduction=reduction, beta=0.6),
        lambda x, y: _huber(x - y, 0.6) / 0.6,
        _real,
    ),
    "smooth_l1_loss beta=0": (
        lambda x, y, reduction: F.smooth_l1_loss(x, y, reduction=reduction, beta=0.0),
        lambda x, y: np.abs(x - y),
        _real,
    ),
    "binary_cross_entropy": (
        F.binary_cross_entropy,
        lambda p, y: -(y * np.log(p) + (1 - y) * np.log(1 - p)),
        _probs,
    ),
    "binary_cross_entropy_with_logits": (
        F.binary_cross_entropy_with_logits,
        lambda x, y: -(y * np.log(_sigmoid(x)) + (1 - y) * np.log(1 - _sigmoid(x))),
        _logits,
    ),
}


@pytest.mark.parametrize("name", POINTWISE)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@given(seed=st.seeds, shape=st.shapes(min_dims=1, max_dims=3, max_side=4))
def test_pointwise_losses_match_numpy_and_finite_differences(name, reduction, seed, shape):
    loss, ref, draw = POINTWISE[name]
    x, y = draw(np.random.default_rng(seed), shape)
    out = loss(Tensor(x), Tensor(y), reduction=reduction)
    np.testing.assert_allclose(out.numpy(), _reduce(ref(x, y), reduction), rtol=VALUE, atol=VALUE)
    c = np.random.default_rng([seed, 1]).uniform(-1, 1, out.shape)
    ts = [Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)]
    grads = tm.grad((loss(*ts, reduction=reduction) * c).sum(), ts)
    numeric = numerical_grad(lambda a, b: (loss(a, b, reduction=reduction) * c).sum(), ts)
    for g, n in zip(grads, numeric, strict=True):
        assert_grads_close(g.numpy(), n, rtol=FD_TOL, atol=FD_TOL)


def test_bce_with_logits_is_finite_and_exact_at_large_logits():
    x = Tensor(np.array([1000.0, 1000.0, -1000.0, -1000.0, 1000.0]), requires_grad=True)
    y = np.array([1.0, 0.0, 1.0, 0.0, 0.25])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_array_equal(loss.numpy(), [0.0, 1000.0, 1000.0, 0.0, 750.0])
    loss.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, -1.0, 0.0, 0.75])  # sigmoid(x) - y


def test_bce_with_logits_at_infinite_logits_is_the_limit_and_its_gradient_is_torchs():
    torch = pytest.importorskip("torch")
    inf = np.inf
    x = np.array([inf, inf, inf, -inf, -inf, -inf, 1e308, -1e308])
    y = np.array([0.0, 1.0, 0.3, 0.0, 1.0, 0.3, 0.0, 0.0])
    a, b = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(a, b, reduction="none")
    loss.sum().backward()
    # the limits of log(1 + e^x) - y x: inf unless the coefficient of x is 0 (y = 1 at +inf,
    # y = 0 at -inf), where it is 0; torch agrees except there (0 * inf = NaN in torch)
    np.testing.assert_array_equal(loss.numpy(), [inf, 0.0, inf, 0.0, inf, inf, 1e308, 0.0])
    xt, yt = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    lt = torch.nn.functional.binary_cross_entropy_with_logits(xt, yt, reduction="none")
    lt.sum().backward()
    theirs = lt.detach().numpy()
    assert_equal_where = ~np.isnan(theirs)
    np.testing.assert_array_equal(loss.numpy()[assert_equal_where], theirs[assert_equal_where])
    # sigmoid(+-inf) - y and -x: exact, so equal
    np.testing.assert_array_equal(a.grad, xt.grad.numpy())
    np.testing.assert_array_equal(b.grad, yt.grad.numpy())
    # y a constant: its partial -x = -inf must not meet a zero tangent (ops/tangents.py)
    _, jv = tm.jvp(lambda p: F.binary_cross_entropy_with_logits(p, y, reduction="none"),
                   [Tensor(x)], [np.ones_like(x)])  # fmt: skip
    np.testing.assert_array_equal(jv, xt.grad.numpy())  # d/dx times tangent 1


def test_bce_with_logits_has_no_kink_at_zero():
    x = Tensor(np.zeros(2), requires_grad=True)
    F.binary_cross_entropy_with_logits(x, np.array([0.0, 1.0]), reduction="sum").backward()
    np.testing.assert_array_equal(x.grad, [0.5, -0.5])  # sigmoid(0) - y, not relu'(0) = 0


def test_bce_on_probabilities_floors_the_logs_like_torch():
    p = Tensor(np.array([0.0, 1.0, 0.0, 1.0]), requires_grad=True)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    loss = F.binary_cross_entropy(p, y, reduction="none")
    np.testing.assert_array_equal(loss.numpy(), [0.0, 0.0, 100.0, 100.0])
    loss.sum().backward()
    assert np.isfinite(p.grad).all()  # (p - y) / max(p (1 - p), 1e-12)
    np.testing.assert_allclose(p.grad, [0.0, 0.0, -1e12, 1e12], rtol=VALUE)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        F.binary_cross_entropy(Tensor(np.array([1.5])), np.array([1.0]))


def test_huber_and_l1_conventions_at_their_kinks():
    x = Tensor(np.array([0.0, 0.8, -0.8]), requires_grad=True)
    F.huber_loss(x, np.zeros(3), reduction="sum", delta=0.8).backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.8, -0.8], rtol=VALUE)  # continuous at |d| = delta
    x.grad = None
    F.l1_loss(x, np.array([0.0, 1.0, -1.0]), reduction="sum").backward()
    np.testing.assert_array_equal(x.grad, [0.0, -1.0, 1.0])  # sign(0) = 0, as torch


@pytest.mark.parametrize("loss", ["huber_loss", "smooth_l1_loss"])
def test_huber_and_smooth_l1_second_derivative_is_torchs_at_and_off_the_switch(loss):
    # at |d| = delta torch's second derivative is 0 (the linear branch's), 1 (or 1/beta)
    # strictly inside, 0 outside: the Hessian is diagonal, read off grad(sum(grad))
    torch = pytest.importorskip("torch")
    d = np.array([0.7, -0.7, 0.3, -0.2, 1.5, -2.0, 0.0])
    x = Tensor(d, requires_grad=True)
    kw = {"delta": 0.7} if loss == "huber_loss" else {"beta": 0.7}
    (g,) = tm.grad(getattr(F, loss)(x, np.zeros(7), reduction="sum", **kw), [x], create_graph=True)
    (h,) = tm.grad(g.sum(), [x])
    xt = torch.tensor(d, requires_grad=True)
    lt = getattr(torch.nn.functional, loss)(
        xt, torch.zeros(7, dtype=xt.dtype), reduction="sum", **kw
    )
    (gt,) = torch.autograd.grad(lt, xt, create_graph=True)
    (ht,) = torch.autograd.grad(gt.sum(), xt)
    # 0, 1 or 1/0.7 computed by one or two roundings either side
    np.testing.assert_allclose(g.numpy(), gt.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(h.numpy(), ht.numpy(), rtol=1e-15)
    _, jv = tm.jvp(lambda a: getattr(F, loss)(a, np.zeros(7), reduction="none", **kw).sum(),
                   [Tensor(d)], [np.ones(7)])  # fmt: skip
    np.testing.assert_allclose(jv, gt.detach().numpy().sum(), rtol=1e-15)


# --- cross_entropy and nll_loss ------------------------------------------------------------
def _log_softmax(z: np.ndarray) -> np.ndarray:
    m = z.max(axis=1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2, 1.0])
@given(z=st.logits(), seed=st.seeds)
def test_cross_entropy_with_labels_matches_numpy(reduction, smoothing, z, seed):
    b, k = z.shape
    labels = np.random.default_rng(seed).integers(0, k, b)
    t = np.eye(k)[labels] * (1 - smoothing) + smoothing / k
    want = _reduce(-(t * _log_softmax(z)).sum(axis=1), reduction)
    got = F.cross_entropy(Tensor(z), labels, reduction=reduction, label_smoothing=smoothing)
    np.testing.assert_allclose(got.numpy(), want, rtol=VALUE, atol=VALUE * 10)  # |z| <= 10
    c = np.random.default_rng([seed, 2]).uniform(-1, 1, got.shape)
    zt = Tensor(z, requires_grad=True)

    def fn(a):
        return (
            F.cross_entropy(a, labels, reduction=reduction, label_smoothing=smoothing) * c
        ).sum()

    (g,) = tm.grad(fn(zt), [zt])
    assert_grads_close(g.numpy(), numerical_grad(fn, [zt])[0], rtol=FD_TOL, atol=FD_TOL)


@given(z=st.logits(batch=hs.just(3), classes=hs.just(4)), t=st.probability_targets(3, 4))
def test_cross_entropy_with_probabilities_and_smoothing_matches_numpy(z, t):
    got = F.cross_entropy(Tensor(z), t, reduction="none", label_smoothing=0.4)
    want = -((t * 0.6 + 0.1) * _log_softmax(z)).sum(axis=1)
    np.testing.assert_allclose(got.numpy(), want, rtol=VALUE, atol=VALUE * 10)


def test_cross_entropy_default_stays_one_fused_node_and_equals_the_other_paths():
    rng = np.random.default_rng(0)
    z, y = Tensor(rng.standard_normal((5, 3)), requires_grad=True), rng.integers(0, 3, 5)
    fused = F.cross_entropy(z, y)
    assert type(fused._ctx).__name__ == "CrossEntropy"  # the seed's fast path is kept
    per_row = F.cross_entropy(z, y, reduction="none")
    np.testing.assert_allclose(per_row.numpy().mean(), fused.item(), rtol=VALUE)
    nll = F.nll_loss(F.log_softmax(z, axis=1), y, reduction="sum")
    np.testing.assert_allclose(
        nll.item(), F.cross_entropy(z, y, reduction="sum").item(), rtol=VALUE
    )


def test_cross_entropy_probability_target_zero_times_log_zero_is_zero():
    z = Tensor(np.array([[0.0, -np.inf, 1.0]]), requires_grad=True)
    t = np.array([[0.5, 0.0, 0.5]])
    loss = F.cross_entropy(z, t, reduction="sum")
    assert np.isfinite(loss.item())
    loss.backward()
    assert np.isfinite(z.grad).all()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda z: F.cross_entropy(z, np.array([0, 1]), reduction="avg"), ValueError, "reduction"),
        (lambda z: F.cross_entropy(z, np.array([0, 1]), label_smoothing=1.5), ValueError, "[0, 1]"),
        (lambda z: F.nll_loss(z, np.array([0, 3])), ValueError, "out of range"),
        (lambda z: F.nll_loss(z, np.ones((2, 3))), TypeError, "integer labels"),
        (lambda z: F.nll_loss(z, np.array([0])), ValueError, "shape"),
        (lambda z: F.mse_loss(z, np.ones(3)), ValueError, "must match"),
        (lambda z: F.l1_loss(z.numpy(), np.ones((2, 3))), TypeError, "Tensor"),
        (lambda z: F.huber_loss(z, np.ones((2, 3)), delta=0.0), ValueError, "delta"),
        (lambda z: F.smooth_l1_loss(z, np.ones((2, 3)), beta=-1.0), ValueError, "beta"),
        (lambda z: F.mse_loss(z, np.ones((2, 3)), reduction="total"), ValueError, "reduction"),
    ],
)
def test_bad_targets_and_options_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(Tensor(np.zeros((2, 3))))


# --- modules ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("module", "fn"),
    [
        (nn.MSELoss(reduction="sum"), lambda x, y: F.mse_loss(x, y, reduction="sum")),
        (nn.L1Loss(), F.l1_loss),
        (nn.HuberLoss(delta=0.5), lambda x, y: F.huber_loss(x, y, delta=0.5)),
        (nn.SmoothL1Loss(beta=0.5), lambda x, y: F.smooth_l1_loss(x, y, beta=0.5)),
        (
            nn.BCEWithLogitsLoss(weight=np.array([1.0, 2.0])),
            lambda x, y: F.binary_cross_entropy_with_logits(x, y, weight=np.array([1.0, 2.0])),
        ),
        (
            nn.BCELoss(reduction="none"),
            lambda x, y: F.binary_cross_entropy(x.sigmoid(), y, reduction="none"),
        ),
    ],
)
def test_loss_modules_call_their_functional_loss(module, fn):
    rng = np.random.default_rng(1)
    x, y = Tensor(rng.uniform(-1, 1, (3, 2))), rng.uniform(0, 1, (3, 2))
    arg = x.sigmoid() if isinstance(module, nn.BCELoss) else x
    np.testing.assert_array_equal(module(arg, y).numpy(), fn(x, y).numpy())
    assert module.parameters() == []  # a weight is an array, not a parameter


def test_classification_loss_modules():
    z, y = Tensor(np.array([[1.0, 2.0], [0.5, -1.0]])), np.array([1, 0])
    ce = nn.CrossEntropyLoss(label_smoothing=0.1)(z, y)
    assert ce.item() == F.cross_entropy(z, y, label_smoothing=0.1).item()
    assert nn.NLLLoss(reduction="sum")(z, y).item() == -(2.0 + 0.5)
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
