"""Engine misuse: data changed between forward and backward, dtypes, threads, 2nd order.

Every test here feeds a bad input (or a bad sequence of calls) and asserts the clear error,
or the right answer where the issue asks for one. Gradients are compared exactly where the
arithmetic is exact (small integers in float64), so no tolerance is needed.
"""

from __future__ import annotations

import gc
import threading
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, nn, optim
from tinygrad_mlp.engine import saved
from tinygrad_mlp.engine.grad_mode import enable_grad, is_grad_enabled, no_grad
from tinygrad_mlp.scalar import Value
from tinygrad_mlp.scalar import cross_entropy as scalar_cross_entropy
from tinygrad_mlp.testing.strategies import float_arrays, shapes

READ_ONLY = "read-only"  # numpy's message for a write into a non-writeable array


def _pair() -> tuple[Tensor, Tensor]:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    return x, w


# --- data changed between forward and backward --------------------------------------------


def test_writing_an_input_before_backward_is_refused_and_the_gradient_stays_right() -> None:
    x, w = _pair()
    y = (x * w).sum()
    with pytest.raises(ValueError, match=READ_ONLY):
        x.data[...] = 100  # the example: it used to give w.grad = [100, 100]
    y.backward()
    np.testing.assert_array_equal(w.grad, [1.0, 2.0])  # d(x.w)/dw = x, exact
    x.data[...] = 100  # released: writeable again
    assert x.data[0] == 100


def test_zeroing_a_weight_in_place_before_backward_is_refused() -> None:
    model = nn.MLP(3, [4], 2, rng=np.random.default_rng(0), dtype=np.float64)
    loss = F.cross_entropy(model(Tensor(np.ones((2, 3)))), np.array([0, 1]))
    weight = model[0].weight
    for write in (
        lambda: weight.data.__setitem__(Ellipsis, 0.0),
        lambda: weight.data.__imul__(0.0),
        lambda: np.copyto(weight.data, 0.0),
    ):
        with pytest.raises(ValueError, match=READ_ONLY):
            write()
    loss.backward()
    assert np.abs(weight.grad).sum() > 0


def test_mutating_an_index_array_before_backward_is_refused() -> None:
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    idx = np.array([0, 1])
    y = (x[idx] * x[idx]).sum()
    with pytest.raises(ValueError, match=READ_ONLY):
        idx[0] = 2
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 0.0])
    idx[0] = 2  # the graph is gone: the caller's array is the caller's again


def test_rebinding_data_to_another_shape_before_backward_names_the_problem() -> None:
    x, w = _pair()
    y = (x * w).sum()
    x.data = np.zeros(3)  # rebinding stays possible ...
    with pytest.raises(RuntimeError, match=r"input 0's \.data was replaced.*shape \(2,\).*\(3,\)"):
        y.backward()  # ... and is caught, not a numpy broadcast error inside backward


def test_rebinding_data_to_the_same_shape_before_backward_is_caught_too() -> None:
    x, w = _pair()
    y = (x * w).sum()
    w.data = np.zeros(2)
    with pytest.raises(RuntimeError, match=r"input 1's \.data was replaced"):
        y.backward()


def test_rebinding_a_leaf_without_a_live_graph_is_fine() -> None:
    x, w = _pair()
    (x * w).sum().backward()
    x.data = np.array([5.0, 6.0])
    w.grad = None
    (x * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [5.0, 6.0])


def test_optimizer_step_updates_in_place_after_backward() -> None:
    x, w = _pair()
    before = w.data
    (x * w).sum().backward()
    optim.SGD([w], lr=0.5).step()
    assert w.data is before  # the same array, updated in place
    np.testing.assert_array_equal(w.data, [2.5, 3.0])  # w - 0.5 x, exact in binary


