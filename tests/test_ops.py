"""What the shared op tables (tests/test_op_tables.py) do not cover, for the first ops.

The table's rows have one fixed shape each; here shapes are drawn: broadcasting of the binary
ops, matmul with 1-D operands and broadcast batch axes, the fused linear nodes against their
composition, reductions over every kind of axis argument. Then conventions and properties a
row cannot state: ties of max in reverse *and* forward mode, dtype promotion, stability far
out, and the third derivative through indexing (x[idx]'s gradient is a scatter-add, whose
own backward must stay on the graph under create_graph).

The backward check projects the output onto fixed random weights c, so that a scalar
L = sum(c * op(x)) is differentiated and every output entry contributes to every input
gradient. Its tolerance, atol = rtol = 1e-6, comes from the error of a central difference
with eps = 1e-6: truncation eps^2 |L'''| / 6 <= 1e-12 * 4e3 (the worst third derivative here
is that of a / b with |b| >= 0.3) and round-off u |L| / eps <= 1.1e-16 * 5e2 / 1e-6 ~ 6e-8
(|L| <= 64 entries * |c| <= 1 * |op| <= 8). Both sit well under 1e-6.
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
from tinygrad_mlp.testing.op_tables import ALL_ROWS

from . import strategies as st

FD_TOL = 1e-6  # see the module docstring
ROWS = {row.name: row for row in ALL_ROWS}

# The elementwise binary rows of the shared op table, here drawn at random broadcast shapes
# (the table's rows have one fixed pair of shapes each); the divisor kept this far from 0.
BINARY = {name: ROWS[name] for name in ("add", "sub", "mul", "div")}
AWAY = {"add": 0.0, "sub": 0.0, "mul": 0.0, "div": 0.3}


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


@pytest.mark.parametrize("name", BINARY)
@given(shapes=st.broadcastable_shapes(), seed=st.seeds)
def test_binary_forward_matches_numpy_with_broadcasting(name, shapes, seed):
    fn, ref, away = BINARY[name].fn, BINARY[name].ref, AWAY[name]
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
    fn, away = BINARY[name].fn, AWAY[name]
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


def test_max_tangent_is_the_mean_over_tied_maxima_as_reverse_mode_splits():
    """Forward mode takes the same subgradient at a tie: the mean of the tied tangents.

    A tangent rule that sums them instead agrees with reverse mode wherever the maximum is
    unique, so only a tie can tell: <u, J v> must equal <J^T u, v> there too.
    """
    x = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]])
    v = np.array([[1.0, 2.0, 4.0], [8.0, 16.0, 32.0]])
    _, jv = tm.jvp(lambda t: t.max(axis=1), [Tensor(x)], [v])
    np.testing.assert_array_equal(jv, [(2.0 + 4.0) / 2, (8.0 + 32.0) / 2])  # exact in binary
    _, jv_all = tm.jvp(lambda t: t.max(), [Tensor(np.full(4, 7.0))], [np.array([1.0, 2, 3, 6])])
    np.testing.assert_array_equal(jv_all, 3.0)


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


def test_indexing_has_its_third_derivative_through_the_scatter_add():
    """x[idx]'s gradient is a scatter-add; differentiating that again needs its backward
    (indexing) recorded on the graph, or every derivative past the second is wrong.

    L = sum(x[[0, 0, 2]] ** 3) = 2 x0^3 + x2^3, g1 = dL/dx = (6 x0^2, 0, 3 x2^2),
    s = sum(g1^2) = 36 x0^4 + 9 x2^4, ds/dx = (144 x0^3, 0, 36 x2^3), and
    d/dx sum(ds/dx) = (432 x0^2, 0, 108 x2^2).
    """
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (g1,) = tm.grad((x[[0, 0, 2]] ** 3).sum(), [x], create_graph=True)
    (g2,) = tm.grad((g1**2).sum(), [x], create_graph=True)
    (g3,) = tm.grad(g2.sum(), [x])
    # small integers and products of them: every step is exact in float64
    np.testing.assert_array_equal(g2.numpy(), [144.0, 0.0, 36.0 * 27.0])
    np.testing.assert_array_equal(g3.numpy(), [432.0, 0.0, 108.0 * 9.0])


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


def test_add_hands_each_leaf_its_own_gradient_array():
    """Add's rule returns the incoming gradient for both operands: the engine must not give
    that one array to two leaves, or accumulating into one changes the other."""
    x = Tensor(np.zeros(3), requires_grad=True)
    y = Tensor(np.zeros(3), requires_grad=True)
    c = np.array([1.0, 2.0, 3.0])
    for _ in range(2):
        ((x + y) * c).sum().backward()
    assert x.grad is not y.grad
    np.testing.assert_array_equal(x.grad, 2 * c)  # exact: sums of small integers
    np.testing.assert_array_equal(y.grad, 2 * c)


CE_TARGETS = {
    "labels": np.array([0, 2, 1]),
    "probabilities": np.array([[0.2, 0.3, 0.1, 0.4], [0.0, 1.0, 0.0, 0.0], [0.5, 0.0, 0.5, 0.0]]),
    "unnormalised": np.array([[0.4, 0.6, 0.2, 0.8], [0.0, 3.0, 0.0, 0.0], [0.5, 0.0, 0.5, 0.2]]),
}


@pytest.mark.parametrize("kind", CE_TARGETS)
def test_cross_entropy_gradient_node_is_differentiable_in_the_logits_and_the_incoming_g(kind):
    """The fused cross-entropy's gradient is a node of its own (CrossEntropyGrad(z, g)).

    - CE(z)**2 has dE/dz = 2 CE(z) dCE/dz: the incoming g depends on z, so its second
      derivative needs d/dg of the node, with the factor sum(t) of unnormalised targets;
    - sum((dCE/dz)**2) has second derivatives that are CE's third: the node's own backward
      must record the softmax it uses, not take the saved one as a constant.
    """
    t = CE_TARGETS[kind]
    z = Tensor(np.random.default_rng(5).uniform(-2, 2, (3, 4)), requires_grad=True)

    def squared(v: Tensor) -> Tensor:
        return F.cross_entropy(v, t) ** 2

    def gradient_norm(v: Tensor) -> Tensor:
        (g,) = tm.grad(F.cross_entropy(v, t), [v], create_graph=True)
        return (g * g).sum()

    assert tm.gradgradcheck(squared, [z])
    assert tm.gradgradcheck(gradient_norm, [z])
