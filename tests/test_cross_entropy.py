"""Softmax cross-entropy: the seed's eq. 1 and eq. 3, stable up to logits of magnitude 1e4."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs
from tinygrad_mlp.closed_form import one_hot

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, numerical_grad
from tinygrad_mlp.testing import assert_grads_close

from . import strategies as st

U = np.finfo(np.float64).eps / 2  # unit round-off of float64


def reference(z: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Loss, softmax a and dense target t, written independently of the engine."""
    t = one_hot(target, z.shape[1]) if target.dtype.kind == "i" else target
    shifted = z - z.max(axis=1, keepdims=True)
    log_a = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-(t * log_a).sum() / z.shape[0]), np.exp(log_a), t


@hs.composite
def logits_and_targets(draw, magnitude=1e4):
    z = draw(st.logits(magnitude=draw(hs.sampled_from([1.0, 30.0, magnitude]))))
    return z, draw(st.targets(*z.shape))


@given(logits_and_targets())
def test_gradient_is_the_closed_form_a_sum_t_minus_t(case):
    z, target = case
    logits = Tensor(z, requires_grad=True)
    loss = F.cross_entropy(logits, target)
    loss.backward()
    _, a, t = reference(z, target)
    batch = z.shape[0]
    expected = (a * t.sum(axis=1, keepdims=True) - t) / batch  # eq. 3, general form
    # Each entry is a difference of two terms, each computed to a few ulps; the error is
    # relative to the larger term, so the scale is max(|a sum t|, |t|) / B, not |expected|.
    terms = max(np.abs(a * t.sum(axis=1, keepdims=True)).max(), np.abs(t).max()) / batch
    assert_grads_close(logits.grad, expected, rtol=0.0, atol=1e-12 * terms)


@given(logits_and_targets())
def test_loss_is_finite_and_matches_eq_1(case):
    z, target = case
    loss = F.cross_entropy(Tensor(z), target)
    expected, _, t = reference(z, target)
    assert np.isfinite(loss.item())
    # Each term t (shifted - log s) is known to within a few ulps of |shifted| + |log s|,
    # where log s (0 <= log s <= log K) carries the K-term sum's round-off: K + 4 ulps.
    shifted = z - z.max(axis=1, keepdims=True)
    scale = (t * (np.abs(shifted) + 1 + np.log(z.shape[1]))).sum() / z.shape[0]
    assert abs(loss.item() - expected) <= 4 * (z.shape[1] + 4) * U * scale


@given(st.logits(magnitude=1e4), st.seeds)
def test_gradient_rows_sum_to_zero_for_normalised_targets(z, seed):
    target = np.random.default_rng(seed).integers(0, z.shape[1], z.shape[0])
    logits = Tensor(z, requires_grad=True)
    F.cross_entropy(logits, target).backward()
    # sum_k (a_k - t_k) = 1 - 1: K terms of size <= 1/B, each rounded once
    np.testing.assert_allclose(logits.grad.sum(axis=1), 0.0, atol=z.shape[1] * 4 * U)


@given(st.logits(magnitude=3.0), st.seeds)
def test_gradient_matches_finite_differences(z, seed):
    target = np.random.default_rng(seed).integers(0, z.shape[1], z.shape[0])
    logits = Tensor(z, requires_grad=True)
    F.cross_entropy(logits, target).backward()
    (numeric,) = numerical_grad(lambda x: F.cross_entropy(x, target), [logits])
    # central differences, eps = 1e-6: truncation ~1e-12 |E'''|, round-off ~1e-10 |E|
    assert_grads_close(logits.grad, numeric, rtol=1e-6, atol=1e-8)


