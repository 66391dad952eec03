"""The graph itself: accumulation, depth, grad mode, freeing, detach, and what .grad looks like.

Expected gradients are derived by hand from the expression under test (written next to each
case) and evaluated with numpy. Values are checked in float64; float32 appears only where the
dtype of a gradient is the point of the test.
"""

from __future__ import annotations

import gc
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from tinygrad_mlp import Tensor, enable_grad, is_grad_enabled, nn, no_grad
from tinygrad_mlp import functional as F
from tinygrad_mlp.engine.graph import toposort

# A float64 gradient computed by a handful of roundings (at most ~10 elementwise ops per entry
# here) is within ~10 * 1.1e-16 of the exact value; 1e-12 leaves a wide margin yet would
# catch any wrong rule, which is off by O(1).
RTOL64 = 1e-12


def leaf(shape: tuple[int, ...], seed: int = 0, dtype: type = np.float64) -> Tensor:
    """A leaf of standard normal entries that requires grad."""
    data = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return Tensor(data, requires_grad=True)


def small_net(seed: int = 0) -> tuple[nn.MLP, Tensor, np.ndarray]:
    """A float64 seed network with nonzero biases, an input batch and labels."""
    rng = np.random.default_rng(seed)
    model = nn.MLP(5, [4, 3], 3, rng=rng, dtype=np.float64)
    for p in model.parameters():
        p.data += 0.1 * rng.standard_normal(p.shape)
    x = Tensor(rng.standard_normal((6, 5)))
    y = rng.integers(0, 3, 6)
    return model, x, y


