"""The scalar engine's elementwise math and activations beyond the op tables.

The op tables run every row with a ``scalar`` version on ``Value`` too: values and
derivatives entry by entry against the tensor engine, and the convention at each kink.
Here: domain errors named at the call, the far tails, ties and NaN in maximum/minimum,
a composite expression against the tensor engine, and Value staying slotted.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor
from tinygrad_mlp.scalar import Value

from . import strategies as st


@pytest.mark.parametrize(
    ("call", "x", "error", "match"),
    [
        (lambda v: v.sqrt(), -1.0, ValueError, r"Value.sqrt: needs x >= 0, got -1.0"),
        (lambda v: v.rsqrt(), 0.0, ValueError, r"Value.rsqrt: needs x > 0"),
        (lambda v: v.log1p(), -1.0, ValueError, r"Value.log1p: needs x > -1"),
        (lambda v: v.log2(), 0.0, ValueError, r"Value.log2: needs x > 0"),
        (lambda v: v.asin(), 1.5, ValueError, r"Value.asin: needs \|x\| <= 1"),
        (lambda v: v.acosh(), 0.5, ValueError, r"Value.acosh: needs x >= 1"),
        (lambda v: v.atanh(), 1.0, ValueError, r"Value.atanh: needs \|x\| < 1"),
        (lambda v: v.reciprocal(), 0.0, ZeroDivisionError, "1 / 0.0"),
        (lambda v: v.sinh(), 1e3, OverflowError, r"Value.sinh\(1000.0\) overflows"),
        (lambda v: v.exp2(), 2e3, OverflowError, "overflows"),
        (lambda v: v.clamp(), 0.0, TypeError, "at least one of min and max"),
        (lambda v: v.softplus(beta=-1.0), 0.0, ValueError, "beta must be positive"),
        (lambda v: v.celu(0.0), 0.0, ValueError, "alpha must not be 0"),
        (lambda v: v.hardtanh(1.0, 0.0), 0.0, ValueError, "greater than max_val"),
        (lambda v: v.gelu("fast"), 0.0, ValueError, "approximate must be"),
    ],
)  # fmt: skip
def test_outside_the_domain_is_an_error_naming_the_function(call, x, error, match):
    with pytest.raises(error, match=match):
        call(Value(x))


@pytest.mark.parametrize(
    ("name", "x", "value", "slope"),
    [
        ("sigmoid", -1e3, 0.0, 0.0),
        ("sigmoid", 1e3, 1.0, 0.0),
        ("softplus", -1e3, 0.0, 0.0),
        ("softplus", 1e3, 1e3, 1.0),
        ("logsigmoid", -1e3, -1e3, 1.0),
        ("logsigmoid", 1e3, 0.0, 0.0),
        ("silu", -1e3, 0.0, 0.0),
        ("mish", 1e3, 1e3, 1.0),
        ("gelu", -1e300, 0.0, 0.0),
        ("gelu", 1e300, 1e300, 1.0),
        ("elu", -1e3, -1.0, 0.0),
    ],
)
def test_far_tails_are_exact_and_finite(name, x, value, slope):
    v = Value(x)
    y = getattr(v, name)()
    y.backward()
    assert y.data == value  # exact: the limit is reached in float64
    assert v.grad == slope


def test_gelu_tanh_far_out_needs_no_cube():
    v = Value(-1e200)  # (1e200)^3 would overflow: the argument of tanh is clamped at 10
    y = v.gelu("tanh")
    y.backward()
    assert y.data == 0.0 and v.grad == 0.0


def test_maximum_and_minimum_split_a_tie_and_propagate_nan():
    a, b = Value(1.5), Value(1.5)
    a.maximum(b).backward()
    assert (a.grad, b.grad) == (0.5, 0.5)
    c = Value(2.0)
    y = c.minimum(3.0)  # a number: a constant
    y.backward()
    assert (y.data, c.grad) == (2.0, 1.0)
    assert math.isnan(Value(math.nan).maximum(1.0).data)
    assert math.isnan(Value(1.0).minimum(Value(math.nan)).data)


def test_value_keeps_its_slots():
    v = Value(1.0).sin()
    assert not hasattr(v, "__dict__")  # the mixins add methods, no per-instance dict


@given(seed=st.seeds)
def test_a_composite_expression_agrees_with_the_tensor_engine(seed):
    x = np.random.default_rng(seed).uniform(0.1, 1.5, size=2)
    ts = [Tensor(np.array(v), requires_grad=True) for v in x]
    vs = [Value(float(v)) for v in x]

    def f(a, b):
        return (a.sin() * b.sqrt()).softplus().maximum(b.log1p()) + a.gelu() * b.atan()

    out = f(*ts)
    grads = tm.grad(out, ts)
    y = f(*vs)
    y.backward()
    # the same formulas in a different order of operations: round-off only
    assert y.data == pytest.approx(out.item(), rel=1e-13)
    for v, g in zip(vs, grads, strict=True):
        assert v.grad == pytest.approx(g.item(), rel=1e-12, abs=1e-15)
