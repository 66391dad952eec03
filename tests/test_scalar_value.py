"""The scalar ``Value``: each op's derivative, backward's bookkeeping, depth, no cycles, errors."""

from __future__ import annotations

import gc
import math
import weakref
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from tinygrad_mlp.scalar import Value, dot, vsum

# Central differences with h = 1e-6 on functions of size <= e^3: round-off u |f| / h ~ 1e-9
# and truncation h^2 |f'''| / 6 ~ 1e-11, against derivatives of size ~1, so 1e-6 relative
# plus 1e-7 absolute (for derivatives near zero) has a margin of ~100.
H = 1e-6
FD_RTOL, FD_ATOL = 1e-6, 1e-7


def central(f: Callable[[float], float], x: float) -> float:
    return (f(x + H) - f(x - H)) / (2 * H)


def xs(low: float = -3.0, high: float = 3.0, margin: float = 0.0) -> hs.SearchStrategy[float]:
    """Floats in [low, high] with |x| >= margin (keeps a kink or a pole beyond h)."""
    s = hs.floats(low, high, allow_nan=False, allow_infinity=False)
    return s.filter(lambda v: abs(v) >= margin) if margin else s


# (name, op on a Value, the same op on floats, where x may lie), minitorch style
UNARY: list[tuple[str, Callable[[Value], Value], Callable[[float], float], hs.SearchStrategy]] = [
    ("neg", lambda v: -v, lambda x: -x, xs()),
    ("exp", lambda v: v.exp(), math.exp, xs()),
    ("log", lambda v: v.log(), math.log, xs(0.1, 5.0)),
    ("relu", lambda v: v.relu(), lambda x: max(x, 0.0), xs(margin=1e-3)),
    ("tanh", lambda v: v.tanh(), math.tanh, xs()),
    ("square", lambda v: v**2, lambda x: x**2, xs()),
    ("cube", lambda v: v**3, lambda x: x**3, xs()),
    ("inverse", lambda v: v**-1, lambda x: x**-1, xs(margin=0.2)),
    ("sqrt", lambda v: v**0.5, lambda x: x**0.5, xs(0.1, 5.0)),
    ("add const", lambda v: v + 2.5, lambda x: x + 2.5, xs()),
    ("const add", lambda v: 2.5 + v, lambda x: 2.5 + x, xs()),
    ("sub const", lambda v: v - 1.5, lambda x: x - 1.5, xs()),
    ("const sub", lambda v: 1.5 - v, lambda x: 1.5 - x, xs()),
    ("mul const", lambda v: v * -3.0, lambda x: x * -3.0, xs()),
    ("const mul", lambda v: -3.0 * v, lambda x: -3.0 * x, xs()),
    ("div const", lambda v: v / 4.0, lambda x: x / 4.0, xs()),
    ("const div", lambda v: 2.0 / v, lambda x: 2.0 / x, xs(margin=0.2)),
    ("const pow", lambda v: 2.0**v, lambda x: 2.0**x, xs()),
    ("int const", lambda v: 3 * v + 1, lambda x: 3 * x + 1, xs()),
]

BINARY: list[
    tuple[str, Callable[[Value, Value], Value], Callable[[float, float], float], tuple]
] = [
    ("add", lambda a, b: a + b, lambda a, b: a + b, (xs(), xs())),
    ("sub", lambda a, b: a - b, lambda a, b: a - b, (xs(), xs())),
    ("mul", lambda a, b: a * b, lambda a, b: a * b, (xs(), xs())),
    ("div", lambda a, b: a / b, lambda a, b: a / b, (xs(), xs(margin=0.2))),
    ("pow", lambda a, b: a**b, lambda a, b: a**b, (xs(0.1, 3.0), xs())),
]


@pytest.mark.parametrize(("name", "op", "ref", "domain"), UNARY, ids=[u[0] for u in UNARY])
@given(data=hs.data())
def test_unary_op_value_and_derivative(name, op, ref, domain, data):
    x = data.draw(domain)
    a = Value(x)
    out = op(a)
    assert out.data == pytest.approx(ref(x), rel=1e-15, abs=1e-300)  # the same float math
    out.backward()
    assert type(a.grad) is float
    assert a.grad == pytest.approx(central(ref, x), rel=FD_RTOL, abs=FD_ATOL)


@pytest.mark.parametrize(("name", "op", "ref", "domains"), BINARY, ids=[b[0] for b in BINARY])
@given(data=hs.data())
def test_binary_op_value_and_partials(name, op, ref, domains, data):
    x, y = data.draw(domains[0]), data.draw(domains[1])
    a, b = Value(x), Value(y)
    out = op(a, b)
    assert out.data == pytest.approx(ref(x, y), rel=1e-15)
    out.backward()
    assert a.grad == pytest.approx(central(lambda t: ref(t, y), x), rel=FD_RTOL, abs=FD_ATOL)
    assert b.grad == pytest.approx(central(lambda t: ref(x, t), y), rel=FD_RTOL, abs=FD_ATOL)


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


def test_relu_at_zero_has_derivative_zero_like_the_closed_form():
    a = Value(0.0)
    a.relu().backward()
    assert a.grad == 0.0


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


def test_a_million_node_chain_backward_is_iterative():
    n = 1_000_000
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
