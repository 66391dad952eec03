"""Edge cases found in review: each was a wrong answer, a crash or a silent value once."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, nn, optim


def test_a_leaf_root_gets_its_own_writable_grad():
    x = Tensor(np.array(2.0), requires_grad=True)
    y = Tensor(np.array(3.0), requires_grad=True)
    x.backward()
    x.backward()  # accumulates: d x / d x = 1, twice
    y.backward()
    assert x.grad == 2.0 and y.grad == 1.0 and x.grad is not y.grad
    x.grad *= 0  # a user's own buffer: writable


def test_grad_of_a_leaf_listed_twice_as_output_sums_both():
    x = Tensor(np.array(1.0), requires_grad=True)
    (g,) = tm.grad([x, x], [x])
    assert g.item() == 2.0


def test_jvp_with_one_tensor_passed_twice_keeps_both_tangents():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    _, jv = tm.jvp(lambda a, b: a * b, [x, x], [np.ones(2), np.zeros(2)])
    np.testing.assert_array_equal(jv, [1.0, 2.0])  # d(a b) = da b + a db = 1 * b


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.transpose(0, 5),
        lambda t: t.permute(0, 3),
        lambda t: t.softmax(axis=2),
        lambda t: t.log_softmax(axis=-3),
        lambda t: t.sum(axis=2),
    ],
)
def test_out_of_range_axes_are_refused_not_wrapped(call):
    with pytest.raises(ValueError, match=r"axis .* out of range"):
        call(Tensor(np.ones((2, 3))))


def test_integer_logits_and_non_numeric_data_are_refused():
    with pytest.raises(TypeError, match="logits must be floating point"):
        F.cross_entropy(Tensor(np.zeros((2, 3), dtype=int)), np.array([0, 1]))
    for bad in (None, "abc"):
        with pytest.raises(TypeError, match="needs numbers"):
            Tensor(bad)


def test_numerical_grad_divides_by_the_step_taken_and_refuses_ints():
    x32 = Tensor(np.array([100.0, 1.0], np.float32), requires_grad=True)
    (g,) = tm.numerical_grad(lambda x: (x * x).sum(), [x32], eps=1e-2)
    # d/dx x^2 = 2x; the realised step in float32 is exact here, round-off in f ~ 1e-5 / 1e-2
    np.testing.assert_allclose(g, [200.0, 2.0], rtol=1e-2)
    with pytest.raises(ValueError, match="vanishes"):
        tm.numerical_grad(lambda x: (x * x).sum(), [x32], eps=1e-6)
    with pytest.raises(TypeError, match="needs floats"):
        tm.numerical_grad(lambda x: (x * x).sum(), [Tensor(np.array([1, 2]))])


def test_gradcheck_on_an_intermediate_tensor_keeps_its_graph():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    x = w * 3.0
    assert tm.gradcheck(lambda t: (t * t).sum(), [x]).ok
    (x * 1.0).sum().backward()  # the graph behind x is still there
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])


def test_a_parameter_frozen_after_the_forward_gets_no_grad():
    model = nn.MLP(3, [4], 2, rng=np.random.default_rng(0), dtype=np.float64)
    loss = F.cross_entropy(model(Tensor(np.ones((2, 3)))), np.array([0, 1]))
    model[0].weight.requires_grad_(False)
    loss.backward()
    assert model[0].weight.grad is None and model[2].weight.grad is not None


def test_optimizers_take_tensor_grads_and_refuse_bad_settings():
    w = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    (w * w).sum().backward(create_graph=True)  # w.grad is a Tensor: 2 w
    optim.SGD([w], lr=0.25).step()
    np.testing.assert_array_equal(w.data, [0.5, -0.5])
    with pytest.raises(ValueError, match="eps must be > 0"):
        optim.Adam([w], eps=0.0)
    with pytest.raises(TypeError, match="nesterov must be True or False"):
        optim.SGD([w], lr=0.1, momentum=0.9, nesterov="False")
    w.grad = np.ones((1, 2))
    with pytest.raises(ValueError, match=r"parameter 0 has a grad of shape \(1, 2\)"):
        optim.SGD([w], lr=0.1).step()


def test_fortran_ordered_input_is_stored_c_contiguous():
    a = np.arange(6.0).reshape(2, 3).T
    x = Tensor(a, requires_grad=True)
    assert x.data.flags.c_contiguous
    assert tm.gradcheck(lambda t: (t * t).sum(), [x]).ok