def test_labels_and_one_hot_probabilities_agree():
    z = np.random.default_rng(0).standard_normal((5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    a, b = Tensor(z, requires_grad=True), Tensor(z, requires_grad=True)
    la, lb = F.cross_entropy(a, labels), F.cross_entropy(b, one_hot(labels, 4))
    la.backward()
    lb.backward()
    assert la.item() == pytest.approx(lb.item(), rel=1e-15)
    assert_grads_close(a.grad, b.grad, rtol=1e-15)


def test_extreme_logits_give_the_exact_limit():
    z = Tensor(np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0]]), requires_grad=True)
    loss = F.cross_entropy(z, np.array([1, 2]))
    loss.backward()
    # row 0: -log a_1 = 2e4 exactly; row 1: log 3. Mean over B = 2.
    assert loss.item() == pytest.approx((2e4 + np.log(3.0)) / 2, rel=1e-15)
    np.testing.assert_allclose(z.grad[0], [0.5, -0.5, 0.0], atol=1e-300)
    np.testing.assert_allclose(z.grad[1], [1 / 6, 1 / 6, 1 / 6 - 0.5], rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype):
    z = Tensor(np.zeros((2, 3), dtype=dtype), requires_grad=True)
    loss = F.cross_entropy(z, np.array([0, 2]))
    loss.backward()
    assert loss.dtype == dtype and z.grad.dtype == dtype
    assert loss.item() == pytest.approx(np.log(3.0), rel=1e-6 if dtype == np.float32 else 1e-15)


def test_the_target_is_copied_so_later_changes_do_not_reach_backward():
    z = Tensor(np.zeros((2, 3)), requires_grad=True)
    labels = np.array([0, 1])
    probs = np.full((2, 3), 1 / 3)
    loss_l, loss_p = F.cross_entropy(z, labels), F.cross_entropy(z, probs)
    labels[:] = 2
    probs[:] = np.eye(3)[[2, 2]]
    (loss_l + loss_p).backward()
    # uniform a = 1/3 against the original targets: (a - t) / 2 for the labels, 0 for probs
    expected = (np.full((2, 3), 1 / 3) - np.eye(3)[[0, 1]]) / 2
    np.testing.assert_allclose(z.grad, expected, rtol=1e-15)


@given(st.logits(magnitude=30.0), st.seeds, hs.sampled_from(["mean", "sum", "none"]))
def test_a_probability_target_that_requires_grad_gets_minus_log_softmax(z, seed, reduction):
    # d/dt_bk of -sum_k t_bk log a_bk is -log a_bk (/ B for the mean), as torch gives
    t = np.random.default_rng(seed).uniform(0.0, 1.0, size=z.shape)
    logits, target = Tensor(z, requires_grad=True), Tensor(t, requires_grad=True)
    loss = F.cross_entropy(logits, target, reduction=reduction)
    w = np.linspace(0.5, 1.5, loss.data.size)  # distinct weights: rows cannot swap
    (loss * w.reshape(loss.shape)).sum().backward()
    weight = w.reshape(-1, 1) if reduction == "none" else w[0]
    _, a, _ = reference(z, np.zeros_like(z))
    log_a = z - z.max(axis=1, keepdims=True)
    log_a = log_a - np.log(np.exp(log_a).sum(axis=1, keepdims=True))
    expected = -log_a * weight / (z.shape[0] if reduction == "mean" else 1)
    # each entry is one log-sum-exp (K terms, a few ulps each) times a weight: 1e-13 of
    # the entry's size (|log a| <= 60 + log 8 for logits up to 30) is far above that
    assert target.grad is not None
    assert_grads_close(target.grad, expected, rtol=1e-13, atol=1e-13)
    dz = (a * t.sum(axis=1, keepdims=True) - t) * weight
    dz = dz / (z.shape[0] if reduction == "mean" else 1)
    assert_grads_close(logits.grad, dz, rtol=1e-13, atol=1e-13)


