"""Probe 25: composed, careless use, from outside, each finding pinned against torch.

Augmented assignment on a Tensor (``p -= lr * p.grad`` under ``no_grad``, the hand-written
SGD step of every torch tutorial) must update the tensor in place, as torch does; before,
Python fell back on ``p = p - lr * p.grad``, a new tensor bound to the loop variable, so the
model's parameters never moved and no error was raised.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, nn

from . import strategies as st

torch = pytest.importorskip("torch")


def _pair(rng: np.random.Generator) -> tuple[nn.Linear, object, Tensor, object]:
    """A float64 Linear(3, 2) and the torch Linear with the same weights, and an input."""
    m = nn.Linear(3, 2, rng=rng, dtype=np.float64)
    tm_lin = torch.nn.Linear(3, 2, dtype=torch.float64)
    with torch.no_grad():
        tm_lin.weight.copy_(torch.from_numpy(m.weight.numpy().copy()))
        tm_lin.bias.copy_(torch.from_numpy(m.bias.numpy().copy()))
    x = rng.standard_normal((4, 3))
    return m, tm_lin, Tensor(x), torch.from_numpy(x)


@pytest.mark.parametrize("op", [operator.isub, operator.iadd, operator.imul, operator.itruediv])
def test_hand_written_sgd_step_moves_the_parameters_as_torch(op: Callable[..., Any]) -> None:
    rng = np.random.default_rng(25)
    m, t, x, xt = _pair(rng)
    for _ in range(3):  # three steps: a later step must see the earlier updates
        m.zero_grad()
        t.zero_grad()
        ((m(x) ** 2).sum()).backward()
        ((t(xt) ** 2).sum()).backward()
        with tm.no_grad():
            for p in m.parameters():
                op(p, 1.0 + 0.1 * p.grad)  # p -= ..., the result dropped as a loop's would be
        with torch.no_grad():
            for p in t.parameters():
                op(p, 1.0 + 0.1 * p.grad)
    # the same float64 arithmetic in the same order: equal to round-off of a few operations
    np.testing.assert_allclose(m.weight.numpy(), t.weight.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(m.bias.numpy(), t.bias.detach().numpy(), rtol=1e-12)


def test_inplace_keeps_the_object_and_its_aliases() -> None:
    w = Tensor(np.array([1.0, 2.0]))
    alias = w
    w += 1.0
    assert w is alias
    np.testing.assert_array_equal(alias.numpy(), [2.0, 3.0])


def test_inplace_on_a_leaf_that_requires_grad_is_refused_in_grad_mode() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w -= 1.0
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])  # nothing was written


def test_inplace_update_under_no_grad_bumps_the_version_a_live_graph_checks() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (w * w).sum()  # its graph holds w.data
    with tm.no_grad():
        w -= 0.5
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_inplace_on_a_graph_tensor_gives_torch_values_and_gradients() -> None:
    a = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    x = Tensor(a.copy(), requires_grad=True)
    xt = torch.tensor(a.copy(), requires_grad=True)
    y, yt = x * 2.0, xt * 2.0
    y += x
    yt += xt
    y *= x
    yt *= xt
    y.sum().backward()
    yt.sum().backward()
    # two float64 products and a sum of exactly representable inputs: at most an ulp apart
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-15)


def test_inplace_refuses_a_result_that_does_not_fit() -> None:
    i = Tensor(np.array([1, 2]))
    with pytest.raises(TypeError, match="int64"):
        i += 0.5  # torch: result type Float can't be cast to Long
    np.testing.assert_array_equal(i.numpy(), [1, 2])
    v = Tensor(np.zeros(3))
    with pytest.raises(ValueError, match=r"\(3,\)"):
        v += np.ones((2, 3))  # the broadcast result has another shape than v
    f = Tensor(np.zeros(2, dtype=np.float32))
    f += np.array([0.1, 0.2])  # float64 into float32: cast, as torch does
    assert f.dtype == np.float32
    np.testing.assert_array_equal(f.numpy(), np.array([0.1, 0.2], dtype=np.float32))


# --- a layer used twice (tied weights) ------------------------------------------------------
# parameters() listed a shared parameter once per use; torch lists it once. A penalty written
# over parameters() (``sum((p * p).sum() for p in model.parameters())``) then counted the tied
# weight twice and its gradient came out doubled, silently; an optimizer refused the list.


def _tied(rng: np.random.Generator) -> tuple[nn.Sequential, object]:
    layer = nn.Linear(2, 2, rng=rng, dtype=np.float64)
    t_layer = torch.nn.Linear(2, 2, dtype=torch.float64)
    with torch.no_grad():
        t_layer.weight.copy_(torch.from_numpy(layer.weight.numpy().copy()))
        t_layer.bias.copy_(torch.from_numpy(layer.bias.numpy().copy()))
    return nn.Sequential(layer, nn.Tanh(), layer), torch.nn.Sequential(
        t_layer, torch.nn.Tanh(), t_layer
    )


def test_a_tied_parameter_is_listed_once_as_in_torch() -> None:
    m, t = _tied(np.random.default_rng(7))
    names = [n for n, _ in m.named_parameters()]
    assert names == [n for n, _ in t.named_parameters()] == ["0.weight", "0.bias"]
    assert len(m.parameters()) == len(list(t.parameters())) == 2
    everything = [n for n, _ in m.named_parameters(remove_duplicate=False)]
    assert everything == [n for n, _ in t.named_parameters(remove_duplicate=False)]


def test_a_penalty_over_parameters_of_a_tied_model_has_torch_gradient() -> None:
    m, t = _tied(np.random.default_rng(8))
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    loss = (m(Tensor(x)) ** 2).sum() + 0.1 * sum((p * p).sum() for p in m.parameters())
    t_loss = (t(torch.from_numpy(x)) ** 2).sum() + 0.1 * sum((p * p).sum() for p in t.parameters())
    loss.backward()
    t_loss.backward()
    w = m[0].weight
    # a handful of float64 operations on O(1) numbers: round-off of a few ulps
    np.testing.assert_allclose(w.grad, t[0].weight.grad.numpy(), rtol=1e-12, atol=1e-14)
    opt = tm.optim.SGD(m.parameters(), lr=0.1)  # one parameter once: accepted, as in torch
    opt.step()


def test_state_dict_of_a_tied_model_keeps_every_name_and_loads_back() -> None:
    m, t = _tied(np.random.default_rng(9))
    sd = m.state_dict()
    assert list(sd) == list(t.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    sd = {k: v + 1.0 for k, v in sd.items()}
    m.load_state_dict(sd)
    np.testing.assert_array_equal(m[0].weight.numpy(), sd["0.weight"])


# --- in place through views and subscripts -------------------------------------------------
# With in-place operators, which results share memory with their input matters: torch's views
# (reshape, transpose, basic indexing, split, detach) share it, its flip copies. numpy's flip
# is a view, so `y = x.flip(0); y += 1` would have changed x. And `w[0] += 1` runs
# w.__getitem__, __iadd__ (writing into w through the view) and then w.__setitem__: without
# item assignment, w was half-updated before a TypeError.


def _both(a: np.ndarray) -> tuple[Tensor, object]:
    return Tensor(a.copy()), torch.from_numpy(a.copy())


@pytest.mark.parametrize(
    "view",
    [
        lambda x: x.flip(0),
        lambda x: x.reshape(4),
        lambda x: x.T,
        lambda x: x[0],
        lambda x: x[[1, 0]],
        lambda x: x.split(1)[1],
        lambda x: x.detach(),
        lambda x: x.unsqueeze(0),
        lambda x: x.permute(1, 0),
    ],
)
def test_an_inplace_update_of_a_result_changes_the_input_exactly_when_torch_does(view: Any) -> None:
    x, xt = _both(np.array([[1.0, 2.0], [3.0, 4.0]]))
    y, yt = view(x), view(xt)
    y += 100.0
    yt += 100.0
    np.testing.assert_array_equal(y.numpy(), yt.numpy())
    np.testing.assert_array_equal(x.numpy(), xt.numpy())


def test_an_inplace_update_of_an_expanded_tensor_is_refused_clearly() -> None:
    x = Tensor(np.array([[1.0, 2.0]]))
    e = x.expand(3, 2)  # three rows, one memory: torch refuses the write too
    with pytest.raises(RuntimeError, match="share memory"):
        e += 1.0
    np.testing.assert_array_equal(x.numpy(), [[1.0, 2.0]])


@pytest.mark.parametrize(
    "edit",
    [
        lambda w, v: w.__setitem__(0, v),
        lambda w, v: w.__setitem__((slice(None), 1), 7.5),
        lambda w, v: w.__setitem__(w > 0.0, 0.0),
        lambda w, v: w.__setitem__([2, 0], v * 3.0),
    ],
)
def test_item_assignment_off_the_graph_is_torchs(edit: Any) -> None:
    a = np.array([[0.5, -1.0], [2.0, -0.25], [1.5, 3.0]])
    w, wt = _both(a)
    v, vt = _both(np.array([9.0, -9.0]))
    edit(w, v)
    edit(wt, vt)
    np.testing.assert_array_equal(w.numpy(), wt.numpy())


def test_augmented_item_assignment_under_no_grad_is_torchs() -> None:
    a = np.array([[0.5, -1.0], [2.0, -0.25]])
    w = Tensor(a.copy(), requires_grad=True)
    wt = torch.tensor(a.copy(), requires_grad=True)
    with tm.no_grad():
        w[0] += 1.0
        w[[1, 1]] *= 2.0  # a repeated index: one write, as torch's index_put_
        w[:, 1] -= Tensor(np.array([0.5, 0.5]))
    with torch.no_grad():
        wt[0] += 1.0
        wt[[1, 1]] *= 2.0
        wt[:, 1] -= torch.tensor([0.5, 0.5])
    np.testing.assert_array_equal(w.numpy(), wt.detach().numpy())


def test_item_assignment_on_the_graph_is_refused_and_changes_nothing() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(TypeError, match="graph"):
        w[0] += 1.0  # grad mode, a leaf that requires grad
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])
    y = Tensor(np.zeros(2))
    with pytest.raises(TypeError, match="graph"):
        y[0] = w[1] * 2.0  # the value requires grad: its gradient would be dropped
    np.testing.assert_array_equal(y.numpy(), [0.0, 0.0])


def test_a_plain_backward_after_create_graph_never_writes_into_a_shared_gradient() -> None:
    # create_graph=True may make the caller's gradient tensor itself a leaf's .grad (x + 0
    # passes it through); a later plain backward must add to .grad out of place, as torch
    # does, not write into that tensor (with in-place +=, v would have become [13, 23]).
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    v = Tensor(np.array([10.0, 20.0]))
    (x + 0.0).backward(v, create_graph=True)
    held = x.grad
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(v.numpy(), [10.0, 20.0])
    np.testing.assert_array_equal(np.asarray(x.grad.detach().numpy()), [13.0, 23.0])
    # the .grad is the leaf's own, so torch adds into it in place: a reference to it sees
    # the sum (torch 2.13: held is x.grad, [13, 23])
    assert x.grad is held
    xt = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    vt = torch.tensor([10.0, 20.0], dtype=torch.float64)
    (xt + 0.0).backward(vt, create_graph=True)
    held_t = xt.grad
    (xt * 3.0).sum().backward()
    assert xt.grad is held_t and vt.tolist() == [10.0, 20.0]
    np.testing.assert_array_equal(held_t.detach().numpy(), held.numpy())


def _run_inplace_program(p: dict[str, Any], make: Any) -> tuple[np.ndarray, np.ndarray] | str:
    """x, then y = steps(x); y op= operand: (x, y) after the write, or the error's name."""
    rng = np.random.default_rng(p["seed"])
    a = rng.uniform(0.5, 2.0, size=p["shape"])  # away from 0: /= stays finite
    row = rng.uniform(0.5, 2.0, size=27)  # the operand, cut to y's last axis (27 = 3 * 3 * 3)
    write = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul}
    write["/="] = operator.itruediv
    x = make(a.copy())
    try:
        y = x
        for name in p["steps"]:
            y = st.ALIAS_STEPS[name](y)
        width = y.shape[-1] if y.ndim else 1
        operand = 1.5 if p["operand"] == "number" else make(row[:width].copy())
        y = write[p["op"]](y, operand)
    except (ValueError, IndexError, RuntimeError, TypeError) as e:
        return type(e).__name__  # e.g. flip(0) of a 0-d result, or a (1,) result into ()
    return np.array(x.numpy()), np.array(y.numpy())