@pytest.mark.parametrize("make", [lambda w: optim.SGD([w], lr=0.5), lambda w: optim.Adam([w])])
def test_step_between_two_backwards_through_a_retained_graph_is_refused(make) -> None:
    x, w = _pair()
    y = (x * w * w).sum()
    y.backward(retain_graph=True)
    make(w).step()  # allowed while the graph is alive, as in torch ...
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()  # ... but the graph saved the old w


def test_step_after_create_graph_works_and_the_old_graph_refuses_backward() -> None:
    x, w = _pair()
    y = (x * w * w).sum()
    y.backward(create_graph=True)
    opt = optim.SGD([w], lr=0.25)
    opt.step()  # w is held by the retained graph: the step still happens
    np.testing.assert_array_equal(w.data, [3.0 - 0.25 * 6.0, 4.0 - 0.25 * 16.0])  # 2 x w
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_load_state_dict_while_a_graph_is_alive_works_and_is_caught() -> None:
    model = nn.MLP(3, [4], 2, rng=np.random.default_rng(0), dtype=np.float64)
    loss = F.cross_entropy(model(Tensor(np.ones((2, 3)))), np.array([0, 1]))
    model.load_state_dict({k: v * 0 for k, v in model.state_dict().items()})
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_dropping_a_graph_without_backward_makes_its_arrays_writeable_again() -> None:
    x, w = _pair()
    y = (x * w).sum()
    assert not x.data.flags.writeable
    del y
    gc.collect()  # not needed (reference counting frees the graph), but harmless
    assert x.data.flags.writeable and w.data.flags.writeable


def test_an_array_read_only_before_the_graph_stays_read_only() -> None:
    a = np.array([1.0, 2.0])
    a.flags.writeable = False
    x = Tensor.from_numpy(a, requires_grad=True)
    (x * x).sum().backward()
    assert not a.flags.writeable  # the user's choice is not undone


def test_a_check_on_an_input_a_live_graph_holds_is_not_a_modification() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (w * w).sum()  # its graph holds w.data until its backward
    assert tm.gradcheck(lambda t: (t * t * t).sum(), [w]).ok  # perturbs w.data, puts it back
    y.backward()  # every value is as the forward saw it: no "modified in place" refusal
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])


def test_an_undone_write_lets_a_check_perturb_an_input_and_put_it_back() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    x = w * 3.0
    assert tm.gradcheck(lambda t: (t * t).sum(), [x]).ok  # perturbs x.data in place
    (x * 1.0).sum().backward()  # the graph behind x is still whole
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])


@given(shape=shapes(min_dims=2, max_dims=3), data=st.data())
def test_no_array_stays_held_after_backward(shape, data) -> None:
    a = Tensor(data.draw(float_arrays(shape)), requires_grad=True)
    b = Tensor(data.draw(float_arrays(shape)), requires_grad=True)
    loss = (a * b - a / (b * b + 1.0)).relu().sum() + (a @ b.swapaxes(-1, -2))[..., 0].sum()
    loss.backward()
    assert not saved._count  # every hold was released: nothing leaks, nothing stays frozen
    assert a.data.flags.writeable and b.data.flags.writeable


# --- dtypes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.int64, np.int32, bool, np.uint8])
def test_astype_to_int_or_bool_is_a_constant(dtype) -> None:
    x = Tensor(np.array([1.5, -2.0]), requires_grad=True)
    y = x.astype(dtype)
    assert not y.requires_grad and y.is_leaf
    assert y.dtype == np.dtype(dtype)
    assert x.astype(np.float32).requires_grad  # float to float keeps the graph


@pytest.mark.parametrize("bad", [np.ones(2, complex), np.array(["a", "b"]), np.array([None])])
def test_from_numpy_refuses_non_numbers(bad) -> None:
    with pytest.raises(TypeError, match="needs numbers"):
        Tensor.from_numpy(bad)


def test_astype_to_complex_is_refused() -> None:
    with pytest.raises(TypeError, match="astype"):
        Tensor(np.ones(2)).astype(complex)


