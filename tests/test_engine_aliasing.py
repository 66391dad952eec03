"""Issue 17: silently wrong results from aliasing, against torch 2.13.

Every test here was a wrong number before the fix: a gradient buffer shared by two leaves,
a 0-d tensor iterated as empty, a list of Tensors detached, an index list mutated after the
forward, a weight updated through a view, a backward half applied. Values are small integers
(rounded draws), so every sum below is exact in float32 and float64 and is compared exactly.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_mlp import Tensor, detect_anomaly, grad, optim
from tinygrad_mlp.ops import Cast, Op

from .strategies import arrays

try:
    import torch
except ImportError:  # without torch the comparisons with it skip; every other test runs
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

SHAPES = [(), (1,), (2, 3), (0,), (2, 0)]
DTYPES = [np.float32, np.float64]


def _issue(a: Any, b: Any) -> Any:
    """The issue's graph: c is reused, Add hands one gradient to two leaves."""
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    return (c + d).sum()


def _shared(a: Any, b: Any) -> Any:
    """One leaf used twice by one op, a node used by three ops, Sub's (g, -g)."""
    y = a * a + (a - b)
    z = y + y * b + y
    return (z - b).sum()


def _chain(a: Any, b: Any) -> Any:
    """Leaves reached through pass-through ops only (their rule returns g itself)."""
    return ((a + b) + (b + a)).sum()


GRAPHS = [_issue, _shared, _chain]


def _integers(shape: tuple[int, ...], dtype: Any) -> Any:
    return arrays(shape, low=-2.0, high=2.0, dtype=np.float64).map(
        lambda a: np.round(a).astype(dtype)
    )


@st.composite
def _cases(draw: Any) -> tuple[Callable[[Any, Any], Any], np.ndarray, np.ndarray]:
    shape = draw(st.sampled_from(SHAPES))
    dtype = draw(st.sampled_from(DTYPES))
    graph = draw(st.sampled_from(GRAPHS))
    return graph, draw(_integers(shape, dtype)), draw(_integers(shape, dtype))