@given(st.inplace_programs())
def test_random_inplace_programs_alias_exactly_as_torch(p: dict[str, Any]) -> None:
    """The generator for the aliasing class: chains of views and copies, then a write."""
    ours, theirs = _run_inplace_program(p, Tensor), _run_inplace_program(p, torch.from_numpy)
    if isinstance(ours, str) or isinstance(theirs, str):
        assert isinstance(ours, str) and isinstance(theirs, str), (ours, theirs)  # both refuse
        return
    np.testing.assert_array_equal(ours[1], theirs[1])  # y: the same float64 operations
    np.testing.assert_array_equal(ours[0], theirs[0])  # x: written exactly when torch's was


# --- Sequential's fused Linear + ReLU and a forward replaced on an instance -----------------
# Sequential runs Linear then ReLU as one fused node, chosen by the layers' types. A forward
# replaced on an instance (``relu.forward = ...``, as torch users patch a module to debug or
# to try a variant) was ignored there: the fused node ran relu(Wx + b) instead, silently.


@pytest.mark.parametrize("which", [0, 1])
def test_a_forward_replaced_on_an_instance_is_called_by_sequential(which: int) -> None:
    lin = nn.Linear(2, 2, rng=np.random.default_rng(3), dtype=np.float64)
    relu = nn.ReLU()
    seq = nn.Sequential(lin, relu)
    x = Tensor(np.array([[1.0, -2.0]]))
    seq(x)  # the plan is made (and cached) before the patch
    layer = (lin, relu)[which]
    layer.forward = lambda t: t * 10.0  # type: ignore[method-assign]
    want = relu(lin(x)).numpy()  # each module called directly: the patched one included
    np.testing.assert_array_equal(seq(x).numpy(), want)
    del layer.forward  # back to the class's forward: fused again, the same numbers as before
    np.testing.assert_array_equal(seq(x).numpy(), relu(lin(x)).numpy())