@contextmanager
def gc_disabled() -> Iterator[None]:
    """Turn the cycle collector off, so only reference counting can free anything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- a value used more than once -------------------------------------------------------


def _two_branches(x: Tensor) -> Tensor:
    y = x * 2  # y feeds two branches below
    return y * 3 + y.exp()


REUSE: dict[str, tuple[Callable[[Tensor], Tensor], Callable[[np.ndarray], np.ndarray]]] = {
    # d/dx x*x = 2x
    "x*x": (lambda x: x * x, lambda x: 2 * x),
    # d/dx (x + x) = 2
    "x+x": (lambda x: x + x, lambda x: np.full_like(x, 2.0)),
    # d/dx (x - x) = 0: both uses must be accumulated, with opposite signs
    "x-x": (lambda x: x - x, lambda x: np.zeros_like(x)),
    # d/dx x*x*x = 3x^2
    "x*x*x": (lambda x: x * x * x, lambda x: 3 * x**2),
    # y = 2x; d/dx (3y + e^y) = 2 * (3 + e^{2x})
    "y=2x in two branches": (_two_branches, lambda x: 2 * (3 + np.exp(2 * x))),
}


@pytest.mark.parametrize("name", list(REUSE))
def test_a_value_used_twice_accumulates_both_uses(name: str) -> None:
    fn, expected = REUSE[name]
    x = leaf((2, 3))
    fn(x).sum().backward()
    np.testing.assert_allclose(x.grad, expected(x.data), rtol=RTOL64, atol=RTOL64)


def test_gradients_accumulate_in_place_across_backward_calls() -> None:
    x = leaf((4,))
    (x * x).sum().backward()  # d/dx = 2x
    first = x.grad
    assert first is not None
    (x * 3.0).sum().backward()  # d/dx = 3, added to what is there
    np.testing.assert_allclose(x.grad, 2 * x.data + 3, rtol=RTOL64)
    assert x.grad is first  # accumulated with +=, not replaced by a new array


# --- depth -------------------------------------------------------------------------------

DEPTH = 100_000


def test_backward_through_a_100k_op_chain() -> None:
    assert DEPTH > 50 * sys.getrecursionlimit()  # a recursive sort could not do this
    x = leaf((3,))
    y = x
    for i in range(DEPTH):
        # even steps add x (another use of the leaf), odd steps multiply by 1.0:
        # y = (DEPTH / 2 + 1) x, so dy/dx = DEPTH / 2 + 1
        y = y + x if i % 2 == 0 else y * 1.0
    y.sum().backward()
    # Exact: every partial sum is an integer below 2**53 and * 1.0 is exact in float64.
    np.testing.assert_array_equal(x.grad, np.full(3, DEPTH // 2 + 1, dtype=np.float64))


def test_dropping_a_deep_chain_without_backward_does_not_crash() -> None:
    x = leaf((3,))
    y = x
    for _ in range(DEPTH):
        y = y * 1.0
    ref = weakref.ref(y)
    del y  # deallocating 100k nested nodes must not overflow the C stack
    assert ref() is None
    assert x.grad is None


# --- grad mode -----------------------------------------------------------------------------


def _assert_not_recorded(t: Tensor) -> None:
    assert t.requires_grad is False
    assert t._ctx is None


def test_no_grad_context_manager_builds_nothing() -> None:
    model, x, _ = small_net()
    w = leaf((5,))
    with no_grad():
        assert is_grad_enabled() is False
        out = model(x)
        y = (w * 2).exp().sum()
    assert is_grad_enabled() is True
    _assert_not_recorded(out)
    _assert_not_recorded(y)


def test_no_grad_decorator_builds_nothing() -> None:
    @no_grad()
    def f(t: Tensor) -> tuple[Tensor, bool]:
        return (t * t).sum(), is_grad_enabled()

    w = leaf((5,))
    out, enabled_inside = f(w)
    assert enabled_inside is False
    assert is_grad_enabled() is True  # restored when the call returns
    _assert_not_recorded(out)
    assert f.__name__ == "f"  # functools.wraps


def test_enable_grad_inside_no_grad_records_again() -> None:
    x = leaf((3,))

    @enable_grad()
    def doubled(t: Tensor) -> Tensor:
        return t * 2

    with no_grad():
        with enable_grad():
            y = x * 3
        assert is_grad_enabled() is False  # back to the enclosing no_grad
        z = doubled(x)
        assert is_grad_enabled() is False
    assert y._ctx is not None and z._ctx is not None
    (y + z).sum().backward()  # d/dx (3x + 2x) = 5
    np.testing.assert_array_equal(x.grad, np.full(3, 5.0))


def test_grad_mode_is_restored_after_an_exception() -> None:
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            1 / 0  # noqa: B018
    assert is_grad_enabled() is True


def test_no_grad_in_another_thread_does_not_change_this_thread() -> None:
    entered, leave = threading.Event(), threading.Event()

    def evaluate_elsewhere() -> None:
        with no_grad():
            entered.set()
            leave.wait(timeout=10)  # timeout only guards against a hung test

    worker = threading.Thread(target=evaluate_elsewhere)
    worker.start()
    try:
        assert entered.wait(timeout=10)
        x = leaf((3,))
        y = x * 2  # this thread never asked for no_grad
    finally:
        leave.set()
        worker.join()
    assert y.requires_grad and y._ctx is not None


# --- backward twice -------------------------------------------------------------------------


def test_second_backward_without_retain_graph_raises_and_changes_nothing() -> None:
    model, x, y = small_net()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    grads = [p.grad.copy() for p in model.parameters()]
    with pytest.raises(RuntimeError, match=r"already been freed.*retain_graph=True"):
        loss.backward()
    for p, g in zip(model.parameters(), grads, strict=True):
        np.testing.assert_array_equal(p.grad, g)  # the failed call added nothing


def test_backward_through_a_shared_node_freed_by_another_backward_raises() -> None:
    x = leaf((3,))
    y = x * 2
    y.sum().backward()  # frees the node that made y
    with pytest.raises(RuntimeError, match=r"freed.*retain_graph"):
        (y * 3).sum().backward()


def test_retain_graph_twice_doubles_the_gradients() -> None:
    model, x, y = small_net()
    loss = F.cross_entropy(model(x), y)
    loss.backward(retain_graph=True)
    once = [p.grad.copy() for p in model.parameters()]
    loss.backward(retain_graph=True)
    for p, g in zip(model.parameters(), once, strict=True):
        # The second pass repeats the same arithmetic, so g + g = 2g up to rounding of the sum.
        np.testing.assert_allclose(p.grad, 2 * g, rtol=RTOL64, atol=0)


# --- nothing of the graph outlives backward ----------------------------------------------


def test_intermediates_of_an_expression_are_freed_by_backward() -> None:
    with gc_disabled():  # so a reference cycle could not be hidden by a collection
        x = leaf((4,))
        a = x * 2
        b = a.exp()
        c = (b * a).sum()
        refs = [weakref.ref(o) for o in (a, b, a._ctx, b._ctx)]
        del a, b
        assert all(r() is not None for r in refs)  # the graph of c holds them
        c.backward()
        assert [r() for r in refs] == [None] * len(refs)
        assert c._ctx is not None and c._ctx.released
        # d/dx (e^{2x} * 2x) = 2 e^{2x} (1 + 2x)
        np.testing.assert_allclose(x.grad, 2 * np.exp(2 * x.data) * (1 + 2 * x.data), rtol=RTOL64)


def _graph_refs(loss: Tensor) -> list[weakref.ref]:
    """Weak references to every intermediate tensor of loss's graph and to their ops."""
    nodes = [n for n in toposort(loss) if n is not loss]  # the test keeps the loss itself
    return [weakref.ref(n) for n in nodes] + [weakref.ref(n._ctx) for n in nodes]


