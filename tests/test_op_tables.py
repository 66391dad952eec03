"""Every row of the op tables (tinygrad_mlp.testing.op_tables), through one set of checks.

The minitorch layout: the rows say what each op is; the test bodies below are written once.
For each row, in float64:

- values against the row's numpy reference;
- reverse mode against central finite differences of L = sum(c * op(x)), c random;
- forward mode against reverse mode: <c, J v> (jvp) equals <J^T c, v> (grad);
- second order (smooth rows): reverse over reverse against finite differences of the gradient;
- the derivative convention at each kink, in reverse mode, forward mode, the closed-form
  derivative ``dref`` and the scalar engine;
- the scalar engine's values and derivatives, entry by entry, where a row has a scalar version.

Tolerances and their reasons:
- VALUE_TOL = 1e-12 (relative and absolute): the reference is the same function written
  with other numpy calls; the two differ by a few ulps (1.1e-16 each) per operation.
- FD_TOL = 1e-6: central differences with eps = 1e-6 carry truncation eps^2 |L'''| / 6 (about
  1e-12 times the third derivative, at most ~1e3 on the rows' domains) and round-off
  u |L| / eps ~ 1e-16 * 1e2 / 1e-6 = 1e-8; both sit well below 1e-6.
- EXACT_TOL = 1e-12: forward against reverse, kinks and the scalar engine compute the same
  derivative by different sums: round-off only, a few ulps times the number of terms.

Sizes: every row runs every check in every run. The default run (plain ``pytest``) draws
``EXAMPLES`` input seeds per row and check (``SECOND_EXAMPLES`` for second order, the slowest:
a gradgradcheck is ~2 n backward passes); ``pytest --exhaustive`` (CI) draws the profile's
full count. Fewer seeds repeat the same check at fewer points, they check nothing less: a
wrong rule is wrong at almost every point.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor, numerical_grad
from tinygrad_mlp.scalar import Value
from tinygrad_mlp.testing import assert_grads_close
from tinygrad_mlp.testing.op_tables import ALL_ROWS, OpRow

from . import strategies as st

VALUE_TOL = 1e-12
FD_TOL = 1e-6
EXACT_TOL = 1e-12

EXHAUSTIVE = os.environ.get("TINYGRAD_EXHAUSTIVE", "") not in ("", "0")  # tests/conftest.py
EXAMPLES, SECOND_EXAMPLES = 8, 3


def _examples(n: int):
    """n examples per row in the default run; the profile's count under --exhaustive."""
    return (lambda f: f) if EXHAUSTIVE else settings(max_examples=n)


ROWS = {row.name: row for row in ALL_ROWS}
SMOOTH = [name for name, row in ROWS.items() if row.smooth]
KINKED = [(name, i) for name, row in ROWS.items() for i in range(len(row.kinks))]
SCALAR = [name for name, row in ROWS.items() if row.scalar is not None]
DREF = [name for name, row in ROWS.items() if row.dref is not None]


def _weights(row: OpRow, xs: tuple[np.ndarray, ...], seed: int) -> np.ndarray:
    out = np.asarray(row.fn(*[Tensor(x) for x in xs]).data)
    return np.random.default_rng([seed, 1]).uniform(-1, 1, size=out.shape)


def test_row_names_are_unique():
    assert len(ROWS) == len(ALL_ROWS)


@pytest.mark.parametrize("name", ROWS)
@_examples(EXAMPLES)
@given(seed=st.seeds)
def test_values_match_the_reference(name, seed):
    row = ROWS[name]
    xs = row.inputs(np.random.default_rng(seed))
    out = row.fn(*[Tensor(x) for x in xs])
    expected = np.asarray(row.ref(*xs))
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=VALUE_TOL, atol=VALUE_TOL)


@pytest.mark.parametrize("name", ROWS)
@_examples(EXAMPLES)
@given(seed=st.seeds)
def test_reverse_mode_matches_finite_differences(name, seed):
    row = ROWS[name]
    xs = row.inputs(np.random.default_rng(seed))
    c = _weights(row, xs, seed)
    ts = [Tensor(x, requires_grad=True) for x in xs]
    grads = tm.grad((row.fn(*ts) * c).sum(), ts, allow_unused=True)
    numeric = numerical_grad(lambda *a: (row.fn(*a) * c).sum(), ts, eps=1e-6)
    for g, num in zip(grads, numeric, strict=True):
        got = np.zeros_like(num) if g is None else g.numpy()
        assert_grads_close(got, num, rtol=FD_TOL, atol=FD_TOL)


