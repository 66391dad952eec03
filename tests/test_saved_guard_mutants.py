"""The saved-array guard and the kink detector, each pinned where a realistic slip survived.

A held-out run of wrong guards (issue 17) survived the suite here: versions not bumped by an
optimizer's update, a layer whose weight is not frozen, an output whose ``.data`` was rebound,
writeability not restored after a gradient check, and a kink detector that skips its
refinement step. scripts/mutants.py injects each; one test below kills each.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, optim
from tinygrad_mlp.checks.kinks import REFINE, OneSided, judge


def test_an_optimizer_update_between_forward_and_backward_is_refused() -> None:
    w = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    x = Tensor(np.array([[1.0, -1.0]]), requires_grad=True)
    loss = (x @ w.T).sum()  # matmul holds w: its backward reads it
    w.grad = np.ones((2, 2))
    optim.SGD([w], lr=0.5).step()  # a sanctioned write (writing): it bumps w's version
    with pytest.raises(RuntimeError, match="updated in place"):
        loss.backward()


def test_a_linear_layer_freezes_its_weight_for_its_backward() -> None:
    x = Tensor(np.ones((1, 3)), requires_grad=True)
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.zeros(2), requires_grad=True)
    out = F.linear(x, w, b)
    with pytest.raises(ValueError, match="read-only"):
        w.data[0, 0] = 5.0  # dE/dx reads W: a raw write would change it silently
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((1, 3), 2.0))  # sum over the 2 rows of W


def test_rebinding_the_output_data_before_backward_is_refused() -> None:
    x = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    y = x.exp().sum()
    y.data = np.asarray(y.data * 2.0)  # rebound, not written: the output the graph made is gone
    with pytest.raises(RuntimeError, match=r"output's \.data was replaced"):
        y.backward()


def test_a_gradient_check_leaves_held_inputs_read_only_again() -> None:
    x = Tensor(np.array([0.3, -0.8, 1.1]), requires_grad=True)
    y = (x * x).sum()  # a live graph holds x.data
    assert tm.gradcheck(lambda t: (t * t.sin()).sum(), [x])  # perturbs x.data in place
    with pytest.raises(ValueError, match="read-only"):
        x.data[0] = 9.0
    y.backward()
    np.testing.assert_array_equal(x.grad, 2 * np.array([0.3, -0.8, 1.1]))


def _one_sided(f, x: float, h: float) -> OneSided:
    plus, minus = (f(x + h) - f(x)) / h, (f(x) - f(x - h)) / h
    return OneSided(plus, minus, (plus + minus) / 2)


def test_a_smooth_curved_function_is_refined_and_not_taken_for_a_kink() -> None:
    # exp at 0 with a coarse step: D+ - D- ~ h f'' = 1e-2 exceeds the bound, so the detector
    # measures again at h / REFINE; the gap shrinks with h (a smooth function), and the
    # verdict is "smooth", judged against the finer central difference (error ~ (h/4)^2 / 6)
    h = 1e-2
    coarse = _one_sided(np.exp, 0.0, h)
    calls = []

    def finer() -> OneSided:
        calls.append(1)
        return _one_sided(np.exp, 0.0, h / REFINE)

    v = judge(1.0, coarse, finer, atol=1e-10, rtol=1e-4)
    assert calls == [1] and not v.kink and v.ok
    assert v.numeric == pytest.approx(1.0, abs=(h / REFINE) ** 2)  # the finer central diff


def test_a_true_kink_stays_a_kink_after_refinement() -> None:
    relu = lambda t: max(t, 0.0)  # noqa: E731
    v = judge(0.0, _one_sided(relu, 0.0, 1e-3), lambda: _one_sided(relu, 0.0, 1e-3 / REFINE),
              atol=1e-10, rtol=1e-6)  # fmt: skip
    assert v.kink and v.ok  # 0 lies in [D-, D+] = [0, 1]: a subgradient