def test_intermediates_of_an_mlp_forward_are_freed_by_backward() -> None:
    model, x, y = small_net()
    with gc_disabled():
        loss = F.cross_entropy(model(x), y)
        refs = _graph_refs(loss)
        assert len(refs) == 2 * 3  # three layer nodes below the loss, each with its op
        assert all(r() is not None for r in refs)
        loss.backward()
        assert [r() for r in refs] == [None] * len(refs)


def test_retain_graph_keeps_the_graph_until_the_loss_is_dropped() -> None:
    model, x, y = small_net()
    with gc_disabled():
        loss = F.cross_entropy(model(x), y)
        refs = _graph_refs(loss)
        loss.backward(retain_graph=True)
        assert all(r() is not None for r in refs)
        del loss
        assert [r() for r in refs] == [None] * len(refs)


def _tinygrad_objects() -> list[object]:
    """Every object the collector tracks whose class is defined in tinygrad_mlp."""
    return [
        o
        for o in gc.get_objects()
        if str(getattr(type(o), "__module__", "")).startswith("tinygrad_mlp")
    ]


def test_a_training_step_leaves_nothing_for_the_cycle_collector() -> None:
    """With the collector off, anything of tinygrad_mlp that a step leaves behind can only be
    held by a reference cycle (reference counting frees everything else), and stays listed by
    gc.get_objects(). A census of tinygrad_mlp objects before and after the step therefore
    finds exactly what gc.collect() would have had to free. This is more robust than asserting
    gc.collect() == 0, which other libraries' cyclic garbage could break.
    """
    model, x, y = small_net()

    def step() -> None:
        loss = F.cross_entropy(model(x), y)
        live = {id(o) for o in _tinygrad_objects()}
        assert id(loss) in live and id(loss._ctx) in live  # the census does see graph nodes
        loss.backward()

    gc.collect()
    with gc_disabled():
        before = _tinygrad_objects()  # kept alive here, so no id can be reused
        known = {id(o) for o in before}
        step()
        leftovers = [o for o in _tinygrad_objects() if id(o) not in known]
        del before
    assert leftovers == []


# --- detach ------------------------------------------------------------------------------------


