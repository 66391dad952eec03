"""Second and third derivatives: grad of grad, Hessian-vector products, the CE Hessian."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as hs

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, closed_form
from tinygrad_mlp.testing import assert_grads_close

from . import strategies as st

U = np.finfo(np.float64).eps / 2


def ce_hessian_closed_form(z: np.ndarray, target: np.ndarray) -> np.ndarray:
    """d2E/dz_bk dz_b'c = [b = b'] sum(t_b) (a_bk 1[k=c] - a_bk a_bc) / B (seed README)."""
    batch, classes = z.shape
    t = closed_form.one_hot(target, classes) if target.dtype.kind == "i" else target
    e = np.exp(z - z.max(axis=1, keepdims=True))
    a = e / e.sum(axis=1, keepdims=True)
    H = np.zeros((batch, classes, batch, classes))
    for b in range(batch):
        H[b, :, b, :] = t[b].sum() * (np.diag(a[b]) - np.outer(a[b], a[b])) / batch
    return H


@hs.composite
def logits_and_targets(draw):
    z = draw(st.logits(batch=hs.integers(1, 4), classes=hs.integers(2, 5), magnitude=30.0))
    return z, draw(st.targets(*z.shape))


@given(logits_and_targets())
def test_cross_entropy_hessian_is_the_closed_form(case):
    z, target = case
    H = tm.hessian(lambda logits: F.cross_entropy(logits, target), z)
    expected = ce_hessian_closed_form(z, target)
    # An entry is a difference of terms a_k and a_k a_c (each <= 1) times sum(t) / B, so its
    # round-off is a few ulps of that term scale, not of the entry itself: when a_k ~ 1 the
    # entry a_k - a_k^2 is tiny and carries an absolute error of ~u (catastrophic cancellation).
    t = closed_form.one_hot(target, z.shape[1]) if target.dtype.kind == "i" else target
    terms = t.sum(axis=1).max() / z.shape[0]
    assert_grads_close(H, expected, rtol=0, atol=16 * U * terms)
    n = z.size
    M = H.reshape(n, n)
    np.testing.assert_allclose(M, M.T, rtol=0, atol=16 * U * terms)  # symmetric
    # positive semi-definite: no eigenvalue below round-off (n ulps of the term scale)
    assert np.linalg.eigvalsh((M + M.T) / 2).min() >= -n * 16 * U * terms
    # the all-ones vector of each sample is in the null space: sum_c (a_k 1[k=c] - a_k a_c) = 0
    ones_per_sample = np.kron(np.eye(z.shape[0]), np.ones(z.shape[1]))
    assert np.abs(M @ ones_per_sample.T).max() <= z.shape[1] * 16 * U * terms


@given(st.seed_networks(max_width=5, max_batch=5), st.seeds)
def test_hvp_equals_finite_differences_of_the_closed_form_gradient(net, seed):
    rng = np.random.default_rng(seed)
    flat = net.flat_params
    vs = [rng.standard_normal(p.shape) for p in flat]
    hv = tm.hvp(net.loss_fn(), flat, vs)
    eps = 1e-5

    def closed_grads(sign: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
        params = [
            (W + sign * eps * vW, b + sign * eps * vb)
            for (W, b), vW, vb in zip(net.params, vs[0::2], vs[1::2], strict=True)
        ]
        zs = closed_form.forward(params, net.x).zs[:-1]
        grads = closed_form.loss_and_grads(params, net.x, net.target)[1]
        return [g for pair in grads for g in pair], [z > 0 for z in zs]

    up, mask_up = closed_grads(+1.0)
    down, mask_down = closed_grads(-1.0)
    # a step across a ReLU kink makes the gradient jump: no finite difference holds there
    assume(all(map(np.array_equal, mask_up, mask_down)))
    numeric = [(a - b) / (2 * eps) for a, b in zip(up, down, strict=True)]
    # central difference of the gradient: truncation eps^2 |f''''| ~ 1e-10, round-off
    # u |grad| / eps ~ 1e-11; the Hessian entries are O(1).
    assert_grads_close(hv, numeric, rtol=1e-6, atol=1e-7)


def test_backward_with_create_graph_gives_differentiable_grads():
    x = Tensor(np.array([0.5, 1.5, -2.0]), requires_grad=True)
    loss = (x * x * x).sum()  # dL/dx = 3x^2, d2L/dx2 = 6x
    loss.backward(create_graph=True)
    assert isinstance(x.grad, Tensor) and x.grad._ctx is not None
    np.testing.assert_allclose(x.grad.data, 3 * x.data**2, rtol=1e-15)
    (h,) = tm.grad(x.grad.sum(), [x])
    np.testing.assert_allclose(h.data, 6 * x.data, rtol=1e-15)


def test_grad_leaves_dot_grad_untouched_and_reaches_intermediates():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    z = x * 3.0
    loss = (z * z).sum()  # dL/dz = 2z, dL/dx = 18x
    gz, gx = tm.grad(loss, [z, x])
    assert x.grad is None
    np.testing.assert_allclose(gz.data, 2 * z.data, rtol=1e-15)
    np.testing.assert_allclose(gx.data, 18 * x.data, rtol=1e-15)


def test_grad_of_an_unused_input_is_an_error_unless_allowed():
    x = Tensor(np.ones(2), requires_grad=True)
    y = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"input 1 .* not used"):
        tm.grad((x * 2).sum(), [x, y])
    gx, gy = tm.grad((x * 2).sum(), [x, y], allow_unused=True)
    assert gy is None and np.array_equal(gx.data, [2.0, 2.0])


THIRD = {
    # f, f''' in closed form
    "exp*log": (
        lambda x: x.exp() * x.log(),
        lambda x: np.exp(x) * (np.log(x) + 3 / x - 3 / x**2 + 2 / x**3),
    ),
    "x**3.5": (lambda x: x**3.5, lambda x: 3.5 * 2.5 * 1.5 * x**0.5),
    "1/x": (lambda x: 1.0 / x, lambda x: -6 / x**4),
    "log(1+exp)": (
        lambda x: (x.exp() + 1.0).log(),
        lambda x: np.exp(x) * (1 - np.exp(x)) / (1 + np.exp(x)) ** 3,
    ),
}


@pytest.mark.parametrize("name", THIRD)
@given(x=st.arrays((3,), 0.3, 2.5))
def test_third_derivatives_of_smooth_expressions(name, x):
    f, third = THIRD[name]
    t = Tensor(x, requires_grad=True)
    (g1,) = tm.grad(f(t).sum(), [t], create_graph=True)
    (g2,) = tm.grad(g1.sum(), [t], create_graph=True)
    (g3,) = tm.grad(g2.sum(), [t])
    # a few dozen float64 operations on values of size <= ~300: relative round-off ~1e-14
    assert_grads_close(g3.data, third(x), rtol=1e-12)