@given(st.logits(magnitude=30.0), st.seeds, hs.sampled_from(["mean", "sum", "none"]))
def test_a_zero_in_a_probability_target_gets_minus_log_softmax_too(z, seed, reduction):
    # a target entry of exactly 0 (one-hot rows, a sparse mixture) with a finite logit:
    # d/dt_bk is still -log a_bk, as torch gives; the mask that makes 0 * log 0 count as 0
    # where a logit is -inf had zeroed it at every zero of t (and made a tm.jit replay of
    # a call with a zero, traced without one, differ from the eager step)
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, 1.0, size=z.shape) * (rng.random(z.shape) < 0.6)
    target = Tensor(t, requires_grad=True)
    F.cross_entropy(Tensor(z, requires_grad=True), target, reduction=reduction).sum().backward()
    log_a = z - z.max(axis=1, keepdims=True)
    log_a = log_a - np.log(np.exp(log_a).sum(axis=1, keepdims=True))
    expected = -log_a / (z.shape[0] if reduction == "mean" else 1)
    # one log-sum-exp (K terms, a few ulps each) per entry, as the test above
    assert target.grad is not None
    assert_grads_close(target.grad, expected, rtol=1e-13, atol=1e-13)


def test_a_probability_target_gradient_is_torchs():
    torch = pytest.importorskip("torch")
    z, p = np.array([[1.0, 2.0, 0.5]]), np.array([[0.2, 0.3, 0.5]])
    target = Tensor(p, requires_grad=True)
    F.cross_entropy(Tensor(z, requires_grad=True), target).backward()
    tt = torch.tensor(p, requires_grad=True)
    torch.nn.functional.cross_entropy(torch.tensor(z), tt).backward()
    # [1.464, 0.464, 1.964]: -log softmax(z), one log-sum-exp of 3 terms each side
    np.testing.assert_allclose(target.grad, tt.grad.numpy(), rtol=1e-14)


def test_the_logits_stay_read_only_while_the_loss_graph_is_alive():
    # the fused node's create_graph backward differentiates softmax(z) at backward time:
    # a write into z between forward and backward would give a wrong Hessian, so it is
    # refused at the write, as for every other op that saves its input
    z = Tensor(np.array([[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]]), requires_grad=True)
    t = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    loss = F.cross_entropy(z, t)
    with pytest.raises(ValueError, match="read-only"):
        z.data[...] = 0.0
    (g,) = tm.grad(loss, [z], create_graph=True)
    (hess_row,) = tm.grad(g[0, 0], [z])
    torch = pytest.importorskip("torch")
    zt = torch.tensor(z.data, requires_grad=True)
    (gt,) = torch.autograd.grad(
        torch.nn.functional.cross_entropy(zt, torch.tensor(t)), zt, create_graph=True
    )
    (ht,) = torch.autograd.grad(gt[0, 0], zt)
    # second derivatives of softmax: products of a few terms of size <= 1, a few ulps each
    np.testing.assert_allclose(hess_row, ht.numpy(), rtol=1e-13, atol=1e-15)
    loss.backward()
    z.data[...] = 0.0  # released: writeable again


def test_the_gradient_node_subtracts_at_the_labels_whatever_the_softmax_memory_order():
    # CrossEntropyGrad subtracts g/B at each row's label through flat indices b K + label_b
    # into its gradient: that gradient must be C-ordered for them to land, also when the
    # softmax it scales is Fortran-ordered. The reference is the same two roundings
    # (a g/B, then minus g/B at the labels), so the results are equal bit for bit.
    from tinygrad_mlp.ops import CrossEntropyGrad

    rng = np.random.default_rng(0)
    z = rng.standard_normal((4, 3))
    a = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    labels = np.array([0, 2, 1, 2])
    scale = 1.5 / 4
    expected = a * scale
    expected[np.arange(4), labels] -= scale
    for softmax in (a, np.asfortranarray(a)):
        d = CrossEntropyGrad().forward(z, np.array(1.5), softmax, labels, None)
        np.testing.assert_array_equal(d, expected)
    with pytest.raises(ValueError):  # applied directly: the labels are checked as indexed
        CrossEntropyGrad().forward(z, np.array(1.5), a, np.array([0, 3, 1, 2]), None)
