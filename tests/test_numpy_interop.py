"""numpy functions on Tensors: on the graph exactly as the method, or a clear refusal.

Tolerances and their reasons:
- FD_TOL = 1e-6: central differences with eps = 1e-6 in float64 (truncation ~1e-12 |f'''|,
  round-off ~1e-16 |L| / 1e-6 ~ 1e-9 on these small inputs), as in tests/test_op_tables.py.
- VALUE_TOL = 1e-12: our op and numpy's function on the data are the same function written
  with other numpy calls (or the same call): a few ulps (1.1e-16 each) apart.
- A numpy name and its Tensor method build the same op from the same inputs, so their values
  and gradients are compared for exact equality.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor, numerical_grad
from tinygrad_mlp.tensor.numpy_interop import names
from tinygrad_mlp.tensor.numpy_interop import support as ns
from tinygrad_mlp.testing import assert_grads_close

from . import strategies as st

FD_TOL = 1e-6
VALUE_TOL = 1e-12

# Input ranges inside each ufunc's domain and away from its kinks (abs, sign at 0).
DOMAINS: dict[str, tuple[float, float]] = {
    "log": (0.2, 3.0),
    "log2": (0.2, 3.0),
    "log10": (0.2, 3.0),
    "log1p": (-0.5, 3.0),
    "sqrt": (0.2, 3.0),
    "reciprocal": (0.5, 2.0),
    "arcsin": (-0.9, 0.9),
    "arccos": (-0.9, 0.9),
    "arctanh": (-0.9, 0.9),
    "arccosh": (1.2, 3.0),
    "tan": (-1.2, 1.2),
    "absolute": (0.1, 2.0),
    "fabs": (0.1, 2.0),
    "sign": (0.1, 2.0),
    "divide": (0.5, 2.0),
    "power": (0.5, 2.0),
}
SIGNED = {"absolute", "fabs", "sign", "divide"}  # drawn in (lo, hi) with a random sign


def _draw(name: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    lo, hi = DOMAINS.get(name, (-2.0, 2.0))
    x = rng.uniform(lo, hi, size=shape)
    return x * rng.choice([-1.0, 1.0], size=shape) if name in SIGNED else x


def _shapes(ufunc: np.ufunc) -> tuple[tuple[int, ...], ...]:
    if ufunc is np.matmul:
        return ((3, 4), (4, 2))
    if ufunc is np.clip:
        return ((3, 4), (4,), (3, 1))
    return ((3, 4), (4,), (3, 1))[: ufunc.nin]  # other operands broadcast against the first


def _clip_inputs(rng: np.random.Generator) -> list[np.ndarray]:
    x = rng.uniform(-2, 2, size=(3, 4))
    return [x, rng.uniform(-1.5, -0.5, size=(4,)), rng.uniform(0.5, 1.5, size=(3, 1))]


def _inputs(name: str, rng: np.random.Generator) -> list[np.ndarray]:
    ufunc = getattr(np, name) if name != "clip" else np._core.umath.clip
    if name == "clip":
        return _clip_inputs(rng)
    return [_draw(name, s, rng) for s in _shapes(ufunc)]


def _loss_grads(fn: Callable[..., Any], xs: list[np.ndarray], seed: int) -> tuple[Any, list[Any]]:
    """fn on fresh leaves, and d/dx of sum(c * fn(...)) for a random c."""
    ts = [Tensor(x, requires_grad=True) for x in xs]
    out = fn(*ts)
    c = np.random.default_rng([seed, 7]).uniform(-1, 1, size=out.shape)
    return out, tm.grad((out * c).sum(), ts, allow_unused=True)


UFUNC_NAMES = sorted(names.ufunc_methods(Tensor))


def _ufunc(name: str) -> np.ufunc:
    return np._core.umath.clip if name == "clip" else getattr(np, name)


def _method_call(name: str) -> Callable[..., Any]:
    ours = names.ufunc_methods(Tensor)[name]
    return lambda first, *rest: getattr(first, ours)(*rest)


# --- the issue's example and the refusal ---------------------------------------------------
def test_issue_example_np_sin_keeps_the_gradient():
    x = Tensor(np.array([0.3, 1.2]), requires_grad=True)
    y = np.sin(x) * x
    assert isinstance(y, Tensor)
    y.sum().backward()
    exact = np.sin(x.data) + x.data * np.cos(x.data)  # d/dx x sin x
    np.testing.assert_allclose(x.grad, exact, rtol=VALUE_TOL)
    np.testing.assert_allclose(np.round(x.grad, 3), [0.582, 1.367])
    (numeric,) = numerical_grad(lambda t: (np.sin(t) * t).sum(), [x])
    assert_grads_close(x.grad, numeric, rtol=FD_TOL, atol=FD_TOL)


def test_linalg_det_on_a_tensor_that_requires_grad_raises():
    x = Tensor(np.array([[2.0, 1.0], [0.5, 3.0]]), requires_grad=True)
    with pytest.raises(TypeError, match=r"numpy\.linalg\.det") as info:
        np.linalg.det(x)
    assert "detach()" in str(info.value) and "numpy()" in str(info.value)


def test_unsupported_function_on_a_graph_node_raises():
    x = Tensor(np.eye(2), requires_grad=True)
    with pytest.raises(TypeError, match=r"linalg\.inv"):
        np.linalg.inv(x * 2.0)  # a non-leaf: the graph would be cut under it


def test_unsupported_function_on_plain_data_computes_on_the_data():
    x = Tensor(np.array([[2.0, 1.0], [0.5, 3.0]]))
    out = np.linalg.det(x)
    assert not isinstance(out, Tensor)  # numpy's own result: nothing to keep
    assert out == pytest.approx(5.5, rel=VALUE_TOL)


def test_unsupported_function_inside_no_grad_still_refuses_a_tensor_that_requires_grad():
    # one rule in every grad mode, as torch's x.numpy() refuses inside no_grad too
    x = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    with tm.no_grad(), pytest.raises(TypeError, match=r"linalg\.norm"):
        np.linalg.norm(x)
    with tm.no_grad():
        assert np.linalg.norm(x.detach()) == pytest.approx(5.0, rel=VALUE_TOL)
        y = x * 2.0  # made inside no_grad: off the graph, so it converts freely
        assert np.linalg.norm(y) == pytest.approx(10.0, rel=VALUE_TOL)


def test_unsupported_function_inside_jvp_raises_instead_of_dropping_the_tangent():
    x = Tensor(np.array([3.0, 4.0]))
    with pytest.raises(TypeError, match=r"linalg\.norm"):
        tm.jvp(lambda t: Tensor(np.linalg.norm(t)), [x], [np.ones(2)])


def test_mapped_function_inside_jvp_carries_the_tangent():
    x, v = np.array([0.3, 1.2]), np.array([1.0, -2.0])
    _, jv = tm.jvp(lambda t: np.sin(t).sum(), [Tensor(x)], [v])
    assert float(jv) == pytest.approx(float(np.cos(x) @ v), rel=VALUE_TOL)


def test_mapped_function_is_differentiable_twice():
    x = Tensor(np.array([0.3, 1.2]), requires_grad=True)
    (g,) = tm.grad(np.sin(x).sum(), [x], create_graph=True)
    (h,) = tm.grad(g.sum(), [x])
    np.testing.assert_allclose(h.numpy(), -np.sin(x.data), rtol=VALUE_TOL)


# --- every mapped ufunc: same value and gradient as the method ---------------------------
@pytest.mark.parametrize("name", UFUNC_NAMES)
@given(seed=st.seeds)
def test_ufunc_matches_its_method_and_finite_differences(name, seed):
    xs = _inputs(name, np.random.default_rng(seed))
    ufunc = _ufunc(name)
    out, grads = _loss_grads(ufunc, xs, seed)
    ref, ref_grads = _loss_grads(_method_call(name), xs, seed)
    assert isinstance(out, Tensor) and out.dtype == ref.dtype
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    np.testing.assert_allclose(out.numpy(), ufunc(*xs), rtol=VALUE_TOL, atol=VALUE_TOL)
    c = np.random.default_rng([seed, 7]).uniform(-1, 1, size=out.shape)
    leaves = [Tensor(x, requires_grad=True) for x in xs]
    numeric = numerical_grad(lambda *a: (ufunc(*a) * c).sum(), leaves)
    for g, r, num in zip(grads, ref_grads, numeric, strict=True):
        got = np.zeros_like(num) if g is None else g.numpy()
        np.testing.assert_array_equal(got, np.zeros_like(num) if r is None else r.numpy())
        assert_grads_close(got, num, rtol=FD_TOL, atol=FD_TOL)


@pytest.mark.parametrize("name", [n for n in UFUNC_NAMES if _ufunc(n).nin == 2])
def test_binary_ufunc_keeps_operand_order_with_an_array_first(name):
    rng = np.random.default_rng(3)
    a, b = _inputs(name, rng)[:2]
    t = Tensor(b, requires_grad=True)
    out = _ufunc(name)(a, t)  # numpy hands (ndarray, Tensor) over to Tensor.__array_ufunc__
    ref = _method_call(name)(Tensor(a), Tensor(b, requires_grad=True))
    assert isinstance(out, Tensor)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    np.testing.assert_allclose(out.numpy(), _ufunc(name)(a, b), rtol=VALUE_TOL)


def test_operators_with_an_array_on_the_left_give_the_right_gradient():
    a = np.array([2.0, 3.0])
    x = Tensor(np.array([0.5, 4.0]), requires_grad=True)
    cases = [
        (lambda: a - x, -np.ones(2)),
        (lambda: a / x, -a / x.data**2),
        (lambda: a**x, a**x.data * np.log(a)),
        (lambda: a @ x, a),
    ]
    for expr, expected in cases:
        out = expr()
        assert isinstance(out, Tensor)
        (g,) = tm.grad(out.sum(), [x])
        np.testing.assert_allclose(g.numpy(), expected, rtol=VALUE_TOL)


@pytest.mark.parametrize(
    ("expr", "dtype"),
    [
        (lambda t: np.float64(2) * t, np.float64),  # numpy scalars are strong (NEP 50)
        (lambda t: np.float32(2) * t, np.float32),
        (lambda t: 2.0 * t, np.float32),  # Python numbers are weak: the tensor's dtype
        (lambda t: np.multiply(2.0, t), np.float32),
        (lambda t: np.ones(2) + t, np.float64),  # a float64 array promotes
        (lambda t: np.exp(t), np.float32),
    ],
)
def test_numpy_promotion_rules_hold(expr, dtype):
    t = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    out = expr(t)
    assert isinstance(out, Tensor) and out.dtype == dtype


PROMOTION_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "a + s": lambda a, s: a + s,
    "s - a": lambda a, s: s - a,
    "a * s": lambda a, s: a * s,
    "s / a": lambda a, s: s / a,
    "a ** s": lambda a, s: a**s,
    "s ** a": lambda a, s: s**a,
    "np.power(a, s)": np.power,
    "np.power(s, a)": lambda a, s: np.power(s, a),
    "np.add(s, a)": lambda a, s: np.add(s, a),
    "np.maximum(a, s)": np.maximum,
    "np.clip(a, s, None)": lambda a, s: np.clip(a, s, None),
    "np.where(a > 1, a, s)": lambda a, s: np.where(a > 1, a, s),
}
PROMOTION_SCALARS = [2, 2.5, True, np.float16(2.5), np.float32(2.5), np.float64(2.5)]
PROMOTION_SCALARS += [np.int8(2), np.int32(2), np.int64(2), np.bool_(True)]


@pytest.mark.parametrize("op", PROMOTION_OPS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.int64])
def test_every_path_promotes_a_scalar_as_numpy_does(op, dtype):
    # one rule (NEP 50: Python numbers weak, numpy scalars strong) for operators, pow and
    # numpy's functions: the table against numpy's own result dtype on the data
    data = np.array([1.5, 2.0]).astype(dtype)
    fn = PROMOTION_OPS[op]
    for scalar in PROMOTION_SCALARS:
        expected = fn(data, scalar)
        got = fn(Tensor(data.copy()), scalar)
        why = (op, type(scalar).__name__, got.dtype, expected.dtype)
        assert isinstance(got, Tensor) and got.dtype == expected.dtype, why
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-3)  # float16's epsilon


def test_pow_by_a_numpy_scalar_casts_first_and_the_gradient_comes_back_in_the_leafs_dtype():
    x = Tensor(np.array([1.5, 2.0], dtype=np.float32), requires_grad=True)
    y = np.power(x, np.float64(2.5))  # the issue: this stayed float32
    assert y.dtype == (x.data ** np.float64(2.5)).dtype == np.float64
    (g,) = tm.grad(y.sum(), [x])
    assert g.dtype == np.float32
    exact = 2.5 * x.data.astype(np.float64) ** 1.5  # d/dx x^2.5
    np.testing.assert_allclose(g.numpy(), exact, rtol=1e-6)  # float32 rounding of the grad


# --- ufunc methods and keywords ------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "method"),
    [
        (lambda x: np.add.reduce(x), lambda x: x.sum(axis=0)),
        (lambda x: np.add.reduce(x, axis=1, keepdims=True), lambda x: x.sum(1, keepdims=True)),
        (lambda x: np.multiply.reduce(x, axis=None), lambda x: x.prod()),
        (lambda x: np.maximum.reduce(x, axis=1), lambda x: x.max(axis=1)),
        (lambda x: np.minimum.reduce(x), lambda x: x.min(axis=0)),
        (lambda x: np.add.accumulate(x, axis=1), lambda x: x.cumsum(axis=1)),
    ],
)
def test_ufunc_reduce_and_accumulate_are_the_reductions(call, method):
    x = np.random.default_rng(5).uniform(0.5, 2.0, size=(3, 4))
    out, grads = _loss_grads(call, [x], 5)
    ref, ref_grads = _loss_grads(method, [x], 5)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    np.testing.assert_array_equal(grads[0].numpy(), ref_grads[0].numpy())


def test_other_ufunc_methods_refuse_or_compute_on_plain_data():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(TypeError, match=r"numpy\.multiply\.outer"):
        np.multiply.outer(x, x)
    plain = np.multiply.outer(Tensor(np.array([1.0, 2.0])), np.array([3.0]))
    np.testing.assert_array_equal(plain, [[3.0], [6.0]])
    with pytest.raises(TypeError, match="in place"):
        np.add.at(np.zeros(2), [0], x)


@pytest.mark.parametrize("requires_grad", [True, False])
def test_out_is_refused(requires_grad):
    x = Tensor(np.array([1.0, 2.0]), requires_grad=requires_grad)
    buf = np.zeros(2)
    for call in (
        lambda: np.add(x, x, out=buf),
        lambda: np.sin(x, out=buf),
        lambda: np.add.reduce(x, out=np.zeros(())),
        lambda: np.sum(x, out=np.zeros(())),
    ):
        with pytest.raises(TypeError, match="out="):
            call()
    with pytest.raises(TypeError, match="out="):
        buf += x
    np.testing.assert_array_equal(buf, 0.0)  # nothing was written


@pytest.mark.parametrize(
    ("call", "arg"),
    [
        (lambda x: np.sin(x, where=x.numpy() > 0), "where="),
        (lambda x: np.sum(x, initial=1.0), "initial="),
        (lambda x: np.sum(x, where=np.ones(x.shape, dtype=bool)), "where="),
        (lambda x: np.reshape(x, 6, order="F"), "order="),
        (lambda x: np.add(x, x, casting="unsafe"), "casting="),
        (lambda x: np.var(x, mean=np.zeros((2, 1))), "mean="),
    ],
)
def test_keywords_without_a_counterpart_are_refused_by_name(call, arg):
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(TypeError, match=arg):
        call(x)


def test_dtype_keyword_computes_in_that_dtype():
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    for out in (np.sum(x, dtype=np.float64), np.exp(x, dtype=np.float64)):
        assert isinstance(out, Tensor) and out.dtype == np.float64
    out = np.exp(x, dtype=np.float64)
    (g,) = tm.grad(out.sum(), [x])
    assert g.dtype == np.float32  # the gradient comes back in the leaf's dtype


# --- constants, data-only functions, the ways out -------------------------------------------
def test_comparisons_predicates_and_roundings_give_constant_tensors():
    x = Tensor(np.array([-1.5, 0.5, np.inf]), requires_grad=True)
    for out, expected in [
        (np.greater(x, 0.0), [False, True, True]),
        (np.array([0.0, 0.5, 1.0]) == x, [False, True, False]),
        (np.isfinite(x), [True, True, False]),
        (np.floor(x), [-2.0, 0.0, np.inf]),
    ]:
        assert isinstance(out, Tensor) and not out.requires_grad
        np.testing.assert_array_equal(out.numpy(), expected)


def test_functions_without_a_gradient_run_on_the_data():
    x = Tensor(np.array([[3.0, 1.0, 2.0]]), requires_grad=True)
    assert np.shape(x) == (1, 3) and np.ndim(x) == 2 and np.size(x) == 3
    assert np.allclose(x, x.numpy())
    np.testing.assert_array_equal(np.argsort(x, axis=-1), [[1, 2, 0]])


def test_numpy_and_detach_are_the_explicit_ways_out():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert x.numpy() is x.data and x.detach().numpy() is x.data
    np.testing.assert_array_equal(np.asarray(x.detach()), x.data)
    np.testing.assert_array_equal(np.linalg.det(np.diag(x.detach().numpy())), 2.0)
    with pytest.raises(RuntimeError, match=r"requires grad.*detach\(\)\.numpy\(\)"):
        np.asarray(x)  # implicit: it would drop the gradient (torch refuses it too)


def test_a_list_of_tensors_beside_a_tensor_is_refused_not_flattened():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(TypeError, match="list of Tensors"):
        np.add(x, [x, x])  # numpy would turn the list into an array through __array__


def test_another_array_type_gets_its_turn():
    class Other:
        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            return "other"

    assert np.add(Tensor(np.ones(2)), Other()) == "other"


# --- the table itself ------------------------------------------------------------------------
def test_every_numpy_name_in_the_table_exists_in_numpy():
    for name in [*names.ufunc_methods(Tensor), *names.UFUNC_CONSTANT, *names.UFUNC_REDUCE]:
        assert isinstance(_ufunc(name), np.ufunc), name
    for name in [*names.FUNCTIONS, *names.NO_GRADIENT_FUNCTIONS]:
        assert callable(getattr(np, name)), name


def test_every_name_of_ours_in_the_table_exists():
    ours = [
        *names.ufunc_methods(Tensor).values(),
        *names.UFUNC_REDUCE.values(),
        *names.UFUNC_ACCUMULATE.values(),
        *(o for o, _ in names.FUNCTIONS.values()),
    ]
    missing = []
    for name in ours:
        if getattr(Tensor, name, None) is None:
            try:
                ns.function(name)
            except ns.NotMapped:
                missing.append(name)
    assert not missing, f"numpy names map to ops that do not exist: {missing}"