@pytest.mark.parametrize("name", ROWS)
@_examples(EXAMPLES)
@given(seed=st.seeds)
def test_forward_mode_matches_reverse_mode(name, seed):
    row = ROWS[name]
    rng = np.random.default_rng(seed)
    xs = row.inputs(rng)
    vs = [rng.standard_normal(x.shape) for x in xs]
    c = _weights(row, xs, seed)
    _, jv = tm.jvp(row.fn, [Tensor(x) for x in xs], vs)
    ts = [Tensor(x, requires_grad=True) for x in xs]
    grads = tm.grad((row.fn(*ts) * c).sum(), ts, allow_unused=True)
    reverse = sum(
        float(np.vdot(g.numpy(), v)) for g, v in zip(grads, vs, strict=True) if g is not None
    )
    forward = float(np.vdot(c, jv))
    scale = 1.0 + sum(float(np.abs(g.numpy()).sum()) for g in grads if g is not None)
    assert abs(forward - reverse) <= EXACT_TOL * scale * 10  # sums of ~10^2 terms


@pytest.mark.parametrize("name", SMOOTH)
@_examples(SECOND_EXAMPLES)
@given(seed=st.seeds)
def test_second_order_matches_finite_differences_of_the_gradient(name, seed):
    row = ROWS[name]
    rng = np.random.default_rng(seed)
    xs = row.inputs(rng)
    c = _weights(row, xs, seed)
    ts = [Tensor(x, requires_grad=True) for x in xs]
    assert tm.gradgradcheck(lambda *a: (row.fn(*a) * c).sum(), ts)


def _at_kink(row: OpRow, k: int) -> tuple[np.ndarray, ...]:
    """Every argument filled with the kink's value, in one shape (no broadcasting sums)."""
    shape = row.shapes[0]
    return tuple(np.full(shape, v, dtype=np.float64) for v in row.kinks[k].at)


@pytest.mark.parametrize(("name", "k"), KINKED)
def test_kink_convention_in_reverse_forward_closed_form_and_scalar(name, k):
    row = ROWS[name]
    kink = row.kinks[k]
    xs = _at_kink(row, k)
    ts = [Tensor(x, requires_grad=True) for x in xs]
    grads = tm.grad(row.fn(*ts).sum(), ts, allow_unused=True)
    for i, want in enumerate(kink.grad):
        got = 0.0 if grads[i] is None else grads[i].numpy()
        np.testing.assert_allclose(got, want, atol=EXACT_TOL, err_msg=f"reverse, arg {i}")
        tangents = [np.ones_like(x) if j == i else np.zeros_like(x) for j, x in enumerate(xs)]
        _, jv = tm.jvp(row.fn, [Tensor(x) for x in xs], tangents)
        np.testing.assert_allclose(jv, want, atol=EXACT_TOL, err_msg=f"forward, arg {i}")
        if row.dref is not None:
            dref = np.asarray(row.dref(*xs)[i])
            np.testing.assert_allclose(dref, want, atol=EXACT_TOL, err_msg=f"dref, arg {i}")
    if row.scalar is not None:
        vals = [Value(float(v)) for v in kink.at]
        row.scalar(*vals).backward()
        got_scalar = [v.grad for v in vals]
        np.testing.assert_allclose(got_scalar, kink.grad, atol=EXACT_TOL, err_msg="scalar")


@pytest.mark.parametrize("name", DREF)
@_examples(EXAMPLES)
@given(seed=st.seeds)
def test_closed_form_derivative_matches_reverse_mode(name, seed):
    row = ROWS[name]
    xs = row.inputs(np.random.default_rng(seed))
    ts = [Tensor(x, requires_grad=True) for x in xs]
    grads = tm.grad(row.fn(*ts).sum(), ts, allow_unused=True)
    assert row.dref is not None
    for g, d, x in zip(grads, row.dref(*xs), xs, strict=True):
        d = np.broadcast_to(np.asarray(d), np.broadcast_shapes(*(y.shape for y in xs)))
        d = tm.engine.unbroadcast(np.array(d), x.shape)  # the partials of every copy, summed
        np.testing.assert_allclose(
            np.zeros_like(x) if g is None else g.numpy(), d, rtol=EXACT_TOL, atol=EXACT_TOL
        )


@pytest.mark.parametrize("name", SCALAR)
@_examples(EXAMPLES)
@given(seed=st.seeds)
def test_scalar_engine_matches_the_tensor_engine(name, seed):
    row = ROWS[name]
    xs = np.broadcast_arrays(*row.inputs(np.random.default_rng(seed)))
    ts = [Tensor(np.array(x), requires_grad=True) for x in xs]
    out = row.fn(*ts)
    grads = tm.grad(out.sum(), ts, allow_unused=True)
    assert row.scalar is not None
    for idx in np.ndindex(out.shape):
        vals = [Value(float(x[idx])) for x in xs]
        y = row.scalar(*vals)
        assert y.data == pytest.approx(float(out.data[idx]), rel=EXACT_TOL, abs=EXACT_TOL)
        y.backward()
        for v, g in zip(vals, grads, strict=True):
            want = 0.0 if g is None else float(g.data[idx])
            assert v.grad == pytest.approx(want, rel=EXACT_TOL, abs=EXACT_TOL)