def test_detach_shares_data_and_is_a_leaf() -> None:
    x = leaf((3,))
    h = x * 3
    d = h.detach()
    assert d.requires_grad is False and d._ctx is None and d.is_leaf
    assert np.shares_memory(d.data, h.data)


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        # x * detach(x): only the first factor carries gradient, so d/dx = x (not 2x)
        (lambda x: x * x.detach(), lambda x: x),
        # detach(3x) * x: the constant 3x is the whole derivative, 3x (not 6x)
        (lambda x: (x * 3).detach() * x, lambda x: 3 * x),
        # nothing but the detached path: x + detach(x)^2 has derivative 1
        (lambda x: x + x.detach() ** 2, lambda x: np.ones_like(x)),
    ],
)
def test_detach_cuts_the_gradient(fn: Callable, expected: Callable) -> None:
    x = leaf((2, 3))
    fn(x).sum().backward()
    np.testing.assert_allclose(x.grad, expected(x.data), rtol=RTOL64)


def test_requires_grad_cannot_be_turned_off_on_a_non_leaf() -> None:
    h = leaf((3,)) * 2
    with pytest.raises(RuntimeError, match="only be turned off on a leaf; use detach"):
        h.requires_grad_(False)


# --- what .grad looks like ---------------------------------------------------------------


def _expected_broadcast_grad(leaf_shape: tuple[int, ...], w: np.ndarray) -> np.ndarray:
    """d/dleaf sum(w * broadcast(leaf)): each leaf entry collects w over all of its copies.

    Computed by tagging every leaf entry with its index, broadcasting the tags and summing w
    per tag (np.bincount), independently of how the engine reduces axes.
    """
    size = int(np.prod(leaf_shape, dtype=int))
    tags = np.broadcast_to(np.arange(size).reshape(leaf_shape), w.shape)
    return np.bincount(tags.ravel(), weights=w.ravel(), minlength=size).reshape(leaf_shape)


