"""The scalar ``Value``: dot's one node, backward's bookkeeping, depth, no cycles, errors.

Each op's value and derivative (relu's convention at 0 included) is checked against the
tensor engine, entry by entry, by the shared op tables: the rows of
:mod:`tinygrad_mlp.testing.op_tables` with a ``scalar`` version, run by tests/test_op_tables.py.
"""

from __future__ import annotations

import gc
import math
import weakref

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from tinygrad_mlp.scalar import Value, dot, vsum


def xs(low: float = -3.0, high: float = 3.0) -> hs.SearchStrategy[float]:
    """Floats in [low, high]."""
    return hs.floats(low, high, allow_nan=False, allow_infinity=False)


def test_gradients_are_python_floats():
    a, b = Value(2.0), Value(3)
    (a * b + a.exp()).backward()
    assert type(a.grad) is float and type(b.grad) is float and type(b.data) is float


@given(hs.lists(hs.tuples(xs(), xs()), min_size=1, max_size=6), xs())
def test_dot_is_one_node_with_the_products_partials(pairs, bias):
    w = [Value(p[0]) for p in pairs]
    x = [Value(p[1]) for p in pairs]
    b = Value(bias)
    z = dot(w, x, b)
    assert z._prev == (*w, *x, b)  # one node: every parent an edge of this node
    assert z.data == pytest.approx(math.fsum([p * q for p, q in pairs]) + bias, abs=1e-12)
    z.backward()
    # d/dw_j = x_j and d/dx_j = w_j exactly (one product each, no round-off)
    assert [v.grad for v in w] == [p[1] for p in pairs]
    assert [v.grad for v in x] == [p[0] for p in pairs]
    assert b.grad == 1.0


def test_dot_and_vsum_take_numbers_as_constants():
    w = [Value(2.0), 3.0]
    z = dot(w, [Value(5.0), 7.0], 1.0)  # 2*5 + 3*7 + 1
    assert z.data == 32.0 and len(z._prev) == 2
    s = vsum([w[0], 4, w[0]])
    s.backward()
    assert (s.data, w[0].grad) == (8.0, 2.0)


def test_relu_of_nan_is_nan_not_a_silent_zero():
    a = Value(math.nan)
    out = a.relu()
    out.backward()
    assert math.isnan(out.data) and math.isnan(a.grad)


# --- backward's bookkeeping --------------------------------------------------------------


def test_shared_subexpressions_accumulate():
    a = Value(3.0)
    b = a * a  # d/da = 2a
    c = b + a * b  # a^2 + a^3: d/da = 2a + 3a^2 = 6 + 27
    c.backward()
    assert a.grad == 33.0
    assert b.grad == 1.0 + 3.0  # dc/db = 1 + a


def test_second_backward_accumulates_into_leaves_not_intermediates():
    a = Value(2.0)
    b = a * 3.0
    c = b * b  # 9 a^2: dc/da = 18 a = 36, dc/db = 2 b = 12
    c.backward()
    c.backward()
    assert a.grad == 72.0  # leaves accumulate, as parameters do in PyTorch
    assert b.grad == 12.0  # an intermediate holds the gradient of the last pass


def test_backward_of_a_leaf_accumulates_one():
    a = Value(5.0)
    a.backward()
    assert a.grad == 1.0
    assert a.is_leaf and not (a + 1).is_leaf


def test_a_long_chain_backward_is_iterative():
    # 10^5 nodes, 100 times the default recursion limit: a recursive backward fails here as
    # surely as on 10^6 nodes, in a tenth of the time
    n = 100_000
    x = Value(1.0)
    v = x
    for _ in range(n // 2):
        v = v * 1.000001  # d/dx of the chain: 1.000001^(n/2)
        v = v + 0.5
    v.backward()
    # the same product of float multiplications in the same order: equal up to n ulps
    assert x.grad == pytest.approx(1.000001 ** (n // 2), rel=1e-9)
    del v  # freeing the chain must not recurse once per node in C either


def _training_step_garbage() -> tuple[list[weakref.ref[Value]], int]:
    """A small training step, then what only the cyclic collector could free of it."""
    import numpy as np

    from tinygrad_mlp.scalar import MLP, cross_entropy

    net = MLP(3, [4, 4], 2, rng=np.random.default_rng(0))
    rows = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
    refs: list[weakref.ref[Value]] = []
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        logits = [net(r) for r in rows]
        loss = cross_entropy(logits, [0, 1])
        refs = [weakref.ref(v) for z in logits for v in z] + [weakref.ref(loss)]
        loss.backward()
        for p in net.parameters():
            p.data -= 0.1 * p.grad
        del logits, loss
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        ours = [o for o in gc.garbage if isinstance(o, Value)]
        ours += [o for o in gc.garbage if isinstance(o, tuple) and any(type(v) is Value for v in o)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()
    return refs, len(ours)


def test_a_training_step_leaves_nothing_for_the_cyclic_collector():
    refs, cyclic = _training_step_garbage()
    assert refs and all(r() is None for r in refs)  # freed by reference counting alone
    assert cyclic == 0


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: Value(0.0).log(), ValueError, r"log needs a positive number, got 0\.0"),
        (lambda: Value(-2.0).log(), ValueError, r"got -2\.0"),
        (lambda: Value(1.0) / 0.0, ZeroDivisionError, "division by zero"),
        (lambda: Value(1.0) / Value(0.0), ZeroDivisionError, "division by zero"),
        (lambda: 1.0 / Value(0.0), ZeroDivisionError, "division by zero"),
        (lambda: Value(-8.0) ** 0.5, ValueError, "not real"),
        (lambda: Value(0.0) ** -1, ValueError, "negative power of zero"),
        (lambda: Value(-1.0) ** Value(2.0), ValueError, "positive base"),
        (lambda: (-2.0) ** Value(2.0), ValueError, "positive base"),
        (lambda: Value(1000.0).exp(), OverflowError, r"exp\(1000\.0\) overflows"),
        (lambda: Value("1"), TypeError, "expected a real number, got str"),
        (lambda: Value(True), TypeError, "got bool"),
        (lambda: Value(1.0) + "a", TypeError, "got str"),
        (lambda: dot([Value(1.0)], [1.0, 2.0]), ValueError, "1 weights but 2 inputs"),
    ],
)
def test_bad_input_raises_a_clear_error(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_numpy_scalars_become_floats():
    import numpy as np

    v = Value(np.float32(0.5)) + np.int64(2)
    assert type(v.data) is float and v.data == 2.5
