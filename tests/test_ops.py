"""Every op: forward against numpy, backward against central finite differences (float64).

One table of ops, one test body per property (the minitorch layout). The backward check
projects the output onto fixed random weights c, so that a scalar L = sum(c * op(x)) is
differentiated and every output entry contributes to every input gradient.

Tolerance of the finite-difference checks, atol = rtol = 1e-6, from the error of a central
difference with eps = 1e-6: truncation eps^2 |L'''| / 6 <= 1e-12 * 4e3 (the worst third
derivative in the table is 6 / x^4 for x**-1 with |x| >= 0.2), and round-off
u |L| / eps <= 1.1e-16 * 5e2 / 1e-6 ~ 6e-8 (|L| <= 64 entries * |c| <= 1 * |op| <= 8).
Both sit well under 1e-6.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, numerical_grad
from tinygrad_mlp.testing import assert_grads_close

from . import strategies as st

FD_TOL = 1e-6  # see the module docstring


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# name -> (tensor fn, numpy fn, domain for arrays(): low, high, away_from_zero, min_dims)
UNARY: dict[str, tuple[Callable, Callable, tuple[float, float, float, int]]] = {
    "neg": (lambda x: -x, lambda x: -x, (-2, 2, 0, 0)),
    "exp": (lambda x: x.exp(), np.exp, (-2, 2, 0, 0)),
    "log": (lambda x: x.log(), np.log, (0.2, 3, 0, 0)),
    "relu": (lambda x: x.relu(), lambda x: np.maximum(x, 0), (-2, 2, 1e-3, 0)),
    "F.relu": (F.relu, lambda x: np.maximum(x, 0), (-2, 2, 1e-3, 0)),
    "tanh": (lambda x: x.tanh(), np.tanh, (-3, 3, 0, 0)),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: 1 / (1 + np.exp(-x)), (-6, 6, 0, 0)),
    "F.sigmoid": (F.sigmoid, lambda x: 1 / (1 + np.exp(-x)), (-6, 6, 0, 0)),
    "square": (lambda x: x**2, lambda x: x**2, (-2, 2, 0, 0)),
    "cube": (lambda x: x**3, lambda x: x**3, (-2, 2, 0, 0)),
    "sqrt": (lambda x: x**0.5, np.sqrt, (0.2, 3, 0, 0)),
    "reciprocal": (lambda x: x**-1, lambda x: 1 / x, (-2, 2, 0.2, 0)),
    "radd": (lambda x: 1.5 + x, lambda x: 1.5 + x, (-2, 2, 0, 0)),
    "rsub": (lambda x: 1.5 - x, lambda x: 1.5 - x, (-2, 2, 0, 0)),
    "rmul": (lambda x: 1.5 * x, lambda x: 1.5 * x, (-2, 2, 0, 0)),
    "rdiv": (lambda x: 1.5 / x, lambda x: 1.5 / x, (-2, 2, 0.2, 0)),
    "sum": (lambda x: x.sum(), np.sum, (-2, 2, 0, 0)),
    "mean": (lambda x: x.mean(), np.mean, (-2, 2, 0, 0)),
    "sum0": (lambda x: x.sum(axis=0), lambda x: x.sum(axis=0), (-2, 2, 0, 1)),
    "sum_keep": (
        lambda x: x.sum(axis=-1, keepdims=True),
        lambda x: x.sum(axis=-1, keepdims=True),
        (-2, 2, 0, 1),
    ),
    "mean_last": (lambda x: x.mean(axis=-1), lambda x: x.mean(axis=-1), (-2, 2, 0, 1)),
    "max": (lambda x: x.max(), np.max, (-2, 2, 0, 0)),
    "max_last": (lambda x: x.max(axis=-1), lambda x: x.max(axis=-1), (-2, 2, 0, 1)),
    "reshape": (lambda x: x.reshape(-1), lambda x: x.reshape(-1), (-2, 2, 0, 0)),
    "index0": (lambda x: x[0], lambda x: x[0], (-2, 2, 0, 1)),
    "index_slice": (lambda x: x[..., 1:], lambda x: x[..., 1:], (-2, 2, 0, 1)),
    # a repeated index: its gradient must add up (np.add.at), not overwrite
    "index_repeat": (lambda x: x[..., [0, 0, -1]], lambda x: x[..., [0, 0, -1]], (-2, 2, 0, 1)),
    "index_mask": (lambda x: x[x > 0], lambda x: x[x > 0], (-2, 2, 1e-3, 1)),
    "transpose": (lambda x: x.transpose(), lambda x: x.transpose(), (-2, 2, 0, 0)),
    "T": (lambda x: x.T, lambda x: x.T, (-2, 2, 0, 0)),
    "softmax": (lambda x: x.softmax(), _softmax, (-3, 3, 0, 1)),
    "F.softmax": (F.softmax, _softmax, (-3, 3, 0, 1)),
    "log_softmax": (
        lambda x: x.log_softmax(),
        lambda x: np.log(_softmax(x)),
        (-3, 3, 0, 1),
    ),
    "F.log_softmax": (F.log_softmax, lambda x: np.log(_softmax(x)), (-3, 3, 0, 1)),
}

# name -> (tensor fn, numpy fn, divisor-like second operand kept away from zero)
BINARY: dict[str, tuple[Callable, Callable, float]] = {
    "add": (lambda a, b: a + b, np.add, 0.0),
    "sub": (lambda a, b: a - b, np.subtract, 0.0),
    "mul": (lambda a, b: a * b, np.multiply, 0.0),
    "div": (lambda a, b: a / b, np.divide, 0.3),
}


def check_backward(fn: Callable, *arrays: np.ndarray, seed: int = 0) -> None:
    """Engine gradient of sum(c * fn(*xs)) against central differences, for each input."""
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*xs)
    c = np.random.default_rng(seed).uniform(-1, 1, size=out.shape)
    (out * c).sum().backward()
    numeric = numerical_grad(lambda *ts: (fn(*ts) * c).sum(), xs, eps=1e-6)
    for x, num in zip(xs, numeric, strict=True):
        assert x.grad is not None and x.grad.shape == x.shape and x.grad.dtype == x.dtype
        assert_grads_close(x.grad, num, rtol=FD_TOL, atol=FD_TOL)


@hs.composite
def unary_case(draw, name):
    low, high, away, min_dims = UNARY[name][2]
    shape = draw(st.shapes(min_dims=min_dims))
    return draw(st.arrays(shape, low, high, away_from_zero=away))


@pytest.mark.parametrize("name", UNARY)
@given(data=hs.data())
def test_unary_forward_matches_numpy(name, data):
    fn, ref, _ = UNARY[name]
    x = data.draw(unary_case(name))
    out = fn(Tensor(x))
    assert out.dtype == np.float64
    # Same numpy calls, or the same formula in another order: a few ulps at most.
    np.testing.assert_allclose(out.numpy(), ref(x), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", UNARY)
@given(data=hs.data())
def test_unary_backward_matches_finite_differences(name, data):
    x = data.draw(unary_case(name))
    check_backward(UNARY[name][0], x, seed=data.draw(st.seeds))


@pytest.mark.parametrize("name", BINARY)
@given(shapes=st.broadcastable_shapes(), seed=st.seeds)
def test_binary_forward_matches_numpy_with_broadcasting(name, shapes, seed):
    fn, ref, away = BINARY[name]
    rng = np.random.default_rng(seed)
    a = rng.uniform(-2, 2, shapes[0])
    b = rng.uniform(-2, 2, shapes[1])
    b = np.where(np.abs(b) < away, away, b)
    out = fn(Tensor(a), Tensor(b))
    np.testing.assert_array_equal(out.numpy(), ref(a, b))  # the very same numpy call
    # numpy arrays and Python numbers on either side behave as numpy does
    np.testing.assert_array_equal(fn(a, Tensor(b)).numpy(), ref(a, b))
    np.testing.assert_array_equal(fn(Tensor(a), b).numpy(), ref(a, b))


@pytest.mark.parametrize("name", BINARY)
@given(shapes=st.broadcastable_shapes(), data=hs.data())
def test_binary_backward_undoes_broadcasting(name, shapes, data):
    fn, _, away = BINARY[name]
    a = data.draw(st.arrays(shapes[0]))
    b = data.draw(st.arrays(shapes[1], away_from_zero=away))
    check_backward(fn, a, b, seed=data.draw(st.seeds))


@hs.composite
def matmul_shapes(draw):
    """Shapes for a @ b, with 1-D operands and broadcast batch axes."""
    n, k, m = draw(hs.integers(1, 4)), draw(hs.integers(1, 4)), draw(hs.integers(1, 4))
    batch = draw(st.broadcastable_shapes(max_dims=2, max_side=3))
    a_kind, b_kind = (
        draw(hs.sampled_from(["vec", "mat", "batch"])),
        draw(hs.sampled_from(["vec", "mat", "batch"])),
    )
    a = {"vec": (k,), "mat": (n, k), "batch": (*batch[0], n, k)}[a_kind]
    b = {"vec": (k,), "mat": (k, m), "batch": (*batch[1], k, m)}[b_kind]
    return a, b


@given(shapes=matmul_shapes(), data=hs.data())
def test_matmul_forward_and_backward(shapes, data):
    a = data.draw(st.arrays(shapes[0]))
    b = data.draw(st.arrays(shapes[1]))
    np.testing.assert_array_equal((Tensor(a) @ Tensor(b)).numpy(), a @ b)
    check_backward(lambda x, y: x @ y, a, b, seed=data.draw(st.seeds))


@given(data=hs.data())
def test_linear_nodes_match_their_composition(data):
    """F.linear and F.linear_relu against x @ W.T + b built from elementary ops."""
    batch, fan_in, fan_out = (data.draw(hs.integers(1, 5)) for _ in range(3))
    x = data.draw(st.arrays((batch, fan_in)))
    w = data.draw(st.arrays((fan_out, fan_in)))
    b = data.draw(st.arrays((fan_out,)))
    z = x @ w.T + b
    # same matmul and add, so equal to the last bit
    np.testing.assert_array_equal(F.linear(Tensor(x), Tensor(w), Tensor(b)).numpy(), z)
    np.testing.assert_array_equal(
        F.linear_relu(Tensor(x), Tensor(w), Tensor(b)).numpy(), np.maximum(z, 0)
    )
    check_backward(F.linear, x, w, b, seed=1)
    # keep pre-activations off the kink, so the finite differences see one side only
    if np.abs(z).min() > 1e-3:
        check_backward(F.linear_relu, x, w, b, seed=2)


@pytest.mark.parametrize("axis", [0, 1, (0, 1), None, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_take_numpy_axis_arguments(axis, keepdims):
    x = np.random.default_rng(0).uniform(-2, 2, (3, 4))
    for name in ("sum", "mean", "max"):
        out = getattr(Tensor(x), name)(axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(
            out.numpy(), getattr(np, name)(x, axis=axis, keepdims=keepdims), rtol=1e-15
        )
        check_backward(lambda t, n=name: getattr(t, n)(axis=axis, keepdims=keepdims), x)


def test_max_splits_the_gradient_equally_among_ties():
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]]), requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])
    y = Tensor(np.full(4, 7.0), requires_grad=True)
    y.max().backward()
    np.testing.assert_array_equal(y.grad, np.full(4, 0.25))


def test_relu_derivative_at_zero_is_zero():
    x = Tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])


@pytest.mark.parametrize("perm", [(1, 0, 2), (2, 0, 1), (0, 2, 1)])
def test_permutations_and_torch_style_transpose(perm):
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(Tensor(x).permute(*perm).numpy(), x.transpose(perm))
    check_backward(lambda t: t.permute(*perm), x)
    # two axes swap them, as torch.transpose(dim0, dim1)
    np.testing.assert_array_equal(Tensor(x).transpose(0, 2).numpy(), x.swapaxes(0, 2))


def test_log_softmax_is_stable_for_huge_logits():
    z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4]])
    out = F.log_softmax(Tensor(z)).numpy()
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[0], [0.0, -1e4, -2e4], rtol=1e-15)
    np.testing.assert_allclose(out[1], np.full(3, -np.log(3.0)), rtol=1e-15)
    np.testing.assert_allclose(F.softmax(Tensor(z)).numpy()[0], [1.0, 0.0, 0.0])


def test_python_numbers_are_weak_numpy_scalars_promote_as_in_numpy():
    x = Tensor(np.ones(2, dtype=np.float32))
    assert (x * 2.0).dtype == np.float32 and (x + 1).dtype == np.float32
    assert (x * np.float64(2)).dtype == (np.ones(2, np.float32) * np.float64(2)).dtype
    assert (x * np.float64(2)).dtype == np.float64


def test_fused_linear_promotes_mixed_dtypes_like_the_unfused_expression():
    x = np.ones((2, 3), dtype=np.float32)
    w = np.ones((4, 3), dtype=np.float32)
    b = np.full(4, 0.1, dtype=np.float64)
    out = F.linear(Tensor(x), Tensor(w), Tensor(b))
    assert out.dtype == (x @ w.T + b).dtype == np.float64
    np.testing.assert_array_equal(out.numpy(), x @ w.T + b)


def test_indexing_adds_up_repeated_indices_and_has_a_second_derivative():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (x[[0, 0, 2]] ** 2).sum().backward()  # d/dx of x0^2 + x0^2 + x2^2
    np.testing.assert_array_equal(x.grad, [4.0, 0.0, 6.0])
    y = Tensor(np.array([[0.5, -1.0], [2.0, 1.5]]), requires_grad=True)
    assert tm.gradgradcheck(lambda t: (t[:, [1, 1]] ** 3).sum(), [y]).ok


def test_sigmoid_is_finite_and_exact_far_out_and_tanh_has_its_second_derivative():
    with np.errstate(over="raise"):  # no exp overflow on the way, even at +-1000
        s = Tensor(np.array([-1000.0, 0.0, 1000.0])).sigmoid().numpy()
    np.testing.assert_array_equal(s, [0.0, 0.5, 1.0])
    x = Tensor(np.array([-1.2, 0.3, 2.0]), requires_grad=True)
    (g,) = tm.grad(x.tanh().sum(), [x], create_graph=True)
    (h,) = tm.grad(g.sum(), [x])
    t = np.tanh(x.data)
    # d2/dx2 tanh = -2 tanh (1 - tanh^2): a few float64 operations per entry
    np.testing.assert_allclose(h.data, -2 * t * (1 - t**2), rtol=1e-14, atol=1e-16)