BROADCASTS = [
    ((3,), (4, 3)),  # a bias added to a batch
    ((1, 3), (4, 3)),
    ((4, 1), (4, 3)),
    ((), (4, 3)),
    ((2, 1, 3), (4, 3)),  # the other operand is the one broadcast on axis 0
    ((1, 4, 1), (2, 4, 3)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("leaf_shape", "other_shape"), BROADCASTS)
def test_leaf_grad_has_the_leaf_shape_and_dtype(
    leaf_shape: tuple[int, ...], other_shape: tuple[int, ...], dtype: type
) -> None:
    b = leaf(leaf_shape, seed=1, dtype=dtype)
    x = Tensor(np.random.default_rng(2).standard_normal(other_shape).astype(dtype))
    s = b + x
    w = np.random.default_rng(3).standard_normal(s.shape).astype(dtype)
    (s * Tensor(w)).sum().backward()
    assert b.grad is not None
    assert isinstance(b.grad, np.ndarray)
    assert b.grad.shape == leaf_shape
    assert b.grad.dtype == dtype
    # float32: sums of at most 8 float32 terms, each rounding at 6e-8 relative; 1e-5
    # absolute bounds that for |w| < ~6. float64: see RTOL64.
    tol = 1e-5 if dtype == np.float32 else RTOL64
    np.testing.assert_allclose(
        b.grad, _expected_broadcast_grad(leaf_shape, w.astype(np.float64)), rtol=tol, atol=tol
    )


def test_float32_leaf_in_a_float64_computation_gets_a_float32_grad() -> None:
    b = leaf((3,), dtype=np.float32)
    x = Tensor(np.ones((4, 3), dtype=np.float64))
    out = b + x
    assert out.dtype == np.float64  # numpy promotion
    out.sum().backward()
    assert b.grad.dtype == np.float32 and b.grad.shape == (3,)
    np.testing.assert_array_equal(b.grad, np.full(3, 4.0, dtype=np.float32))  # 4 rows, exact


SCALAR_OPS: dict[str, tuple[Callable[[Tensor], Tensor], Callable[[np.ndarray], np.ndarray]]] = {
    # each: expression with a Python float, and its derivative evaluated in float32
    "x * 0.1": (lambda x: x * 0.1, lambda x: np.full_like(x, np.float32(0.1))),
    "0.1 * x": (lambda x: 0.1 * x, lambda x: np.full_like(x, np.float32(0.1))),
    "x / 3.0": (lambda x: x / 3.0, lambda x: np.full_like(x, np.float32(1) / np.float32(3))),
    "x + 1.5": (lambda x: x + 1.5, lambda x: np.ones_like(x)),
    "2.0 - x": (lambda x: 2.0 - x, lambda x: -np.ones_like(x)),
    "x ** 2.0": (lambda x: x**2.0, lambda x: 2 * x),
    "mean": (lambda x: x.mean(), lambda x: np.full_like(x, np.float32(1) / x.size)),
}


@pytest.mark.parametrize("name", list(SCALAR_OPS))
def test_python_float_operands_keep_float32_values_and_grads(name: str) -> None:
    fn, expected = SCALAR_OPS[name]
    x = leaf((2, 3), dtype=np.float32)
    out = fn(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32
    # float32 arithmetic: a couple of roundings at 6e-8 relative each.
    np.testing.assert_allclose(x.grad, expected(x.data), rtol=1e-6)


@pytest.mark.parametrize(
    "make_root",
    [
        lambda x: x * x,  # dy/dx v = 2 x v
        lambda x: (x * x).reshape(3, 2),  # same, the gradient reaches x through a reshape
    ],
)
def test_backward_with_an_explicit_gradient_for_a_non_scalar_output(make_root: Callable) -> None:
    x = leaf((2, 3))
    root = make_root(x)
    v = np.random.default_rng(5).standard_normal(root.shape)
    root.backward(v)
    np.testing.assert_allclose(x.grad, 2 * x.data * v.reshape(2, 3), rtol=RTOL64)
    seen = x.grad.copy()
    v[...] = 0  # the caller's array is not kept: mutating it later changes nothing
    np.testing.assert_array_equal(x.grad, seen)


@pytest.mark.parametrize("as_tensor", [False, True])
def test_explicit_gradient_on_a_leaf_is_copied_and_cast(as_tensor: bool) -> None:
    x = leaf((2, 3), dtype=np.float32)
    v = np.random.default_rng(6).standard_normal((2, 3))  # float64
    x.backward(Tensor(v) if as_tensor else v)
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, v.astype(np.float32))  # a cast, nothing else
    v[...] = 0
    assert not np.shares_memory(x.grad, v)
    assert np.any(x.grad != 0)


def test_leaves_that_do_not_require_grad_keep_grad_none() -> None:
    x = leaf((3,))
    c = Tensor(np.array([1.0, -2.0, 0.5]))
    k = Tensor(np.array([1, 2, 3]))  # integer
    (x * c + x * k + c * k).sum().backward()
    assert c.grad is None and k.grad is None
    np.testing.assert_allclose(x.grad, c.data + k.data, rtol=RTOL64)  # d/dx = c + k


# --- what cannot require grad ------------------------------------------------------------------

COMPARISONS = {
    ">": lambda x: x > 0,
    "<": lambda x: x < 0,
    ">=": lambda x: x >= 0,
    "<=": lambda x: x <= 0,
    "> tensor": lambda x: x > x * 0.5,
}


@pytest.mark.parametrize("name", list(COMPARISONS))
def test_comparisons_are_constants_that_cannot_require_grad(name: str) -> None:
    x = leaf((2, 3))
    mask = COMPARISONS[name](x)
    assert mask.dtype == np.bool_
    _assert_not_recorded(mask)
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        mask.requires_grad_()


def test_a_comparison_mask_carries_no_gradient() -> None:
    x = leaf((2, 3))
    (x * (x > 0)).sum().backward()  # the mask is a constant: d/dx = 1[x > 0]
    np.testing.assert_array_equal(x.grad, (x.data > 0).astype(np.float64))


@pytest.mark.parametrize("data", [[1, 2, 3], np.arange(3, dtype=np.int32), np.array([True, False])])
def test_integer_and_bool_tensors_cannot_require_grad(data: object) -> None:
    with pytest.raises(TypeError, match=r"only floating-point.*got dtype (int|bool)"):
        Tensor(data, requires_grad=True)


# --- regressions found in review ------------------------------------------------------------


def test_a_loss_used_twice_accumulates_through_a_0d_sum() -> None:
    # Two 0-d contributions add up to a numpy scalar; the engine must keep it an array.
    z = leaf((3, 4))
    labels = np.array([0, 1, 3])
    loss = F.cross_entropy(z, labels)
    (loss + loss).backward()
    a = np.exp(z.data) / np.exp(z.data).sum(axis=1, keepdims=True)
    expected = 2 * (a - np.eye(4)[labels]) / 3  # twice eq. 3, mean over B = 3
    np.testing.assert_allclose(z.grad, expected, rtol=RTOL64, atol=1e-16)


def test_bare_no_grad_decorator() -> None:
    @no_grad
    def double(t: Tensor) -> Tensor:
        return t * 2

    y = double(leaf((2,)))
    assert not y.requires_grad and y._ctx is None
    assert is_grad_enabled()


def test_mean_of_an_empty_tensor_is_nan_as_in_numpy() -> None:
    with np.errstate(invalid="ignore"):
        assert np.isnan(Tensor(np.zeros((0,))).mean().item())


def test_numpy_converts_a_tensor_to_its_data_and_defers_binary_ops_to_it() -> None:
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    a = np.asarray(t.detach())  # the data, not an object array of 0-d tensors
    assert a.dtype == np.float64 and a.shape == (2, 3) and np.array_equal(a, t.data)
    y = np.ones(3) * t  # ndarray (op) Tensor still builds a graph node
    assert isinstance(y, Tensor) and y.requires_grad
    assert [row.shape for row in t] == [(3,), (3,)]  # iterating gives rows, as in torch


# --- unbroadcast: the one place broadcasting is undone ------------------------------------

UNBROADCAST = [
    ((4, 3), (3,)),  # one leading axis: a bias over a batch (the first, fast test)
    ((5, 4, 3), (3,)),  # two leading axes
    ((5, 4, 3), (4, 3)),  # one leading axis over a matrix
    ((5, 4, 3), (1, 3)),  # a leading axis and a stretched one
    ((4, 3), (4, 1)),  # a stretched axis alone
    ((4,), ()),  # to a scalar
    ((2, 0, 3), (3,)),  # size 0: the sum of nothing is 0
]


@pytest.mark.parametrize(("have", "want"), UNBROADCAST, ids=str)
@pytest.mark.parametrize("as_tensor", [False, True], ids=["array", "tensor"])
def test_unbroadcast_sums_every_copy_of_each_element(
    have: tuple[int, ...], want: tuple[int, ...], as_tensor: bool
) -> None:
    from tinygrad_mlp.engine.graph import unbroadcast

    rng = np.random.default_rng(0)
    g = rng.integers(-5, 5, have).astype(np.float64)  # small integers: every sum is exact
    # the reference: dE/dx_i sums dE/dy over every y that copies x_i, by brute force
    expected = np.zeros(want)
    view = np.broadcast_to(np.arange(int(np.prod(want))).reshape(want), have)
    np.add.at(expected.reshape(-1), view.reshape(-1), g.reshape(-1))
    got = unbroadcast(Tensor(g) if as_tensor else g, want)
    got = got.data if as_tensor else np.asarray(got)
    assert got.shape == want
    np.testing.assert_array_equal(got, expected)