# --- requires_grad set as an attribute on an integer tensor ---------------------------------
# ``x = Tensor([1, 2, 3]); x.requires_grad = True`` (torch's habit; the list is of ints, so
# the tensor is int64) bypassed requires_grad_()'s check, and the gradient was rounded to the
# tensor's integers: d(2.5 x)/dx came out 2, d sin(x)/dx came out 0. torch refuses at the
# assignment; here the attribute is a plain slot, so the refusal comes at the first backward.


def test_an_integer_tensor_made_to_require_grad_by_attribute_is_refused_at_backward() -> None:
    t = Tensor([1, 2, 3])
    t.requires_grad = True
    with pytest.raises(TypeError, match="int64"):
        (t * 2.5).sum().backward()
    assert t.grad is None  # nothing rounded was delivered
    with pytest.raises(TypeError, match="int64"):
        tm.grad(t.sin().sum(), [t])
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor([1, 2, 3]).requires_grad = True  # torch: refused at the assignment


# --- a .grad set by hand ----------------------------------------------------------------------
# torch refuses to assign a .grad of another shape or dtype. Here .grad is a plain attribute:
# another shape failed inside numpy at the next backward (``operands could not be broadcast``),
# and a float32 .grad on a float64 tensor silently kept accumulating in float32.


@pytest.mark.parametrize(
    "held",
    [np.ones(3), np.ones(2, dtype=np.float32), np.ones(2, dtype=np.int64), [1.0, 1.0]],
    ids=["shape", "float32", "int64", "list"],
)
def test_a_grad_set_by_hand_that_cannot_take_the_gradient_is_refused_by_name(held: Any) -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    x.grad = held
    with pytest.raises(TypeError, match=r"\.grad was set to"):
        (x * (1.0 + 1e-9)).sum().backward()


