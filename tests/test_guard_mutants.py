"""Guards at the edges that realistic slips break silently (scripts/mutants.py, issue 17).

Each test pins one guard a wrong version of which survived the rest of the suite: lerp exact
at both ends, where's unselected branch under an infinite upstream gradient, the last (short)
piece of split and chunk, numpy's ``dtype=`` and unsorted axes through numpy interop, the
epoch in the shuffling seed, double backward through a Tensor ``grad_outputs`` and BCE's
forward mode at p = 0 and 1. Values are compared exactly where the guard promises exactness,
and otherwise against the closed form.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor
from tinygrad_mlp.train import epoch_rng

# start + w (end - start) rounds: at w = 1 it is not end for these (0.1 + (0.7 - 0.1) = 0.7000...1)
_START = np.array([0.1, 1e-3, -3.3, 1e17])
_END = np.array([0.7, 1.0 / 3.0, 0.1, 1.0])


def test_lerp_is_exact_at_both_ends():
    assert not np.array_equal(_START + 1.0 * (_END - _START), _END)  # the naive form is not
    assert not np.array_equal(_END - (_END - _START) * 1.0, _START)
    at_end = Tensor(_START).lerp(Tensor(_END), 1.0).numpy()
    at_start = Tensor(_START).lerp(Tensor(_END), 0.0).numpy()
    np.testing.assert_array_equal(at_end, _END)
    np.testing.assert_array_equal(at_start, _START)


def test_where_sends_no_nan_from_an_infinite_gradient_into_the_other_branch():
    a = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([4.0, 5.0, -6.0]), requires_grad=True)
    y = tm.functional.where(a > 0, a, b)
    g = np.array([np.inf, 1.0, 2.0])  # inf upstream where a is selected
    ga, gb = tm.grad(y, [a, b], grad_outputs=g)
    # b is unselected at entry 0: its gradient there is 0, not 0 * inf = nan
    np.testing.assert_array_equal(gb.numpy(), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(ga.numpy(), [np.inf, 0.0, 2.0])


@pytest.mark.parametrize(("n", "size"), [(5, 2), (7, 3), (4, 4), (1, 3)])
def test_the_last_piece_of_split_is_the_remainder_and_gets_its_gradient(n, size):
    x = Tensor(np.arange(n * 2, dtype=np.float64).reshape(n, 2), requires_grad=True)
    pieces = x.split(size)
    rest = n - size * ((n - 1) // size)
    assert [p.shape[0] for p in pieces] == [size] * ((n - 1) // size) + [rest]
    np.testing.assert_array_equal(pieces[-1].numpy(), x.numpy()[n - rest:])
    (pieces[-1] * 3.0).sum().backward()
    want = np.zeros((n, 2))
    want[n - rest:] = 3.0
    np.testing.assert_array_equal(x.grad, want)


def test_the_last_chunk_is_the_short_one():
    x = Tensor(np.arange(10.0).reshape(2, 5), requires_grad=True)
    last = x.chunk(2, dim=1)[-1]  # pieces of ceil(5 / 2) = 3 and 2 (torch's)
    assert last.shape == (2, 2)
    last.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0, 0, 1, 1], [0, 0, 0, 1, 1]])


def test_numpy_reductions_and_cumsum_honour_dtype():
    x = Tensor(np.array([1.0, 2.0 ** -30, 3.0]))
    for fn in (np.sum, np.mean, np.cumsum, np.prod):
        out = fn(x, dtype=np.float32)
        assert out.dtype == np.float32, fn.__name__
        np.testing.assert_array_equal(out.numpy(), fn(x.numpy(), dtype=np.float32))


def test_numpy_expand_dims_and_moveaxis_take_unsorted_axes():
    a = np.arange(6.0).reshape(2, 3)
    x = Tensor(a)
    for axes in ((2, 0), (-1, 0), (3, 1)):
        assert np.expand_dims(x, axes).shape == np.expand_dims(a, axes).shape, axes
    b = np.arange(24.0).reshape(2, 3, 4)
    # destinations not increasing: ((0, 1), (1, 0)) inserted in the given order gives (1, 2, 0)
    for src, dst in (((0, 1), (1, 0)), ((0, 1, 2), (2, 1, 0)), ((2, 0), (0, 2))):
        got = np.moveaxis(Tensor(b), src, dst)
        np.testing.assert_array_equal(got.numpy(), np.moveaxis(b, src, dst))


def test_each_epoch_is_shuffled_differently_and_reproducibly():
    first = [epoch_rng(7, e).permutation(50) for e in (1, 2, 3)]
    again = [epoch_rng(7, e).permutation(50) for e in (1, 2, 3)]
    for p, q in zip(first, again, strict=True):
        np.testing.assert_array_equal(p, q)  # a pure function of (seed, epoch)
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(first[1], first[2])
    assert not np.array_equal(epoch_rng(7, 1).permutation(50), epoch_rng(8, 1).permutation(50))


def test_double_backward_through_a_tensor_grad_outputs_reaches_it():
    # g = J^T v = 2 x v for y = x^2; d(sum g)/dv = 2 x: v must stay in the graph (torch too)
    x = Tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    v = Tensor(np.array([1.0, 2.0, -1.0]), requires_grad=True)
    (g,) = tm.grad(x**2, [x], grad_outputs=v, create_graph=True)
    np.testing.assert_array_equal(g.numpy(), 2 * x.numpy() * v.numpy())
    gx, gv = tm.grad(g.sum(), [x, v])
    np.testing.assert_array_equal(gv.numpy(), 2 * x.numpy())
    np.testing.assert_array_equal(gx.numpy(), 2 * v.numpy())


def test_bce_forward_mode_is_finite_and_equals_reverse_mode_at_p_0_and_1():
    p = np.array([0.0, 1.0, 0.3, 1.0])
    y = np.array([0.2, 0.7, 0.5, 1.0])
    tp, ty = np.array([1.0, -1.0, 0.5, 2.0]), np.array([0.3, 0.2, -1.0, 0.0])

    def bce(a, b):
        return tm.functional.binary_cross_entropy(a, b, reduction="none")

    _, jv = tm.jvp(bce, [Tensor(p), Tensor(y)], [tp, ty])
    pt, yt = Tensor(p, requires_grad=True), Tensor(y, requires_grad=True)
    gp, gy = tm.grad(bce(pt, yt).sum(), [pt, yt])
    assert np.all(np.isfinite(jv))  # the floors (1e-12 and log >= -100) keep both finite
    np.testing.assert_allclose(jv, gp.numpy() * tp + gy.numpy() * ty, rtol=1e-15, atol=0)


@pytest.mark.parametrize("with_zero", [False, True])
def test_forward_over_reverse_through_prod_is_the_hessian_vector_product(with_zero):
    from tinygrad_mlp.checks.vjp_map import vjp_map

    x = np.array([[0.5, -1.5, 2.0, 0.7], [1.1, 0.4, 0.3, -2.0]])
    if with_zero:
        x[1, 1] = 0.0  # the exclusive products stay exact at a zero
    v = np.array([[1.0, 2.0, -1.0, 0.5], [0.3, -0.2, 1.0, 2.0]])
    w = np.array([1.0, -2.0])

    def f(t):
        return (t.prod(dim=1) * Tensor(w)).sum()

    _, fwd = tm.jvp(vjp_map(f, np.array(1.0)), [Tensor(x)], [v])  # J(grad) v, forward mode
    (rev,) = tm.hvp(f, [x], [v])  # reverse over reverse
    # closed form: H[r, k, l] = w_r prod_{j not in {k, l}} x_rj for k != l, 0 on the diagonal
    want = np.zeros_like(x)
    for r in range(2):
        for k in range(4):
            want[r, k] = sum(w[r] * np.prod(np.delete(x[r], [k, m])) * v[r, m]
                             for m in range(4) if m != k)
    np.testing.assert_allclose(np.asarray(fwd).reshape(x.shape), want, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(rev, want, rtol=1e-14, atol=1e-14)
