"""Each activation's derivative to full relative precision over |x| up to 100, float64 and
float32, in reverse and forward mode, against the exact derivative (mpmath, 100 digits).

The class of bug: a derivative written as a difference that cancels for large |x|, e.g.
elu's ``out + alpha`` (alpha (e^x - 1) + alpha loses every digit of e^x for x << 0: 44%
off at x = -17 in float32, 100% at x = -40 in float64).

Bound, per point: |ours - f'(x)| <= K u (|f'(x)| + |x f''(x)|) + tiny. u is the unit
round-off of the dtype; u |f'| is the rounding of the result, u |x f''| the effect of
rounding x itself (the exact derivative at a neighbour of x a few ulps away): together the
error any backward-stable evaluation makes. K = 64 covers a dozen operations of a few ulps
each (exp, log1p, erfc and tanh are accurate to ~1 ulp in numpy); a cancellation
error is off by a factor 1/|f'| times more, which K cannot hide. tiny (the smallest
normal number of the dtype) admits results that underflow into subnormals, where
relative precision is lost by the format, not by the formula.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor
from tinygrad_mlp.testing.op_tables import activations, core

from . import strategies as st

mp = pytest.importorskip("mpmath").mp
mp.dps = 100  # f(x) = -alpha + e^x at x = -100 needs 44 digits beyond the first
K = 64

_A, _S = activations._SELU_A, activations._SELU_S


def _mp_where(cond: bool, a: Any, b: Any) -> Any:
    return a if cond else b


# Row name -> the function in mpmath, written from its definition (torch's, including
# softplus's threshold: x itself where beta x > threshold).
EXACT: dict[str, Callable[[Any], Any]] = {
    "leaky_relu(0.1)": lambda x: _mp_where(x > 0, x, 0.1 * x),
    "nn.LeakyReLU()": lambda x: _mp_where(x > 0, x, 0.01 * x),
    "elu(alpha=1.5)": lambda x: _mp_where(x > 0, x, 1.5 * mp.expm1(x)),
    "F.selu": lambda x: _S * _mp_where(x > 0, x, _A * mp.expm1(x)),
    "celu(alpha=0.7)": lambda x: _mp_where(x > 0, x, 0.7 * mp.expm1(x / 0.7)),
    "gelu": lambda x: x * mp.erfc(-x / mp.sqrt(2)) / 2,
    # x (1 + tanh u) / 2 written as x sigmoid(2u): 1 + tanh u rounds to 0 even at 100 digits
    "gelu(approximate='tanh')": lambda x: (
        x / (1 + mp.exp(-2 * mp.sqrt(2 / mp.pi) * (x + 0.044715 * x**3)))
    ),
    "silu": lambda x: x / (1 + mp.exp(-x)),
    "F.mish": lambda x: x * mp.tanh(mp.log1p(mp.exp(x))),
    "softplus": lambda x: _mp_where(x > 20, x, mp.log1p(mp.exp(x))),
    "softplus(beta=2, threshold=1)": lambda x: _mp_where(2 * x > 1, x, mp.log1p(mp.exp(2 * x)) / 2),
    "softsign": lambda x: x / (1 + abs(x)),
    "hardtanh": lambda x: min(max(x, -1), 1),
    "F.hardtanh(-0.5, 1.5)": lambda x: min(max(x, -0.5), 1.5),
    "relu6": lambda x: min(max(x, 0), 6),
    "hardsigmoid": lambda x: min(max(x + 3, 0), 6) / 6,
    "hardswish": lambda x: x * min(max(x + 3, 0), 6) / 6,
    "F.logsigmoid": lambda x: -mp.log1p(mp.exp(-x)),
    "exp": mp.exp,
    "relu": lambda x: max(x, 0),
    "F.relu": lambda x: max(x, 0),
    "tanh": mp.tanh,
    "sigmoid": lambda x: 1 / (1 + mp.exp(-x)),
    "F.sigmoid": lambda x: 1 / (1 + mp.exp(-x)),
}
ROWS = {r.name: r for r in (*activations.ROWS, *core.ELEMENTWISE) if r.name in EXACT}


def test_every_elementwise_activation_has_an_exact_reference():
    elementwise = {r.name for r in activations.ROWS if "oftmin" not in r.name}
    assert elementwise <= set(EXACT), sorted(elementwise - set(EXACT))


def _points(seed: int, dtype: Any) -> np.ndarray:
    """16 points of either sign with |x| log-uniform in [1e-3, 100] (exp: up to 80)."""
    rng = np.random.default_rng(seed)
    return (rng.choice([-1.0, 1.0], 16) * 10 ** rng.uniform(-3, 2, 16)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(ROWS))
@settings(max_examples=10)  # x 16 points x ~24 rows x 2 dtypes, each an mpmath derivative
@given(seed=st.seeds)
def test_derivative_has_full_relative_precision(name, dtype, seed):
    row, f = ROWS[name], EXACT[name]
    x = _points(seed, dtype)
    if name == "exp":
        x = np.minimum(x, 80).astype(dtype)  # e^88 overflows float32; the derivative too
    xs = [mp.mpf(float(v)) for v in x]
    d1 = np.array([float(mp.diff(f, v)) for v in xs])
    d2 = np.array([float(mp.diff(f, v, 2)) for v in xs])
    u, tiny = np.finfo(dtype).eps / 2, np.finfo(dtype).tiny
    bound = K * u * (np.abs(d1) + np.abs(x.astype(np.float64) * d2)) + tiny
    t = Tensor(x, requires_grad=True)
    (rev,) = tm.grad(row.fn(t).sum(), [t])
    _, fwd = tm.jvp(row.fn, [Tensor(x)], [np.ones_like(x)])
    for mode, got in (("reverse", rev.numpy()), ("forward", fwd)):
        err = np.abs(got.astype(np.float64) - d1)
        bad = err > bound
        assert not bad.any(), (
            f"{name} {np.dtype(dtype).name} {mode}: at x = {x[bad]} got {got[bad]}, "
            f"exact {d1[bad]} (relative error {err[bad] / np.abs(d1[bad])})"
        )