@pytest.mark.parametrize("bad", ["integer", "held"])
@pytest.mark.parametrize("order", ["bad first", "bad last"])
def test_a_refused_leaf_leaves_every_grad_of_the_pass_as_it_was(bad: str, order: str) -> None:
    # backward is all or nothing: the leaves are checked before the first .grad changes, so
    # a leaf refused after a good one was reached (in either order of arrival) leaves the
    # good one's .grad untouched
    good = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    before = np.array([5.0, 5.0])
    good.grad = before.copy()
    if bad == "integer":
        other = Tensor([1, 2])
        other.requires_grad = True
    else:
        other = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        other.grad = np.ones(3)
    pair = (good, other) if order == "bad last" else (other, good)
    with pytest.raises(TypeError):
        (pair[0] * 2.0 + pair[1] * 3.0).sum().backward()
    np.testing.assert_array_equal(good.grad, before)


def test_tm_grad_ignores_a_grad_set_by_hand_as_torch_autograd_grad() -> None:
    # tm.grad delivers to its capture and leaves every .grad alone, so a .grad that could
    # not take a gradient is no reason to refuse it (torch.autograd.grad ignores .grad too)
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    x.grad = np.ones(3)
    (gx,) = tm.grad((x * 3.0).sum(), [x])
    np.testing.assert_array_equal(gx.numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(x.grad, np.ones(3))


def test_a_grad_set_by_hand_of_the_right_kind_accumulates() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    x.grad = np.zeros_like(x.data) + 1.0
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def _stacks(spec: dict[str, Any]) -> tuple[nn.Sequential, object]:
    """The spec's stack in both libraries, each new layer with the same weights."""
    rng = np.random.default_rng(spec["seed"])
    ours: list[Any] = []
    theirs: list[Any] = []
    made: dict[int, tuple[Any, Any]] = {}
    for i, (reuse, act) in enumerate(zip(spec["layers"], spec["acts"], strict=True)):
        if reuse is None:
            lin = nn.Linear(spec["width"], spec["width"], rng=rng, dtype=np.float64)
            t_lin = torch.nn.Linear(spec["width"], spec["width"], dtype=torch.float64)
            with torch.no_grad():
                t_lin.weight.copy_(torch.from_numpy(lin.weight.numpy().copy()))
                t_lin.bias.copy_(torch.from_numpy(lin.bias.numpy().copy()))
            made[i] = (lin, t_lin)
        lin, t_lin = made[i if reuse is None else reuse]
        ours.append(lin)
        theirs.append(t_lin)
        if act:
            ours.append({"kinked": nn.ReLU, "smooth": nn.Tanh}[act]())
            theirs.append({"kinked": torch.nn.ReLU, "smooth": torch.nn.Tanh}[act]())
    k = spec["nest"]
    if k:
        ours = [nn.Sequential(*ours[:k]), *ours[k:]]
        theirs = [torch.nn.Sequential(*theirs[:k]), *theirs[k:]]
    return nn.Sequential(*ours), torch.nn.Sequential(*theirs)


@given(st.shared_layer_stacks())
def test_random_stacks_with_shared_layers_walk_and_differentiate_as_torch(
    spec: dict[str, Any],
) -> None:
    """The generator for the tied-parameter class: names, keys and penalty gradients."""
    m, t = _stacks(spec)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert list(m.state_dict()) == list(t.state_dict())
    x = np.linspace(-1.0, 1.5, 2 * spec["width"]).reshape(2, spec["width"])
    loss = (m(Tensor(x)) ** 2).sum() + sum((p * p).sum() for p in m.parameters())
    t_loss = (t(torch.from_numpy(x)) ** 2).sum() + sum((p * p).sum() for p in t.parameters())
    loss.backward()
    t_loss.backward()
    for (name, p), (_, q) in zip(m.named_parameters(), t.named_parameters(), strict=True):
        # at most five layers of O(1) float64 arithmetic: round-off of a few hundred ulps
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


# --- in-place operators inside tm.jit ----------------------------------------------------------
# A step's own accumulator (``correct = tm.zeros(()); correct += ...``) worked under tm.jit when
# ``+=`` rebound the name; with in-place operators it must still work, recorded as the op it
# computes. A write the replay cannot repeat (a parameter, or a tensor sharing memory with a
# view) is refused at the trace instead of replaying different numbers.


def _jit_vs_eager(body: Any, calls: int = 6) -> float:
    """The largest difference between the eager and the jitted step's results."""
    outs = []
    for use_jit in (False, True):
        rng = np.random.default_rng(5)
        m = nn.MLP(4, [8], 3, rng=rng, dtype=np.float64)
        opt = tm.optim.SGD(m.parameters(), lr=0.1)
        xs = [rng.standard_normal((5, 4)) for _ in range(calls)]
        ys = [rng.integers(0, 3, 5) for _ in range(calls)]

        def step(x: np.ndarray, y: np.ndarray, m: Any = m, opt: Any = opt) -> Any:
            opt.zero_grad()
            logits = m(Tensor(x))
            loss = F.cross_entropy(logits, y)
            loss.backward()
            opt.step()
            return (loss, *body(m, x, y, logits, loss))

        run = tm.jit(step) if use_jit else step
        outs.append([[v.numpy().copy() for v in run(x, y)] for x, y in zip(xs, ys, strict=True)])
    return max(
        float(np.abs(a - b).max()) if a.dtype == b.dtype else np.inf
        for ra, rb in zip(*outs, strict=True)
        for a, b in zip(ra, rb, strict=True)
    )


def _accumulate(m: Any, x: np.ndarray, y: np.ndarray, logits: Tensor, loss: Tensor) -> Any:
    correct = tm.zeros(())
    correct += (logits.detach().argmax(1) == Tensor(y)).sum()
    total = loss.detach() * 1.0
    total *= 2.0
    total -= Tensor(x).sum()
    return correct, total


def _accumulate_aliased(m: Any, x: np.ndarray, y: np.ndarray, logits: Tensor, loss: Tensor) -> Any:
    # an alias of the accumulator, updated again in a loop, a float64 value into a float32
    # tensor: eagerly the alias sees every write and the float32 dtype is kept (torch's)
    running = tm.zeros((3,), dtype=np.float32)
    seen = running
    for k in range(3):
        running += logits.detach()[k] * 1.5
        running *= 0.5
    return seen * 1.0, running


@pytest.mark.parametrize("body", [_accumulate, _accumulate_aliased], ids=["plain", "aliased"])
def test_a_jitted_step_may_update_its_own_tensors_in_place(body: Any) -> None:
    # bit for bit and the same dtype on every call, the traced ones and the replays (a replay
    # that rebound the name instead returned the alias's zeros where eager gives the sums)
    assert _jit_vs_eager(body) == 0.0


def _view_written(m: Any, x: np.ndarray, y: np.ndarray, logits: Tensor, loss: Tensor) -> Any:
    base = loss.detach() * 1.0
    view = base.reshape(1)
    view += 1.0  # eagerly this changes base too; a rebinding replay would not
    return (base,)


def _param_written(m: Any, x: np.ndarray, y: np.ndarray, logits: Tensor, loss: Tensor) -> Any:
    with tm.no_grad():
        m[0].bias *= 0.5
    return ()


@pytest.mark.parametrize("body", [_view_written, _param_written], ids=["view", "parameter"])
def test_a_jitted_in_place_write_the_replay_cannot_repeat_is_refused(body: Any) -> None:
    with pytest.raises(RuntimeError, match="cannot follow"):
        _jit_vs_eager(body)


# --- .grad tensors after create_graph=True ----------------------------------------------------
# Under create_graph a leaf's .grad was the rule's tensor itself: for x + y both leaves got one
# object, the caller's gradient v when it passed through. Harmless while tensors were never
# written into; with in-place operators, x.grad *= 10 changed y.grad and v too (torch gives
# each leaf a tensor of its own), or hit the read-only broadcast of the seed.


@pytest.mark.parametrize("seed", ["caller's", "implicit"])
def test_create_graph_gives_each_leaf_a_grad_of_its_own(seed: str) -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    v = Tensor(np.array([5.0, 6.0]))
    if seed == "implicit":
        (x + y).sum().backward(create_graph=True)
    else:
        (x + y).backward(v, create_graph=True)
    want = y.grad.numpy().copy()
    with tm.no_grad():
        x.grad *= 10.0
    np.testing.assert_array_equal(y.grad.numpy(), want)
    np.testing.assert_array_equal(x.grad.numpy(), 10.0 * want)
    np.testing.assert_array_equal(v.numpy(), [5.0, 6.0])


@pytest.mark.parametrize(
    "call",
    ["flip(0)", "flip(-1)", "flip(0, -1)", "transpose(0, -1)", "transpose(-1, 0)", "flip(1)"],
)
def test_a_scalar_has_axis_0_as_in_torch(call: str) -> None:
    # torch lets a 0-d tensor take dim 0 or -1 in flip (a copy) and transpose (a view);
    # found by inplace_programs (squeeze() to 0-d, then flip(0)) under an explore seed. A
    # write into the result reaches the scalar exactly when torch's does; a repeated or an
    # out-of-range axis is refused by both.
    theirs_t = torch.tensor(2.0, dtype=torch.float64)
    ours_t = Tensor(np.array(2.0))
    try:
        theirs = eval("theirs_t." + call)
    except (IndexError, RuntimeError):
        with pytest.raises((IndexError, ValueError)):
            eval("ours_t." + call)
        return
    ours = eval("ours_t." + call)
    assert ours.shape == tuple(theirs.shape) == ()
    ours += 1.0
    theirs += 1.0
    assert float(ours_t.numpy()) == float(theirs_t)
    assert float(ours.numpy()) == float(theirs) == 3.0
    x = Tensor(np.array(2.0), requires_grad=True)
    (eval("x." + call) * 3.0).backward()
    assert float(x.grad) == 3.0