def test_backward_with_a_complex_grad_is_a_type_error_not_a_warning() -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the old behaviour: a ComplexWarning, then on
        with pytest.raises(TypeError, match="real numbers"):
            (x * 2.0).backward(np.array([1j, 1.0]))


@pytest.mark.parametrize("axis", [1.5, True, "0", np.float64(1.0), [0.5]])
def test_a_non_integer_axis_is_a_type_error(axis) -> None:
    with pytest.raises(TypeError, match="axis must be an int"):
        Tensor(np.ones((2, 3))).sum(axis=axis)


# --- cross-entropy: 0 * log(0) ------------------------------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "sum"])  # the fused op, and the general path
def test_zero_target_on_a_minus_inf_logit_contributes_zero(reduction: str) -> None:
    z = Tensor(np.array([[-np.inf, 0.0], [0.0, 0.0]]), requires_grad=True)
    probs = F.cross_entropy(z, np.array([[0.0, 1.0], [0.5, 0.5]]), reduction=reduction)
    labels = F.cross_entropy(
        Tensor(np.array([[-np.inf, 0.0], [0.0, 0.0]])), np.array([1, 0]), reduction=reduction
    )
    # row 0 is exactly 0; row 1 is log 2 either way (label 0 of two equal logits)
    assert np.isfinite(probs.item())
    assert probs.item() == pytest.approx(labels.item(), rel=1e-15)  # same log 2, same order
    probs.backward()
    assert np.isfinite(z.grad).all()


def test_positive_target_on_a_minus_inf_logit_is_still_infinite() -> None:
    z = Tensor(np.array([[-np.inf, 0.0]]))
    assert F.cross_entropy(z, np.array([[0.5, 0.5]])).item() == np.inf


def test_scalar_cross_entropy_names_a_nan_logit() -> None:
    with pytest.raises(ValueError, match="logit 0 is nan"):
        scalar_cross_entropy([Value(float("nan")), Value(0.0)], 1)
    with pytest.raises(ValueError, match="logit 1 is inf"):
        scalar_cross_entropy([Value(0.0), Value(float("inf"))], 1)
    assert scalar_cross_entropy([Value(float("-inf")), Value(0.0)], 1).data == 0.0


# --- threads ------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [no_grad, enable_grad])
def test_one_grad_mode_object_shared_by_two_threads_restores_each_threads_mode(make) -> None:
    shared = make()
    entered = [threading.Event(), threading.Event()]
    first_left = threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:  # grad mode on (the default) before entering
        with shared:
            entered[0].set()
            entered[1].wait(10)
        seen["first"] = is_grad_enabled()
        first_left.set()

    def second() -> None:  # grad mode off before entering
        with no_grad():
            entered[0].wait(10)
            with shared:
                entered[1].set()
                first_left.wait(10)  # leave after the first thread left
            seen["second"] = is_grad_enabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert seen == {"first": True, "second": False}


def test_exit_without_enter_is_refused() -> None:
    with pytest.raises(RuntimeError, match="without a matching __enter__"):
        no_grad().__exit__(None, None, None)


# --- second order -------------------------------------------------------------------------


@pytest.mark.parametrize("result", [3.0, np.float64(3.0), np.ones(1), None])
def test_hvp_of_a_function_returning_no_tensor(result) -> None:
    with pytest.raises(TypeError, match="hvp: fn must return a Tensor"):
        tm.hvp(lambda x: result, [np.ones(2)], [np.ones(2)])


def test_hvp_of_a_non_scalar_function() -> None:
    with pytest.raises(ValueError, match="hvp: fn must return a scalar"):
        tm.hvp(lambda x: x * x, [np.ones(2)], [np.ones(2)])


def test_hessian_refuses_two_inputs() -> None:
    with pytest.raises(TypeError, match="hessian: fn takes 2 inputs"):
        tm.hessian(lambda x, y: (x * y).sum(), np.ones(2))
    with pytest.raises(TypeError, match="x must be one tensor"):
        tm.hessian(lambda x: (x * x).sum(), [np.ones(2), np.ones(2)])


