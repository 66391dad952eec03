"""Forward mode against reverse mode and finite differences: <u, J v> = <J^T u, v>."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as hs

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor

from . import strategies as st
from .test_ops import AWAY, BINARY

U = np.finfo(np.float64).eps / 2


def forward_vs_reverse(fn, arrays, seed):
    """<u, J v> by forward mode and <J^T u, v> by reverse mode, and the size of the terms."""
    rng = np.random.default_rng(seed)
    vs = [rng.uniform(-1, 1, a.shape) for a in arrays]
    out, jv = tm.jvp(fn, [Tensor(a) for a in arrays], vs)
    u = rng.uniform(-1, 1, out.shape)
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    grads = tm.grad(fn(*xs), xs, grad_outputs=u, allow_unused=True)
    pairs = [(g.data, v) for g, v in zip(grads, vs, strict=True) if g is not None]
    forward = float((u * jv).sum())
    reverse = sum(float((g * v).sum()) for g, v in pairs)
    terms = float(np.abs(u * jv).sum()) + sum(float(np.abs(g * v).sum()) for g, v in pairs)
    return forward, reverse, terms


def assert_agree(forward, reverse, terms):
    # Two sums of the same products in another order, each product from a handful of float64
    # operations: the difference is within 1e-12 of the sum of |terms| (issue 6's bar).
    assert abs(forward - reverse) <= 1e-12 * max(terms, U)


# Unary ops: every op-table row's forward mode is checked against reverse mode by
# tests/test_op_tables.py. The binary ones again here, at random broadcast shapes.


@pytest.mark.parametrize("name", BINARY)
@given(shapes=st.broadcastable_shapes(), data=hs.data())
def test_binary_ops_forward_equals_reverse(name, shapes, data):
    a = data.draw(st.arrays(shapes[0]))
    b = data.draw(st.arrays(shapes[1], away_from_zero=AWAY[name]))
    assert_agree(*forward_vs_reverse(BINARY[name].fn, [a, b], data.draw(st.seeds)))


@given(data=hs.data())
def test_matmul_linear_and_cross_entropy_forward_equals_reverse(data):
    b_, i_, o_ = (data.draw(hs.integers(1, 5)) for _ in range(3))
    x, w, b = (data.draw(st.arrays(s)) for s in [(b_, i_), (o_, i_), (o_,)])
    seed = data.draw(st.seeds)
    assert_agree(*forward_vs_reverse(lambda p, q: p @ q.T, [x, w], seed))
    assert_agree(*forward_vs_reverse(F.linear, [x, w, b], seed))
    assert_agree(*forward_vs_reverse(F.linear_relu, [x, w, b], seed))
    target = data.draw(st.targets(b_, max(o_, 2)))
    z = data.draw(st.arrays((b_, max(o_, 2)), -5, 5))
    assert_agree(*forward_vs_reverse(lambda t: F.cross_entropy(t, target), [z], seed))


@given(st.seed_networks(depth=(1, 3)), st.seeds)
def test_seed_network_forward_equals_reverse(net, seed):
    flat = net.flat_params
    assert_agree(*forward_vs_reverse(net.loss_fn(), flat, seed))


@given(st.seed_networks(max_width=5, max_batch=5), st.seeds)
def test_jvp_equals_finite_differences_away_from_kinks(net, seed):
    flat = net.flat_params
    vs = [np.random.default_rng(seed).uniform(-1, 1, p.shape) for p in flat]
    loss = net.loss_fn()
    _, jv = tm.jvp(loss, flat, vs)
    eps = 1e-6
    x = Tensor(net.x)

    def at(sign):
        h, masks = x, []
        shifted = [Tensor(p + sign * eps * v) for p, v in zip(flat, vs, strict=True)]
        pairs = list(zip(shifted[0::2], shifted[1::2], strict=True))
        for W, b in pairs[:-1]:
            h = F.linear_relu(h, W, b)
            masks.append(h.data > 0)
        return F.cross_entropy(F.linear(h, *pairs[-1]), net.target).item(), masks

    up, m_up = at(1.0)
    down, m_down = at(-1.0)
    assume(all(map(np.array_equal, m_up, m_down)))  # no finite difference converges at a kink
    # central difference: truncation eps^2 |E'''| ~ 1e-12, round-off u |E| / eps ~ 1e-10
    assert abs(float(jv) - (up - down) / (2 * eps)) <= 1e-7 + 1e-6 * abs(float(jv))


def test_jvp_of_a_constant_output_is_zero_and_errors_are_clear():
    _, jv = tm.jvp(lambda x: Tensor(np.ones(3)), [np.ones(2)], [np.ones(2)])
    assert np.array_equal(jv, np.zeros(3))
    with pytest.raises(ValueError, match=r"tangent 0 has shape \(3,\), its input has \(2,\)"):
        tm.jvp(lambda x: x.sum(), [np.ones(2)], [np.ones(3)])
