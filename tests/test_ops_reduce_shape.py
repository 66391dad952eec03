"""Reductions and shape ops beyond the op-table rows: exact gradients of prod at zeros (first,
second and third order), ties, torch's dim=/keepdim=, ops without a gradient (argmax, all,
any, comparisons), second order through the linear ops' backward rules, and clear errors.

Tolerances: EXACT = 1e-12 where the engine and the reference compute the same products or
sums in another order (round-off of a few ulps on values of order 1-100); FD_TOL = 1e-6 for
central differences (see tests/test_op_tables.py for that budget).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor

from . import strategies as st

EXACT = 1e-12


def _grad(fn, x):
    t = Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    (g,) = tm.grad(fn(t), [t])
    return g.numpy()


# --- prod: exact with zeros ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("x", "expected"),
    [
        ([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),  # one zero: only its slot is non-zero
        ([0.0, 2.0, 5.0], [10.0, 0.0, 0.0]),
        ([2.0, 0.0, 0.0, 3.0], [0.0, 0.0, 0.0, 0.0]),  # two zeros: every product has one
        ([0.0], [1.0]),  # the empty product
        ([-1.5, 4.0], [4.0, -1.5]),
    ],
)
def test_prod_gradient_is_exact_with_zeros(x, expected):
    np.testing.assert_array_equal(_grad(lambda t: t.prod(), x), expected)


def test_prod_gradient_with_zeros_along_an_axis_and_no_nan():
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]])
    g = _grad(lambda t: t.prod(dim=1).sum(), x)
    np.testing.assert_array_equal(g, [[6.0, 0.0, 0.0], [0.0, 0.0, 0.0], [6.0, 3.0, 2.0]])


def test_prod_second_and_third_derivatives_are_exact_at_zeros():
    # prod(a, b, c): H_ij = x_k (k the third index), 0 on the diagonal; d3/da db dc = 1
    x = np.array([0.0, 2.0, 3.0])
    h = tm.hessian(lambda t: t.prod(), Tensor(x))
    np.testing.assert_array_equal(h, [[0.0, 3.0, 2.0], [3.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    t = Tensor(np.zeros(3), requires_grad=True)
    (g,) = tm.grad(t.prod(), [t], create_graph=True)
    (h0,) = tm.grad(g[0], [t], create_graph=True)  # row 0 of the Hessian: (0, c, b) = 0
    np.testing.assert_array_equal(h0.numpy(), [0.0, 0.0, 0.0])
    (third,) = tm.grad(h0[1], [t])  # d/dc of d2/da db = 1
    np.testing.assert_array_equal(third.numpy(), [0.0, 0.0, 1.0])


@given(x=st.float_arrays(shape=st.shapes(min_dims=1, max_dims=2, max_side=4)))
def test_prod_gradient_is_the_product_of_the_others(x):
    # hypothesis draws edge values (zeros, repeated entries) itself
    g = _grad(lambda t: t.prod(dim=-1).sum(), x)
    flat = x.reshape(-1, x.shape[-1])
    want = np.array([[np.prod(np.delete(r, i)) for i in range(len(r))] for r in flat])
    np.testing.assert_allclose(g.reshape(flat.shape), want, rtol=EXACT, atol=0)


@given(seed=st.seeds)
def test_prod_forward_mode_at_zeros_matches_reverse_mode(seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (3, 4))
    x[rng.random((3, 4)) < 0.4] = 0.0
    v = rng.standard_normal((3, 4))
    _, jv = tm.jvp(lambda t: t.prod(1), [Tensor(x)], [v])
    others = np.array([[np.prod(np.delete(r, i)) for i in range(4)] for r in x])
    np.testing.assert_allclose(jv, (others * v).sum(axis=1), rtol=EXACT, atol=EXACT)


# --- min / max ties, argmax, all / any ------------------------------------------------------
@pytest.mark.parametrize("name", ["min", "max"])
def test_ties_split_the_gradient_equally_along_dim(name):
    x = np.array([[1.0, 1.0, 1.0], [2.0, -2.0, 2.0]])
    x = x if name == "max" else -x
    split = [[1 / 3, 1 / 3, 1 / 3], [0.5, 0.0, 0.5]]
    g = _grad(lambda t: getattr(t, name)(axis=1).sum(), x)
    np.testing.assert_allclose(g, split, rtol=EXACT)
    g = _grad(lambda t: getattr(t, "a" + name)(dim=1).sum(), x)  # torch's amax / amin
    np.testing.assert_allclose(g, split, rtol=EXACT)
    g = _grad(lambda t: getattr(t, name)(dim=1).values.sum(), x)  # torch's gives one index all
    np.testing.assert_allclose(g, split, rtol=EXACT)


def test_argmax_argmin_give_int64_first_index_and_no_graph():
    x = Tensor(np.array([[1.0, 3.0, 3.0], [0.0, -1.0, -1.0]]), requires_grad=True)
    am = x.argmax(dim=1)
    assert am.dtype == np.int64 and not am.requires_grad
    assert am.numpy().tolist() == [1, 0]
    assert x.argmin(1, keepdim=True).numpy().tolist() == [[0], [1]]
    assert x.argmax().item() == 1  # of the flattened tensor
    with pytest.raises(ValueError, match="empty"):
        Tensor(np.zeros((0,))).argmax()


def test_all_and_any_give_bool_tensors():
    x = Tensor(np.array([[0.0, 1.0], [2.0, 3.0]]), requires_grad=True)
    assert x.all().item() is False and x.any().item() is True
    assert x.all(dim=1).numpy().tolist() == [False, True]
    assert x.any(axis=0, keepdims=True).shape == (1, 2)
    assert not x.all().requires_grad


# --- dim= / keepdim= ------------------------------------------------------------------------
REDUCTIONS = ["sum", "mean", "max", "min", "prod", "var", "std", "logsumexp", "all", "any"]


@pytest.mark.parametrize("name", REDUCTIONS)
@given(seed=st.seeds, axis=hs.sampled_from([0, 1, -1, (0, 1), None]), keep=hs.booleans())
def test_torch_and_numpy_spellings_agree(name, seed, axis, keep):
    x = Tensor(np.random.default_rng(seed).uniform(0.5, 2.0, (3, 4)))
    a = getattr(x, name)(axis=axis, keepdims=keep)
    torch_name = "a" + name if name in ("max", "min") else name  # max(dim) gives indices too
    b = getattr(x, torch_name)(dim=axis, keepdim=keep)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    ref = {
        "std": lambda d, **k: np.std(d, ddof=1, **k),
        "var": lambda d, **k: np.var(d, ddof=1, **k),
    }
    numpy_fn = ref.get(name) or (
        (lambda d, **k: np.log(np.exp(d).sum(**k))) if name == "logsumexp" else getattr(np, name)
    )
    np.testing.assert_allclose(a.numpy(), numpy_fn(x.numpy(), axis=axis, keepdims=keep), rtol=EXACT)


@pytest.mark.parametrize("name", [*REDUCTIONS, "argmax", "argmin", "cumsum"])
def test_both_spellings_at_once_is_a_type_error(name):
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(TypeError, match="both axis"):
        getattr(x, name)(axis=0, dim=0)
    if name not in ("argmax", "argmin", "cumsum"):
        with pytest.raises(TypeError, match="keepdim"):
            getattr(x, name)(keepdims=True, keepdim=True)


def test_var_defaults_to_correction_one_and_refuses_no_degrees_of_freedom():
    x = Tensor(np.array([1.0, 2.0, 4.0]))
    assert x.var().item() == pytest.approx(np.var(x.numpy(), ddof=1), rel=EXACT)
    assert x.var(correction=0).item() == pytest.approx(np.var(x.numpy()), rel=EXACT)
    with pytest.raises(ValueError, match="degrees of freedom"):
        Tensor(np.array([1.0])).var()


def test_logsumexp_is_stable_and_handles_minus_infinity():
    x = Tensor(np.array([1000.0, 1000.0]), requires_grad=True)
    y = x.logsumexp()
    assert y.item() == pytest.approx(1000.0 + np.log(2.0), rel=EXACT)
    y.backward()
    np.testing.assert_allclose(x.grad, [0.5, 0.5], rtol=EXACT)
    assert Tensor(np.array([-np.inf, -np.inf])).logsumexp().item() == -np.inf
    assert Tensor(np.array([-np.inf, 0.0])).logsumexp().item() == 0.0


def test_cumsum_gradient_is_the_reverse_running_sum():
    g = _grad(lambda t: (t.cumsum(0) * Tensor(np.array([1.0, 2.0, 3.0]))).sum(), [5.0, 6.0, 7.0])
    np.testing.assert_array_equal(g, [6.0, 5.0, 3.0])


# --- second order through the linear ops' backward rules ------------------------------------
LINEAR = {
    "cat": lambda x: tm.cat([x, x[:1] * 2.0], dim=0),
    "stack": lambda x: tm.stack([x, x.flip(1)], dim=1),
    "split": lambda x: x.split([1, 3], dim=1)[1],
    "pad": lambda x: F.pad(x, (1, 1), value=2.0),
    "flip": lambda x: x.flip(0),
    "repeat": lambda x: x.repeat(2, 1, 2),
    "gather": lambda x: x.gather(1, np.array([[0, 0], [3, 1], [2, 2]])),
    "expand": lambda x: x[:, :1].expand(3, 3, 5),
    "cumsum": lambda x: x.cumsum(1),
    "squeeze/unsqueeze": lambda x: x.unsqueeze(0).squeeze(0).flatten(),
}


@pytest.mark.parametrize("name", LINEAR)
@given(seed=st.seeds)
def test_second_order_runs_through_the_backward_rules_of_linear_ops(name, seed):
    # f = sum c * op(x)^2 has gradient 2 op^T(c * op(x)): its second derivative differentiates
    # the op's backward rule as recorded under create_graph (a cut graph would give 0)
    rng = np.random.default_rng(seed)
    x = Tensor(rng.uniform(-2, 2, (3, 4)), requires_grad=True)
    c = rng.uniform(-1, 1, LINEAR[name](x).shape)
    assert tm.gradgradcheck(lambda t: (LINEAR[name](t) ** 2 * c).sum(), [x])


# --- dtypes and errors ----------------------------------------------------------------------
def test_cat_promotes_like_numpy_and_gives_each_input_its_own_dtype_back():
    a = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    b = Tensor(np.ones(3, dtype=np.float64), requires_grad=True)
    y = tm.cat([a, b])
    assert y.dtype == np.float64
    (y * Tensor(np.arange(5.0))).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_array_equal(b.grad, [2.0, 3.0, 4.0])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: tm.cat([x, Tensor(np.ones((3, 3)))], dim=0), ValueError, "must match"),
        (lambda x: tm.cat([]), ValueError, "non-empty"),
        (lambda x: tm.cat(x), TypeError, "sequence"),
        (lambda x: tm.stack([x, x.T]), ValueError, "shape"),
        (lambda x: x.split([1, 1]), ValueError, "add up"),
        (lambda x: x.split(0), ValueError, "positive"),
        (lambda x: x.chunk(0), ValueError, "positive"),
        (lambda x: x.repeat(2), ValueError, "at least one per dimension"),
        (lambda x: x.gather(1, np.array([[4, 0, 0]])), IndexError, "out of range"),
        (lambda x: x.gather(1, np.array([0, 1])), ValueError, "dimension"),
        (lambda x: x.gather(1, np.array([[0.0]])), TypeError, "integer"),
        (lambda x: F.pad(x, (-1, 0)), ValueError, ">= 0"),
        (lambda x: F.pad(x, (1,)), ValueError, "pairs"),
        (lambda x: F.pad(x, (1, 1), mode="reflect"), ValueError, "constant"),
        (lambda x: x.flip(), TypeError, "axes"),
        (lambda x: x.expand(5, 4), ValueError, "broadcast"),
        (lambda x: x.unflatten(1, (3, 2)), ValueError, "multiply"),
        (lambda x: x.flatten(1, 0), ValueError, "after"),
        (lambda x: x.unsqueeze(3), ValueError, "out of range"),
        (lambda x: x.sum(dim=2), ValueError, "out of range"),
        (lambda x: x.cumsum(2), ValueError, "out of range"),
    ],
)
def test_bad_arguments_raise_clear_errors_at_the_call(call, error, match):
    with pytest.raises(error, match=match):
        call(Tensor(np.ones((3, 4))))


def test_squeeze_follows_torch_and_leaves_a_dimension_that_is_not_one():
    x = Tensor(np.ones((2, 1, 3)))
    assert x.squeeze(0).shape == (2, 1, 3) and x.squeeze(1).shape == (2, 3)
    assert x.squeeze((0, 1)).shape == (2, 3)


def test_split_and_chunk_follow_torch_sizes():
    x = Tensor(np.arange(10.0))
    assert [p.shape[0] for p in x.split(4)] == [4, 4, 2]
    assert [p.shape[0] for p in x.chunk(4)] == [3, 3, 3, 1]
    assert [p.shape[0] for p in Tensor(np.arange(6.0)).chunk(4)] == [2, 2, 2]  # fewer, as torch


# --- comparisons -------------------------------------------------------------------------------
def test_equality_is_elementwise_and_tensors_stay_hashable_by_identity():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Tensor(np.array([1.0, 3.0]))
    assert (x == y).numpy().tolist() == [True, False]
    assert (x != y).numpy().tolist() == [False, True]
    assert (x == 2.0).dtype == np.bool_ and not (x == y).requires_grad
    assert (x == None) is False and (x != None) is True  # noqa: E711 (what is under test)
    assert {x: 1, y: 2}[x] == 1 and len({x, y, x}) == 2
    assert x.eq(y).numpy().tolist() == [True, False] and x.ge(y).numpy().tolist() == [True, False]


def test_predicates():
    x = Tensor(np.array([1.0, np.inf, -np.inf, np.nan, 0.0]))
    assert x.isfinite().numpy().tolist() == [True, False, False, False, True]
    assert x.isinf().numpy().tolist() == [False, True, True, False, False]
    assert x.isnan().numpy().tolist() == [False, False, False, True, False]
    assert x.logical_not().numpy().tolist() == [False, False, False, False, True]


def test_operator_aliases_match_the_operators():
    a, b = Tensor(np.array([1.0, 2.0])), Tensor(np.array([3.0, 5.0]))
    for got, want in [
        (a.add(b), a + b),
        (a.add(b, alpha=2.0), a + 2.0 * b),
        (a.sub(b), a - b),
        (a.mul(b), a * b),
        (a.div(b), a / b),
        (a.neg(), -a),
        (a.pow(2), a**2),
        (a.matmul(b), a @ b),
        (a.dot(b), a @ b),
    ]:
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    with pytest.raises(ValueError, match="1-D or 2-D"):  # numpy's dot, without its N-d case
        Tensor(np.ones((2, 2, 2))).dot(np.ones(2))