def test_hessian_refuses_a_non_scalar_output() -> None:
    with pytest.raises(ValueError, match=r"hessian: fn must return a scalar.*\(2,\)"):
        tm.hessian(lambda x: x * x, np.ones(2))


def test_hessian_of_a_list_of_numbers_still_works() -> None:
    np.testing.assert_array_equal(tm.hessian(lambda x: (x * x).sum(), [1.0, 2.0]), 2 * np.eye(2))


# --- an op's `saves` names every array its backward reads ------------------------------------


def _narrowed_ops() -> list[tuple[str, Any, list[np.ndarray], dict[str, Any]]]:
    """Every op whose ``saves`` is narrower than "everything", with inputs to run it on."""
    from tinygrad_mlp import ops

    rng = np.random.default_rng(7)
    x, w, b = rng.standard_normal((5, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    a, c = rng.standard_normal((3, 4)), rng.standard_normal(4)
    z = rng.standard_normal((5, 4))
    return [
        ("Add", ops.Add, [a, c], {}),
        ("Sub", ops.Sub, [a, c], {}),
        ("Mul", ops.Mul, [a, c], {}),
        ("Linear", ops.Linear, [x, w, b], {}),
        ("LinearReLU", ops.LinearReLU, [x, w, b], {}),
        ("CrossEntropy", ops.CrossEntropy, [z], {"labels": np.array([0, 3, 1, 1, 2], np.uintp)}),
    ]


def _first_and_second(op: Any, arrays: list[np.ndarray], attrs: dict[str, Any], poison: bool):
    """d(sum of out * v)/d(inputs), and the gradient of their weighted sum again (second
    order); with ``poison``, every array the op does not declare in ``saves`` is
    overwritten with NaN right after the forward, as a user's raw write would."""
    ins = [Tensor(np.array(a), requires_grad=True) for a in arrays]
    out = op.apply(*ins, **attrs)
    if poison:
        unsaved = [t.data for i, t in enumerate(ins) if i not in op.saves]
        unsaved += [out.data] if "out" not in op.saves else []
        for arr in unsaved:
            arr[...] = np.nan  # writeable: nothing holds it (else this raises, also fine)
    v = np.linspace(0.5, 1.5, out.data.size).reshape(out.shape)
    firsts = tm.grad((out * Tensor(v)).sum(), ins, create_graph=True)
    weights = [Tensor(np.linspace(-1.0, 1.0, g.data.size).reshape(g.shape)) for g in firsts]
    total = sum(((g * u).sum() for g, u in zip(firsts, weights, strict=True)), Tensor(0.0))
    seconds = tm.grad(total, ins, allow_unused=True) if total.requires_grad else []
    return [g.data for g in firsts], [None if s is None else s.data for s in seconds]


def test_every_op_with_a_narrowed_saves_is_in_the_table_below() -> None:
    from tinygrad_mlp import ops

    narrowed = {
        name
        for name in ops.__all__
        if isinstance(cls := getattr(ops, name), type)
        and issubclass(cls, ops.Op)
        and cls.saves is not None
    }
    assert narrowed == {name for name, *_ in _narrowed_ops()}


@pytest.mark.parametrize("case", _narrowed_ops(), ids=lambda c: str(c[0]))
def test_an_op_never_reads_in_backward_an_array_its_saves_leaves_out(case: Any) -> None:
    # saves is what stays read-only while the graph lives: an array left out may be written
    # by the user, so a backward reading it would give a silently wrong gradient; poisoned
    # with NaN, it would show in the first or second derivatives
    _, op, arrays, attrs = case
    clean = _first_and_second(op, arrays, attrs, poison=False)
    poisoned = _first_and_second(op, arrays, attrs, poison=True)
    for got, want in zip(poisoned[0] + poisoned[1], clean[0] + clean[1], strict=True):
        if want is None:
            assert got is None
        else:
            np.testing.assert_array_equal(got, want)  # the same arithmetic: bit for bit
