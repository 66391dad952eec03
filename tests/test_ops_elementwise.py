"""Elementwise math and activations beyond what the op tables check.

The op tables (tests/test_op_tables.py) check values, gradients (finite differences, forward
against reverse, second order) and the convention at every kink. Here: dtypes (float32
stays float32, numpy's promotion, int ** int stays int), erf against the C library, the far
tails (softplus, gelu, silu, ... at |x| up to 1e300: finite values, exact gradients, no
NaN, no overflow warning), second derivatives where a naive rule would form 0 * inf, and
clear errors for bad arguments.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, nn

from . import strategies as st

UNARY = [
    "abs", "sign", "sqrt", "rsqrt", "square", "reciprocal", "exp2", "log2", "log10", "log1p",
    "expm1", "erf", "erfc", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh",
    "asinh", "atanh",
]  # fmt: skip
ACTIVATIONS = [
    "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "softplus", "softsign",
    "hardtanh", "relu6", "hardsigmoid", "hardswish", "logsigmoid", "softmin",
]  # fmt: skip


def _no_warnings():
    """Any numpy RuntimeWarning (overflow, invalid) fails the test: the tails are exact."""
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("error")
    return ctx


# --- dtypes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", UNARY + ACTIVATIONS + ["acosh"])
def test_float32_stays_float32_in_the_value_and_the_gradient(name):
    data = np.array([0.25, 0.5, 0.75], dtype=np.float32) + (1.5 if name == "acosh" else 0.0)
    x = Tensor(data, requires_grad=True)
    y = getattr(x, name)()
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    _, jv = tm.jvp(lambda x: getattr(x, name)(), [Tensor(data)], [np.ones(3, np.float32)])
    assert jv.dtype == np.float32


def test_integer_inputs_promote_as_numpy_does_except_reciprocal_as_torch():
    i = Tensor(np.array([1, 2, 4]))
    assert i.sqrt().dtype == np.float64  # numpy: sqrt of int64 is float64
    assert i.abs().dtype == np.int64 and i.square().dtype == np.int64
    assert i.sign().dtype == np.int64
    np.testing.assert_array_equal(i.square().numpy(), [1, 4, 16])
    r = i.reciprocal()  # torch: a true division (numpy's integer reciprocal gives 0)
    assert r.dtype == np.float64
    np.testing.assert_array_equal(r.numpy(), [1.0, 0.5, 0.25])
    assert i.clamp(0, 3).dtype == np.int64
    np.testing.assert_array_equal(i.clamp(0, 3).numpy(), [1, 2, 3])


def test_binary_ops_promote_as_numpy_does():
    x32 = Tensor(np.ones(2, np.float32))
    x64 = Tensor(np.ones(2, np.float64))
    assert x32.maximum(x64).dtype == np.float64
    assert x32.maximum(0.5).dtype == np.float32  # a Python number is weak (NEP 50)
    assert x32.minimum(np.float64(0.5)).dtype == np.float64  # a numpy scalar is not
    assert F.where(x32 > 0, x32, 0.0).dtype == np.float32
    assert x32.lerp(x32, 0.25).dtype == np.float32
    assert x32.clamp(Tensor(np.zeros(2, np.float32)), 0.5).dtype == np.float32
    assert (x32 ** Tensor(np.full(2, 2.0, np.float32))).dtype == np.float32
    assert (2.0**x32).dtype == np.float32


def test_int_power_int_keeps_the_int_dtype():
    i = Tensor(np.array([2, 3, -4]))
    for y in (i**2, i ** np.int64(2), F.pow(i, 2)):
        assert y.dtype == np.int64
        np.testing.assert_array_equal(y.numpy(), [4, 9, 16])
    y = i ** Tensor(np.array([3, 2, 1]))
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), [8, 9, -4])
    y = 2 ** Tensor(np.array([0, 10]))
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), [1, 1024])
    assert (abs(i) ** 0.5).dtype == np.float64  # int ** float is float64, as numpy
    assert (Tensor(np.ones(2, np.float32)) ** 2).dtype == np.float32


@pytest.mark.parametrize("make", [lambda i: i**-1, lambda i: i ** Tensor(np.array([2, -1]))])
def test_negative_int_powers_of_ints_are_refused_clearly(make):
    with pytest.raises(ValueError, match="integers to negative integer powers"):
        make(Tensor(np.array([2, 3])))


# --- erf -------------------------------------------------------------------------------------


def test_erf_matches_the_c_library_everywhere_including_the_tails():
    x = np.concatenate(
        [np.linspace(-6, 6, 241), [0.0, -0.0, 1e-300, -1e-20, 30.0, -30.0, np.inf, -np.inf]]
    )
    for fn, ref in ((F.erf, math.erf), (F.erfc, math.erfc)):
        got = fn(Tensor(x)).numpy()
        want = np.array([ref(v) for v in x])
        np.testing.assert_array_equal(got, want)  # the same function, entry by entry
    assert math.isnan(F.erf(Tensor(np.array([np.nan]))).item())


@given(seed=st.seeds)
def test_erf_gradient_is_the_gaussian_density(seed):
    x = np.random.default_rng(seed).uniform(-4, 4, size=20)
    t = Tensor(x, requires_grad=True)
    t.erf().sum().backward()
    # the closed form, in float64: only the last-bit rounding of exp differs
    np.testing.assert_allclose(t.grad, 2 / np.sqrt(np.pi) * np.exp(-x * x), rtol=1e-15)


# --- the tails: no overflow, no NaN, exact limits ----------------------------------------------

FAR = np.array([-1e300, -1e6, -1000.0, -60.0, 60.0, 1000.0, 1e6, 1e300])


# (name, fn, value far left, far right, slope far left, far right); None: the value is x
TAILS = [
    ("softplus", F.softplus, 0.0, None, 0.0, 1.0),
    ("softplus beta=3 no switch", lambda x: F.softplus(x, 3.0, 1e9), 0.0, None, 0.0, 1.0),
    ("gelu", F.gelu, 0.0, None, 0.0, 1.0),
    ("gelu tanh", lambda x: F.gelu(x, approximate="tanh"), 0.0, None, 0.0, 1.0),
    ("silu", F.silu, 0.0, None, 0.0, 1.0),
    ("mish", F.mish, 0.0, None, 0.0, 1.0),
    ("logsigmoid", F.logsigmoid, None, 0.0, 1.0, 0.0),
    ("elu", F.elu, -1.0, None, 0.0, 1.0),
    ("celu 0.5", lambda x: F.celu(x, 0.5), -0.5, None, 0.0, 1.0),
]


@pytest.mark.parametrize(("name", "fn", "left", "right", "dleft", "dright"), TAILS)
def test_activations_reach_their_limits_far_out_without_overflow(
    name, fn, left, right, dleft, dright
):
    x = Tensor(FAR.copy(), requires_grad=True)
    ctx = _no_warnings()
    try:
        y = fn(x)
        y.sum().backward()
    finally:
        ctx.__exit__(None, None, None)
    far = np.abs(FAR) >= 1000  # the limits hold to float64 round-off there
    want = np.where(FAR < 0, FAR if left is None else left, FAR if right is None else right)
    np.testing.assert_allclose(y.numpy()[far], want[far], rtol=1e-15, atol=0)
    np.testing.assert_array_equal(x.grad[far], np.where(FAR < 0, dleft, dright)[far])
    assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(x.grad))


@pytest.mark.parametrize("fn", [F.erf, F.erfc])
def test_erf_gradient_far_out_is_zero_without_overflow(fn):
    x = Tensor(FAR.copy(), requires_grad=True)
    ctx = _no_warnings()
    try:
        (g,) = tm.grad(fn(x).sum(), [x], create_graph=True)
        (h,) = tm.grad(g.sum(), [x])
    finally:
        ctx.__exit__(None, None, None)
    np.testing.assert_array_equal(g.numpy(), np.zeros_like(FAR))  # e^{-x^2} underflows to 0
    np.testing.assert_array_equal(h.numpy(), np.zeros_like(FAR))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_second_derivative_is_finite_far_out(approximate):
    # the tanh form clamps x inside tanh's argument: x^3 never overflows, no 0 * inf
    x = Tensor(FAR.copy(), requires_grad=True)
    (g,) = tm.grad(F.gelu(x, approximate=approximate).sum(), [x], create_graph=True)
    (h,) = tm.grad(g.sum(), [x])
    np.testing.assert_array_equal(h.numpy(), np.zeros_like(FAR))


def test_float32_tails_stay_finite():
    x = Tensor(np.array([-3e38, -100.0, 100.0, 3e38], np.float32), requires_grad=True)
    ctx = _no_warnings()
    try:
        for fn in (F.softplus, F.gelu, lambda t: F.gelu(t, "tanh"), F.silu, F.mish, F.logsigmoid):
            y = fn(x)
            (g,) = tm.grad(y.sum(), [x])
            assert y.dtype == np.float32 and np.all(np.isfinite(y.numpy()))
            assert np.all(np.isfinite(g.numpy()))
    finally:
        ctx.__exit__(None, None, None)


# --- kinks a naive rule would get wrong --------------------------------------------------------


def test_clamp_passes_the_gradient_at_its_bounds_hardtanh_does_not():
    x = Tensor(np.array([-1.0, 0.0, 1.0]), requires_grad=True)
    (g_clamp,) = tm.grad(x.clamp(-1.0, 1.0).sum(), [x])
    (g_hard,) = tm.grad(x.hardtanh(-1.0, 1.0).sum(), [x])
    np.testing.assert_array_equal(g_clamp.numpy(), [1.0, 1.0, 1.0])  # torch's clamp_backward
    np.testing.assert_array_equal(g_hard.numpy(), [0.0, 1.0, 0.0])  # torch's hardtanh_backward


def test_tensor_power_at_a_zero_base_has_no_nan_to_second_order():
    a = Tensor(np.array([0.0, 0.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([0.0, 3.0, 0.0]), requires_grad=True)
    ga, gb = tm.grad((a**b).sum(), [a, b], create_graph=True)
    np.testing.assert_array_equal(ga.numpy(), [0.0, 0.0, 0.0])  # b = 0, or 3 a^2 at 0
    np.testing.assert_array_equal(gb.numpy(), [0.0, 0.0, np.log(2.0)])  # a^b log a, 0 at a = 0
    haa, hab = tm.grad(ga.sum(), [a, b])
    assert np.all(np.isfinite(haa.numpy())) and np.all(np.isfinite(hab.numpy()))
    np.testing.assert_array_equal(haa.numpy(), [0.0, 0.0, 0.0])  # 6a at 0; b(b-1)a^(b-2) at b=0


def test_where_keeps_an_infinite_gradient_out_of_the_unselected_branch():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    y = F.where(Tensor(np.array([True, False])), a, b)
    y.backward(np.array([np.inf, 1.0]))  # selected in a only: b's entry 0 gets 0, not NaN
    np.testing.assert_array_equal(b.grad, [0.0, 1.0])
    np.testing.assert_array_equal(a.grad, [np.inf, 0.0])


def test_maximum_split_at_ties_with_broadcasting_sums_the_halves():
    a = Tensor(np.array([[1.0, 2.0], [1.0, 0.0]]), requires_grad=True)
    b = Tensor(np.array([1.0, 2.0]), requires_grad=True)  # tied in 3 of 4 entries
    a.maximum(b).sum().backward()
    np.testing.assert_array_equal(a.grad, [[0.5, 0.5], [0.5, 0.0]])
    np.testing.assert_array_equal(b.grad, [1.0, 1.5])


def test_builtin_abs_and_the_nn_modules_apply_the_same_ops():
    x = Tensor(np.array([-1.5, 0.5]))
    np.testing.assert_array_equal(abs(x).numpy(), [1.5, 0.5])
    np.testing.assert_array_equal(nn.Softplus(2.0, 5.0)(x).numpy(), F.softplus(x, 2.0, 5.0).numpy())
    np.testing.assert_array_equal(nn.Hardtanh(-1, 0)(x).numpy(), [-1.0, 0.0])
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"


# --- clear errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: F.where(x, x, x), TypeError, "condition must be a bool tensor"),
        (lambda x: F.where(x > 0, 1.0, 2.0), TypeError, "x or other must be a Tensor"),
        (lambda x: x.clamp(), TypeError, "at least one of min and max"),
        (lambda x: x.clamp(min=None, max=None), TypeError, "at least one of min and max"),
        (lambda x: x.hardtanh(1.0, -1.0), ValueError, "min_val 1.0 is greater than max_val -1.0"),
        (lambda x: nn.Hardtanh(1.0, -1.0), ValueError, "greater than max_val"),
        (lambda x: x.softplus(beta=0.0), ValueError, "beta must be positive"),
        (lambda x: x.gelu(approximate="erf"), ValueError, 'approximate must be "none" or "tanh"'),
        (lambda x: nn.GELU("fast"), ValueError, "approximate must be"),
        (lambda x: x.celu(0.0), ValueError, "alpha must not be 0"),
        (lambda x: x.maximum(Tensor(np.ones(4))), ValueError, r"maximum: shapes \(3,\) and \(4,\)"),
        (lambda x: x.lerp(np.ones(4), 0.5), ValueError, "lerp: shapes"),
        (lambda x: x ** Tensor(np.ones(4)), ValueError, r"pow: shapes \(3,\) and \(4,\)"),
        (lambda x: x.clamp(Tensor(np.ones(2)), None), ValueError, "clamp: shapes"),
        (lambda x: F.sqrt(x.numpy()), TypeError, "sqrt: expected a Tensor, got ndarray"),
        (lambda x: F.pow(2.0, 3.0), TypeError, "x or exponent must be a Tensor"),
    ],
)  # fmt: skip
def test_bad_arguments_raise_clear_errors_at_the_call(call, error, match):
    with pytest.raises(error, match=match):
        call(Tensor(np.array([0.5, 1.0, 1.5]), requires_grad=True))