def _torch_grads(graph: Callable[[Any, Any], Any], a: np.ndarray, b: np.ndarray) -> list[Any]:
    ta = torch.tensor(a, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    graph(ta, tb).backward()
    assert ta.grad is not None and tb.grad is not None
    return [ta.grad.numpy(), tb.grad.numpy()]


@needs_torch
@given(_cases())
def test_each_leaf_gets_its_own_gradient_buffer_for_every_shape_and_dtype(
    case: tuple[Callable[[Any, Any], Any], np.ndarray, np.ndarray],
) -> None:
    graph, a0, b0 = case
    expected = _torch_grads(graph, a0, b0)
    a = Tensor(a0, requires_grad=True)
    b = Tensor(b0, requires_grad=True)
    graph(a, b).backward()
    grads = [a.grad, b.grad]
    for g, want, leaf in zip(grads, expected, (a, b), strict=True):
        assert type(g) is np.ndarray and g.shape == leaf.shape and g.dtype == leaf.dtype
        np.testing.assert_array_equal(g, want)  # exact: small integers (module docstring)
        assert not np.shares_memory(g, leaf.data)
    assert a.grad is not b.grad and not np.shares_memory(a.grad, b.grad)
    # a second pass adds in place: with one buffer for both leaves each would get it twice
    graph(a, b).backward()
    for g, want in zip([a.grad, b.grad], expected, strict=True):
        np.testing.assert_array_equal(g, 2 * want)


@needs_torch
def test_the_issue_example_on_0d_leaves_matches_the_formula_and_torch() -> None:
    a = Tensor(np.array(1.0), requires_grad=True)
    b = Tensor(np.array(2.0), requires_grad=True)
    _issue(a, b).backward()
    # loss = 2 (a + b) + 1 + a b + b^3: d/da = 2 + b = 4, d/db = 2 + a + 3 b^2 = 15
    assert (a.grad.item(), b.grad.item()) == (4.0, 15.0)  # used to be 17.0 and 17.0
    assert [g.item() for g in _torch_grads(_issue, np.array(1.0), np.array(2.0))] == [4.0, 15.0]


class _Twice(Op):
    """y = a + b whose rule returns ONE new array for both inputs (a careless rule)."""

    saves = ()

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    def backward(self, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        h = np.array(g, copy=True)
        return h, h


class _GivesInput(Op):
    """y = a * b whose rule returns its input arrays themselves (valid when g is 1)."""

    saves = (0, 1)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a * b

    def backward(self, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        return inputs[1], inputs[0]


@pytest.mark.parametrize("shape", SHAPES)
def test_a_rule_returning_one_array_for_two_leaves_does_not_tie_them(
    shape: tuple[int, ...],
) -> None:
    a = Tensor(np.ones(shape), requires_grad=True)
    b = Tensor(np.ones(shape), requires_grad=True)
    _Twice.apply(a, b).sum().backward()
    a.grad += 5  # the user's own in-place edit of one gradient
    np.testing.assert_array_equal(b.grad, np.ones(shape))


class _GivesInputUnsaved(_GivesInput):
    """The same rule with ``saves`` left empty (a contract slip of the op's author): the
    inputs stay writeable, so only the engine's identity check keeps them out of ``.grad``."""

    saves = ()


@pytest.mark.parametrize("op", [_GivesInput, _GivesInputUnsaved], ids=["saved", "unsaved"])
@pytest.mark.parametrize("shape", SHAPES)
def test_a_rule_returning_its_input_array_is_copied_not_kept(
    shape: tuple[int, ...], op: type[Op]
) -> None:
    a = Tensor(np.full(shape, 2.0), requires_grad=True)
    b = Tensor(np.full(shape, 3.0), requires_grad=True)
    op.apply(a, b).sum().backward()
    assert not np.shares_memory(a.grad, b.data) and not np.shares_memory(b.grad, a.data)
    op.apply(a, b).sum().backward()  # accumulates into .grad, not into the data
    np.testing.assert_array_equal(a.grad, np.full(shape, 6.0))
    np.testing.assert_array_equal(b.data, np.full(shape, 3.0))


class _CachedSquare(Op):
    """E = sum z^2, whose rule returns dE/dz = 2 z computed once in the forward (a rule
    written for a loss, where g is 1): an array the op keeps, not one made for the leaf."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.d = 2 * z
        return np.asarray((z * z).sum())

    def backward(self, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        return (self.d if g == 1 else self.d * g,)


def _three_retained_passes_add_up(op: type[Op]) -> None:
    """Three backward passes through one retained graph of E = sum z^2 give 2z, 4z, 6z."""
    z = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = op.apply(z)
    for n in (1, 2, 3):
        loss.backward(retain_graph=True)
        np.testing.assert_array_equal(z.grad, n * np.array([2.0, 4.0]))


def test_a_rule_returning_an_array_it_keeps_is_copied_so_backward_can_run_again() -> None:
    # the leaf used to keep the op's own array as .grad, so each later backward added into
    # the array the rule returns: 2z, 4z, then 8z where three passes give 6z
    _three_retained_passes_add_up(_CachedSquare)


class _CachedGrads(Op):
    """E = sum z^2, whose rule returns the same container of gradients (made in the forward)
    on every call: the array inside is the op's, though only the container refers to it."""

    container: ClassVar[Callable[[list[np.ndarray]], Any]] = list

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.grads = type(self).container([2 * z])
        return np.asarray((z * z).sum())

    def backward(self, g: Any, inputs: Any, out: Any) -> Any:
        return self.grads if g == 1 else [self.grads[0] * g]


@pytest.mark.parametrize("container", [list, tuple])
def test_a_rule_returning_a_container_it_keeps_has_its_arrays_copied(container: Any) -> None:
    # the count of the array alone is that of a new one (one container holds it): the
    # engine copies the returned container first, so the one the rule keeps counts too
    _three_retained_passes_add_up(
        type("Cached", (_CachedGrads,), {"container": staticmethod(container)})
    )


class _Fresh(Op):
    """y = 3 x, whose rule returns a new array and remembers it (by id only) for the test."""

    given: ClassVar[list[int]] = []

    def forward(self, x: np.ndarray) -> np.ndarray:
        return 3 * x

    def backward(self, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        d = np.array(g * 3.0)  # an array for a 0-d x too (numpy gives a scalar there)
        self.given.append(id(d))
        return (d,)


@pytest.mark.parametrize("shape", SHAPES)
def test_a_new_gradient_nobody_else_holds_becomes_the_leaf_grad_without_a_copy(
    shape: tuple[int, ...],
) -> None:
    # the other half of the ownership rule: a copy here would be correct but slow, and
    # would mean no gradient is ever judged owned (engine/chain.py: _calibrate)
    x = Tensor(np.ones(shape), requires_grad=True)
    _Fresh.apply(x).backward(np.ones(shape))
    assert id(x.grad) == _Fresh.given[-1]
    np.testing.assert_array_equal(x.grad, np.full(shape, 3.0))


_ONES = np.ones(3)  # what _ConstantRule's rule returns on every call


class _ConstantRule(Op):
    """y = sum x with a rule returning one module-level array: dE/dx = 1 when g is 1."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x.sum())

    def backward(self, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        return (_ONES if g == 1 else _ONES * g,)


def test_a_rule_returning_a_constant_array_never_has_it_written_into() -> None:
    x = Tensor(np.zeros(3), requires_grad=True)
    for n in (1, 2, 3):  # a new graph each time: .grad accumulates 1 per pass
        _ConstantRule.apply(x).backward()
        np.testing.assert_array_equal(x.grad, np.full(3, float(n)))
    np.testing.assert_array_equal(_ONES, np.ones(3))


@pytest.mark.parametrize("shape", SHAPES)
def test_a_rule_passing_its_g_on_does_not_tie_two_leaves(shape: tuple[int, ...]) -> None:
    # Add hands its g (the seed array, no sum in between) to both casts; each cast's rule
    # returns the g it was given: one array reaches two leaves, so neither may keep it
    a = Tensor(np.full(shape, 2.0), requires_grad=True)
    b = Tensor(np.full(shape, 3.0), requires_grad=True)
    y = Cast.apply(a, dtype=a.dtype) + Cast.apply(b, dtype=b.dtype)
    y.backward(np.ones(shape))
    assert not np.shares_memory(a.grad, b.grad)
    a.grad += 5  # the user's own in-place edit of one gradient
    np.testing.assert_array_equal(b.grad, np.ones(shape))


class _AddTransposed(Op):
    """y = a + b^T whose rule returns one new array for a and a view of it for b (careless:
    ``d.T`` shares d's memory, so d belongs to neither input alone)."""

    saves = ()

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b.T

    def backward(self, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        d = g * 1.0
        return d, d.T


@pytest.mark.parametrize("a_first", [True, False])
def test_a_rule_returning_an_array_and_a_view_of_it_does_not_tie_two_leaves(
    a_first: bool,
) -> None:
    # a also reaches the loss through a * 3, whose gradient is added into a.grad in place
    # after the pass; if a kept d as its .grad, b's copy of d.T (made when b's gradient is
    # delivered, after a's) would carry that sum: b.grad was (3 a + 3 a^T)^T, not 3 a^T
    a = Tensor(np.arange(4.0).reshape(2, 2), requires_grad=True)
    b = Tensor(np.ones((2, 2)), requires_grad=True)
    w, z = _AddTransposed.apply(a, b), a * 3.0
    ((w * z) if a_first else (z * w)).sum().backward()
    # dL/dw = z = 3 a; dL/db = (dL/dw)^T; dL/da = z + 3 w (exact: small integers)
    np.testing.assert_array_equal(b.grad, 3.0 * a.data.T)
    np.testing.assert_array_equal(a.grad, 3.0 * a.data + 3.0 * (a.data + b.data.T))
    assert not np.shares_memory(a.grad, b.grad)


# --- item 2: a 0-d tensor is not a sequence ----------------------------------------------


@needs_torch
@pytest.mark.parametrize("use", [list, sum, len, tuple, iter, lambda t: [v for v in t]], ids=repr)
def test_iterating_a_0d_tensor_raises_as_in_torch(use: Callable[[Any], Any]) -> None:
    for t in (torch.tensor(3.0), Tensor(np.array(3.0))):  # torch first: the same error
        with pytest.raises(TypeError, match="0-d tensor"):
            use(t)


def test_iterating_a_tensor_gives_its_rows_and_the_gradient_flows_through_them() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    rows = list(x)
    assert [r.shape for r in rows] == [(3,), (3,)]
    total = sum(rows)
    assert isinstance(total, Tensor)
    np.testing.assert_array_equal(total.data, [3.0, 5.0, 7.0])
    (total * Tensor(np.array([1.0, 2.0, 3.0]))).sum().backward()
    np.testing.assert_array_equal(x.grad, [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    assert list(Tensor(np.zeros((0, 2)))) == []  # an empty first axis: nothing, no error


# --- item 3: Tensor(list of Tensors) does not silently detach -----------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda a: [a * 2, a * 3],
        lambda a: (a * 2, a * 3),
        lambda a: [[a * 2], [a * 3]],
        lambda a: (1.0, [2.0, (a,)]),  # deep inside, next to plain numbers
    ],
)
def test_a_list_holding_a_tensor_that_requires_grad_is_refused_naming_stack(
    build: Callable[[Tensor], Any],
) -> None:
    a = Tensor(np.array(1.0), requires_grad=True)
    with pytest.raises(TypeError, match=r"tm\.stack"):
        Tensor(build(a))


@needs_torch
def test_a_list_of_tensors_without_grad_converts_keeping_their_dtype() -> None:
    a = Tensor(np.array(1.5))  # float64, no grad
    t = Tensor([a * 2, a])
    assert t.dtype == np.float64 and not t.requires_grad  # torch keeps float64 too
    np.testing.assert_array_equal(t.data, [3.0, 1.5])
    assert t.dtype == torch.tensor([torch.tensor(3.0, dtype=torch.float64)]).numpy().dtype
    rows = Tensor([[Tensor(np.ones(2, dtype=np.float32))], [[2.0, 3.0]]])
    assert rows.dtype == np.float32 and rows.shape == (2, 1, 2)
    assert Tensor([1.0, 2.0]).dtype == np.float32  # Python floats: float32, as before


# --- item 5: an index list changed after the forward does not move the gradient ----------


def _index_then_mutate(index: Any, change: Callable[[], None], shape: tuple[int, ...]) -> Any:
    x = Tensor(np.zeros(shape), requires_grad=True)
    y = x[index]
    change()  # between the forward and the backward
    (y * Tensor(np.arange(1.0, y.numel() + 1).reshape(y.shape))).sum().backward()
    return x.grad


@needs_torch
def test_a_list_index_changed_after_the_forward_keeps_the_gradient_in_place() -> None:
    i = [0, 2]
    got = _index_then_mutate(i, lambda: i.__setitem__(0, 1), (4,))
    np.testing.assert_array_equal(got, [1.0, 0.0, 2.0, 0.0])  # used to be [0, 1, 2, 0]
    i = [0, 2]
    tx = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    ty = tx[i]
    i[0] = 1
    (ty * torch.tensor([1.0, 2.0], dtype=torch.float64)).sum().backward()
    assert tx.grad is not None
    np.testing.assert_array_equal(got, tx.grad.numpy())


@pytest.mark.parametrize(
    "make",
    [
        lambda: ([0, 2],),  # a list inside a tuple
        lambda: (slice(None), [0, 2]),  # after a slice
        lambda: ([[0, 1], [1, 1]], [0, 2]),  # nested lists, two advanced indices
        lambda: [True, False, True],  # a boolean list (a mask)
    ],
)
def test_lists_anywhere_in_an_index_are_copied_at_the_forward(make: Callable[[], Any]) -> None:
    index = make()
    want = _index_then_mutate(make(), lambda: None, (3, 3))

    def scramble() -> None:  # every list in the index, at any depth, changed in place
        stack = list(index) if isinstance(index, tuple) else [index]
        while stack:
            v = stack.pop()
            if isinstance(v, list):
                for k, e in enumerate(v):
                    if isinstance(e, list):
                        stack.append(e)
                    else:
                        v[k] = 1 if not isinstance(e, bool) else not e

    got = _index_then_mutate(index, scramble, (3, 3))
    np.testing.assert_array_equal(got, want)
    assert want.any()  # the case says something: some gradient landed


def test_the_index_op_itself_copies_a_list_given_to_it_directly() -> None:
    from tinygrad_mlp.ops import Index

    x = Tensor(np.zeros(4), requires_grad=True)
    i = [0, 2]
    y = Index.apply(x, index=i)  # not through x[...]: the op owns its index at the root
    i[0] = 1
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0, 0.0])


# --- item 6: an update of a weight used through a view is caught -------------------------

VIEWS = {
    "transpose": lambda w: w.T.T,
    "slice": lambda w: w[0:1],
    "reshape": lambda w: w.reshape(2, 1).reshape(1, 2),
}


def _update(kind: str, w: Any) -> None:
    """An in-place change of w's values between the forward and the backward."""
    if kind == "raw":
        w.data[...] = [[11.0, 12.0]]
        return
    w.grad = np.full((1, 2), -10.0)
    opt = optim.SGD([w], lr=1.0) if kind == "sgd" else optim.Adam([w], lr=10.0)
    opt.step()


@needs_torch
@pytest.mark.parametrize("kind", ["sgd", "adam", "raw"])
@pytest.mark.parametrize("view", list(VIEWS))
def test_updating_a_weight_used_through_a_view_is_refused_as_torch_refuses(
    view: str, kind: str
) -> None:
    w = Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    x = Tensor(np.array([[1.0]]), requires_grad=True)
    y = (x @ VIEWS[view](w)).sum()  # dy/dx = [[1, 2]], from the weight's forward values
    if kind == "raw":  # a write into memory a live graph reads fails at the write
        with pytest.raises(ValueError, match="read-only"):
            _update(kind, w)
        np.testing.assert_array_equal(grad(y, [x])[0].data, [[3.0]])  # 1 + 2
        return
    _update(kind, w)  # the library's own update goes through (versions bumped)
    assert w.data[0, 0] > 5  # it did change the weight
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        grad(y, [x])  # used to give [[23]] from the updated weight
    tw = torch.tensor([[1.0, 2.0]], dtype=torch.float64, requires_grad=True)
    tx = torch.tensor([[1.0]], dtype=torch.float64, requires_grad=True)
    ty = (tx @ VIEWS[view](tw)).sum()
    with torch.no_grad():
        tw.add_(10.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        torch.autograd.grad(ty, [tx])


def test_updating_a_leaf_that_is_a_view_of_a_held_array_is_refused() -> None:
    base = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = Tensor.from_numpy(base, requires_grad=True)
    row = Tensor.from_numpy(base[0:1], requires_grad=True)  # shares w's memory
    x = Tensor(np.array([[1.0, 1.0]]), requires_grad=True)
    y = (x @ w).sum()  # holds w.data, the memory behind row too
    row.grad = np.ones((1, 2))
    optim.SGD([row], lr=1.0).step()  # writes into w's memory through the view
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_a_view_made_after_the_forward_cannot_write_into_held_memory() -> None:
    w = Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    x = Tensor(np.array([[1.0]]), requires_grad=True)
    y = (x @ w.T.T).sum()
    later = w.data[0:1]  # a view made while the graph holds the memory: read-only
    with pytest.raises(ValueError, match="read-only"):
        later[...] = 0.0
    y.backward()
    np.testing.assert_array_equal(x.grad, [[3.0]])
    w.data[...] = 0.0  # released: the weight is the caller's again


# --- item 4: a backward that raises part-way changes no .grad ----------------------------


class _Fails(Op):
    """y = 2 x whose backward raises (a bug in a user's rule, or a resource error)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return 2 * x

    def backward(self, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        raise ArithmeticError("the rule failed")


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("had_grad", [False, True])
def test_a_backward_that_raises_part_way_leaves_every_grad_as_it_was(
    had_grad: bool, create_graph: bool
) -> None:
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    c = Tensor(np.array([5.0, 6.0]), requires_grad=True)
    before = np.array([7.0, 8.0])
    if had_grad:
        a.grad = before.copy()
    # Add's rule runs first and reaches a and c (leaves); _Fails's rule runs after it
    loss = ((a * c) + _Fails.apply(b)).sum()
    with pytest.raises(ArithmeticError, match="the rule failed"):
        loss.backward(create_graph=create_graph)
    if had_grad:
        np.testing.assert_array_equal(a.grad, before)  # used to be [12, 14]: half applied
    else:
        assert a.grad is None
    assert b.grad is None and c.grad is None


def test_a_successful_pass_adds_into_an_existing_grad_in_place() -> None:
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    buffer = np.array([10.0, 20.0])
    a.grad = buffer
    (a * a + a * 3).sum().backward()  # three contributions: a, a (from a * a) and 3
    assert a.grad is buffer  # accumulated into the same array, as before
    np.testing.assert_array_equal(buffer, [10.0 + 5.0, 20.0 + 7.0])  # 2 a + 3


# --- item 7: one per-node step, the one the eager loop runs -----------------------------


def test_node_step_conforms_each_gradient_and_says_which_are_fresh() -> None:
    from tinygrad_mlp.engine.chain import node_step

    x = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    y = x + b  # b broadcast over rows and promoted to float64
    op = y._ctx
    g = np.arange(6.0).reshape(2, 3)
    steps = node_step(op, g, [x.data, b.data], y.data, [x.data, b.data])
    assert [j for j, _, _ in steps] == [0, 1]
    (_, gx, fresh_x), (_, gb, fresh_b) = steps
    assert gx is g and not fresh_x  # Add hands g on: not the leaf's to keep
    np.testing.assert_array_equal(gb, [3.0, 5.0, 7.0])  # rows summed (unbroadcast)
    assert gb.dtype == np.float32 and fresh_b  # a new array, b's alone


def test_accumulate_sums_out_of_place_into_a_dict_or_a_list() -> None:
    from tinygrad_mlp.engine.chain import accumulate

    first = np.ones(2)
    d: dict[str, Any] = {}
    accumulate(d, "k", first)
    accumulate(d, "k", np.ones(2))
    np.testing.assert_array_equal(d["k"], [2.0, 2.0])
    np.testing.assert_array_equal(first, [1.0, 1.0])  # never written into
    slots: list[Any] = [None, None]
    accumulate(slots, 1, first)
    accumulate(slots, 1, first)
    assert slots[0] is None
    np.testing.assert_array_equal(slots[1], [2.0, 2.0])


def test_the_eager_loop_runs_node_step_once_per_node(monkeypatch: pytest.MonkeyPatch) -> None:
    from tinygrad_mlp.engine import backward as engine_backward
    from tinygrad_mlp.engine import chain

    calls: list[str] = []

    def counting(op: Any, *args: Any) -> Any:
        calls.append(type(op).__name__)
        return chain.node_step(op, *args)

    monkeypatch.setattr(engine_backward, "node_step", counting)
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    ((x * x).sum() + x.sum()).backward()
    assert sorted(calls) == ["Add", "Mul", "Sum", "Sum"]
    np.testing.assert_array_equal(x.grad, [3.0, 5.0])  # 2 x + 1


# --- a generator of rules returning aliases (the class of the (d, d.T) bug) ---------------

# What a rule may hand back for input i: a new array, the g it was given, an input's or the
# output's array, the very array it returns for another input, a view of that array, or an
# array the rule keeps and returns again (a cache, a constant: "kept").
ALIAS_KINDS = ("new", "g", "input", "out", "same", "view", "transposed", "kept")

# What holds the gradients a rule returns: a new tuple, a new list or a new sequence of
# another class, or one the rule keeps and returns again in every pass (gradients computed
# once, in the forward, say: the arrays in it are referenced by nothing but the container)
CONTAINERS = ("tuple", "list", "sequence", "kept tuple", "kept list", "kept sequence")


class _Sequence(Sequence[Any]):
    """A sequence that is neither a tuple nor a list, over a list it holds."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: Any) -> Any:
        return self.items[i]


def _box(container: str, grads: list[Any]) -> Any:
    """The gradients in a new container of the kind ``container`` names."""
    if container.endswith("tuple"):
        return tuple(grads)
    return list(grads) if container.endswith("list") else _Sequence(list(grads))


class _Aliasing(Op):
    """y = sum of the inputs; backward returns, per input, what ``kinds`` says, and keeps a
    copy of each value it returned (``returned``) for the test to compare with."""

    saves = None
    kinds: tuple[tuple[str, int], ...] = ()
    container = "tuple"  # what holds the gradients it returns (CONTAINERS)
    returned: ClassVar[list[list[np.ndarray]]] = []
    kept: ClassVar[dict[int, np.ndarray]] = {}  # input i -> the array "kept" returns, each pass
    # a "kept ..." container: the one returned in every pass, and copies of what it held
    boxes: ClassVar[dict[str, Any]] = {}

    def forward(self, *xs: np.ndarray) -> np.ndarray:
        return np.add.reduce(np.stack(xs), axis=0)

    def backward(self, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        grads: list[Any] = []
        for i, (kind, k) in enumerate(self.kinds):
            other = grads[k] if k < i else None
            if kind == "g":
                grads.append(g)
            elif kind == "input":
                grads.append(inputs[k])
            elif kind == "out":
                grads.append(out)
            elif kind == "same" and other is not None:
                grads.append(other)
            elif kind == "view" and other is not None:
                grads.append(other[...])
            elif kind == "transposed" and other is not None:
                grads.append(other.T)  # a view; the square shapes keep the input's shape
            elif kind == "kept":  # the same array in every pass, which must never change
                grads.append(self.kept.setdefault(i, np.full(np.shape(g), float(i + 7))))
            else:
                grads.append(g * float(i + 2))  # a new array
        if self.container.startswith("kept"):  # the first pass's container, every time
            if "box" not in self.boxes:
                self.boxes["box"] = _box(self.container, grads)
                self.boxes["first"] = [np.array(a, copy=True) for a in grads]
            box = self.boxes["box"]
            self.returned.append([np.array(a, copy=True) for a in box])
            return box
        self.returned.append([np.array(a, copy=True) for a in grads])
        return _box(self.container, grads)


class _AliasingUnsaved(_Aliasing):
    saves = ()  # the inputs and output stay writeable: only identity checks protect them


def _alias_run(
    kinds: tuple[tuple[str, int], ...],
    terms: list[Any],
    op: type[Op],
    shape: tuple[int, ...],
    seed: int,
    container: str = "tuple",
    anomaly: bool = False,
) -> None:
    """Two passes of z = (the rule on the inputs) + (on them reversed) + each input + 0,
    summed in the order ``terms``, each leaf's ``.grad`` checked against what the rules
    returned (copied when returned) and the seed, and against sharing memory."""
    n = len(kinds)
    attrs = {"kinds": kinds, "container": container}
    rule = type("Rule", (op,), {**attrs, "returned": [], "kept": {}, "boxes": {}})  # in order
    back = type("Back", (op,), {**attrs, "returned": [], "kept": {}, "boxes": {}})  # reversed
    rng = np.random.default_rng(seed)
    xs = [Tensor(rng.integers(-4, 5, shape).astype(float), requires_grad=True) for _ in range(n)]
    data_before = [x.data.copy() for x in xs]
    g = rng.integers(-4, 5, shape).astype(np.float64)
    expected = [np.zeros(shape) for _ in range(n)]
    for _ in range(2):  # a second pass accumulates into what the first left in .grad
        parts = {"rule": rule.apply(*xs), "back": back.apply(*xs[::-1])}
        z = None
        for term in terms:  # each leaf used again through a node that holds nothing
            t = parts[term] if isinstance(term, str) else xs[term] + 0.0
            z = t if z is None else z + t
        assert z is not None
        with detect_anomaly() if anomaly else contextlib.nullcontext():  # rules run checked
            z.backward(g.copy())  # Add hands one array to both of its operands
        for j in range(n):  # small integers throughout: every sum is exact
            from_back = back.returned[-1][n - 1 - j]
            expected[j] = expected[j] + rule.returned[-1][j] + from_back + g
        for j, x in enumerate(xs):
            np.testing.assert_array_equal(x.grad, expected[j], err_msg=f"leaf {j}, {kinds}")
            np.testing.assert_array_equal(x.data, data_before[j])
            for k, other in enumerate(xs):
                if k != j:
                    assert not np.shares_memory(x.grad, other.grad), (j, k, kinds)
                assert not np.shares_memory(x.grad, other.data), (j, k, kinds)
        for r in (rule, back):  # an array a rule keeps is the rule's, never a leaf's .grad
            for i, a in r.kept.items():
                np.testing.assert_array_equal(a, float(i + 7), err_msg=f"kept, {kinds}")
            if r.boxes:  # so is a container it keeps, and every array in it
                for a, first in zip(r.boxes["box"], r.boxes["first"], strict=True):
                    np.testing.assert_array_equal(a, first, err_msg=f"{container}, {kinds}")


# orders of the terms: the rules' nodes run before or after the leaves' other uses, so a
# leaf's first delivery is now the rule's array, now another one
ALIAS_ORDERS = (["rule", "back", 0, 1], [0, 1, "rule", "back"], ["back", 0, "rule", 1])
ALIAS_ORDERS += ([1, "rule", 0, "back"],)


@pytest.mark.parametrize("op", [_Aliasing, _AliasingUnsaved], ids=["saved", "unsaved"])
def test_no_pair_of_alias_kinds_ties_two_leaves_or_a_leaf_to_data(op: type[Op]) -> None:
    # every kind for each of two inputs, in each order: 1024 programs, ~1.5 s; each way a
    # returned array can be referenced elsewhere (g, an input, the output, another input's
    # gradient or a view of it, the rule itself) is a kind, so an ownership rule that
    # misses one fails here
    pairs = [(k, i) for k in ALIAS_KINDS for i in range(2)]
    for kinds in itertools.product(pairs, pairs):
        for terms in ALIAS_ORDERS:
            _alias_run(kinds, terms, op, (3, 3), seed=0)


@pytest.mark.parametrize("container", CONTAINERS)
def test_no_container_of_a_rules_gradients_ties_a_leaf_to_the_rule(container: str) -> None:
    # every pair of kinds, returned in each container: one the rule keeps and returns again
    # holds arrays nothing else references, yet they are the rule's, not a leaf's to keep
    pairs = [(k, i) for k in ALIAS_KINDS for i in range(2)]
    for kinds in itertools.product(pairs, pairs):
        _alias_run(kinds, ALIAS_ORDERS[0], _Aliasing, (3, 3), 0, container)


@given(data=st.data())
def test_no_rule_returning_aliases_ties_two_leaves_or_a_leaf_to_data(data: Any) -> None:
    n = data.draw(st.integers(2, 4), label="inputs")
    shape = data.draw(st.sampled_from([(), (3,), (3, 3)]), label="shape")
    kinds = tuple(
        (data.draw(st.sampled_from(ALIAS_KINDS)), data.draw(st.integers(0, n - 1)))
        for _ in range(n)
    )
    op = data.draw(st.sampled_from([_Aliasing, _AliasingUnsaved]), label="op")
    terms = data.draw(st.permutations(["rule", "back", *range(n)]), label="order")
    container = data.draw(st.sampled_from(CONTAINERS), label="container")
    seed, anomaly = data.draw(st.integers(0, 2**16)), data.draw(st.booleans(), label="anomaly")
    _alias_run(kinds, terms, op, shape, seed, container, anomaly)
