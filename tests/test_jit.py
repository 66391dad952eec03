"""tm.jit: a replayed step equals the eager step bit for bit, and what it cannot replay it refuses.

Every comparison here is exact (the same bytes), not within a tolerance: the replay runs the
same numpy arithmetic in the same order as the eager engine, so there is no rounding to allow
for. Each test runs an eager model and a jitted twin from the same initial state, in lockstep,
on fresh data each call.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import JitError, Tensor, jit
from tinygrad_mlp.optim import SGD, Adam

from .helpers import training_step
from .strategies import seeds

OPTIMIZERS: dict[str, Callable[[list[Tensor]], Any]] = {
    "sgd": lambda ps: SGD(ps, lr=0.1),
    "sgd-momentum": lambda ps: SGD(ps, lr=0.05, momentum=0.9),
    "sgd-nesterov-decay": lambda ps: SGD(
        ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3
    ),
    "sgd-decay": lambda ps: SGD(ps, lr=0.1, weight_decay=1e-2),
    "adam": lambda ps: Adam(ps, lr=1e-3),
    "adam-decay": lambda ps: Adam(ps, lr=1e-2, betas=(0.8, 0.99), weight_decay=1e-3),
}


def same(a: Any, b: Any) -> bool:
    """Bit for bit: same shape, dtype and bytes (so -0.0 differs from 0.0, NaN equals NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def twins(
    sizes: tuple[int, ...], dtype: Any, make_opt: Callable[[list[Tensor]], Any], seed: int = 0
) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """Two identical seed networks with their optimizers: one to run eagerly, one jitted."""
    out = []
    for _ in range(2):
        model = tm.nn.MLP(
            sizes[0], list(sizes[1:-1]), sizes[-1], np.random.default_rng(seed), dtype
        )
        out.append((model, make_opt(model.parameters())))
    return out[0], out[1]


def train_step(model: Any, opt: Any) -> Callable[[Tensor, np.ndarray], Tensor]:
    """The issue's step: loss, zero_grad, backward, step; returns the loss."""

    def step(x: Tensor, y: np.ndarray) -> Tensor:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def zeroing_step(model: Any, opt: Any, after: bool = False) -> Callable[..., Tensor]:
    """zero_grad first, then loss, backward, step; with ``after``, ``model.zero_grad()``
    once more at the end (both common habits)."""

    def step(x: Tensor, y: np.ndarray) -> Tensor:
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if after:
            model.zero_grad()
        return loss

    return step


def assert_same_state(m1: Any, o1: Any, m2: Any, o2: Any, where: str) -> None:
    for (name, p), q in zip(m1.named_parameters(), m2.parameters(), strict=True):
        assert same(p.data, q.data), f"{where}: {name} differs"
        assert (p.grad is None) == (q.grad is None), f"{where}: {name}.grad set on one side"
        if p.grad is not None:
            assert same(p.grad, q.grad), f"{where}: {name}.grad differs"
    for i, (s, t) in enumerate(zip(o1.state, o2.state, strict=True)):
        assert s.keys() == t.keys(), f"{where}: optimizer state {i} keys"
        for k in s:
            assert same(s[k], t[k]), f"{where}: optimizer state {i}[{k!r}] differs"


def batches(rng: np.random.Generator, n_in: int, classes: int, dtype: Any, sizes: list[int]):
    for b in sizes:
        yield rng.standard_normal((b, n_in)).astype(dtype), rng.integers(0, classes, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
def test_replay_is_bit_for_bit_the_eager_step(dtype, opt_name):
    sizes = (16, 12, 8, 5)
    (m1, o1), (m2, o2) = twins(sizes, dtype, OPTIMIZERS[opt_name])
    eager, step = train_step(m1, o1), jit(train_step(m2, o2))
    rng = np.random.default_rng(1)
    # fresh data every call; a batch of a new size mid-run (a second signature, traced and
    # verified on its own), then the first size again (its plan, still cached)
    plan = [8] * 6 + [5, 5, 5] + [8] * 4
    for i, (x, y) in enumerate(batches(rng, sizes[0], sizes[-1], dtype, plan)):
        if i == 10:  # read on every replay, never baked in (Adam's bias corrections too)
            o1.lr = o2.lr = o1.lr * 0.5
        l1, l2 = eager(Tensor(x), y), step(Tensor(x), y)
        assert same(l1.data, l2.data), f"call {i}: loss differs"
        assert_same_state(m1, o1, m2, o2, f"call {i}")
    assert step.traces == 4  # two signatures, each traced on its first two calls
    assert step.replays == 13 - 4 + 2  # every other call, plus each verifying call's replay


def test_mnist_sized_float32_step_and_its_loss_stays_put():
    sizes = (784, 64, 32, 10)
    (m1, o1), (m2, o2) = twins(sizes, np.float32, lambda ps: SGD(ps, lr=0.01))
    eager, step = train_step(m1, o1), jit(train_step(m2, o2))
    rng = np.random.default_rng(2)
    losses = []
    for i, (x, y) in enumerate(batches(rng, 784, 10, np.float32, [32] * 5)):
        l1, l2 = eager(Tensor(x), y), step(Tensor(x), y)
        assert same(l1.data, l2.data)
        losses.append((l2, l2.item()))
        assert_same_state(m1, o1, m2, o2, f"call {i}")
    # a returned loss is its own Tensor: later calls do not write into it
    assert all(loss.item() == value for loss, value in losses)
    assert all(isinstance(value, float) for _, value in losses)


@given(
    seed=seeds,
    depth=hs.integers(1, 3),
    batch=hs.integers(1, 9),
    dtype=hs.sampled_from(["float32", "float64"]),
)
def test_random_networks_replay_exactly(seed, depth, batch, dtype):
    rng = np.random.default_rng(seed)
    sizes = (*[int(n) for n in rng.integers(1, 10, depth + 1)], int(rng.integers(2, 6)))
    make = OPTIMIZERS[list(OPTIMIZERS)[seed % len(OPTIMIZERS)]]
    (m1, o1), (m2, o2) = twins(sizes, dtype, make, seed)
    eager, step = train_step(m1, o1), jit(train_step(m2, o2))
    for i, (x, y) in enumerate(batches(rng, sizes[0], sizes[-1], dtype, [batch] * 4)):
        assert same(eager(Tensor(x), y).data, step(Tensor(x), y).data)
        assert_same_state(m1, o1, m2, o2, f"call {i}")
    assert step.replays == 3


def lockstep(make_step: Callable[[Any, Any], Callable[..., Any]], calls: int = 6, **kw: Any):
    """Run an eager and a jitted twin of ``make_step(model, opt)`` on fresh data; compare."""
    dtype = kw.get("dtype", np.float64)
    (m1, o1), (m2, o2) = twins((6, 7, 4), dtype, kw.get("opt", OPTIMIZERS["sgd-momentum"]))
    eager, step = make_step(m1, o1), jit(make_step(m2, o2))
    rng = np.random.default_rng(3)
    for i, (x, y) in enumerate(batches(rng, 6, 4, dtype, [5] * calls)):
        r1, r2 = eager(Tensor(x), y), step(Tensor(x), y)
        for a, b in zip(
            r1 if isinstance(r1, tuple) else (r1,),
            r2 if isinstance(r2, tuple) else (r2,),
            strict=True,
        ):
            assert (a is None and b is None) or same(a.data, b.data), f"call {i}: {a} != {b}"
        assert_same_state(m1, o1, m2, o2, f"call {i}")
    return step


def test_other_ops_replay_through_their_own_forward_and_backward():
    def make(model, opt):
        def step(x, y):  # tanh, broadcasting, a sum of squares: the generic path
            h = (model[0](x) * 0.5).tanh()
            out = model[2](h + 1.0)
            loss = ((out - out.mean(axis=1, keepdims=True)) ** 2).sum() / 10 + F.cross_entropy(
                out, y
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss, out

        return step

    step = lockstep(make)
    assert step.replays == 5


def test_gradients_accumulated_across_calls_and_model_zero_grad():
    def accumulate(model, opt):
        def step(x, y):  # no zero_grad: the grads keep adding up, as eagerly
            F.cross_entropy(model(x), y).backward()

        return step

    lockstep(accumulate)

    def zeros(model, opt):
        def step(x, y):
            model.zero_grad(set_to_none=False)  # in place, through zero_grad_of
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        return step

    lockstep(zeros)


def test_targets_from_arguments_constants_and_inputs_that_require_grad():
    model = tm.nn.MLP(6, [7], 4, np.random.default_rng(3), np.float64)
    twin = tm.nn.MLP(6, [7], 4, np.random.default_rng(3), np.float64)
    fixed = np.array([0, 1, 2, 3, 0])

    def make(m):
        def step(x_array, probs, x):
            # a Tensor made from an array argument; probabilities as targets (the generic
            # loss, checked as cross_entropy checks them); constant labels; an input's grad
            h = m(Tensor(x_array))
            loss = F.cross_entropy(h, probs) + F.cross_entropy(m(x), fixed)
            m.zero_grad()
            loss.backward()
            return loss

        return step

    eager, step = make(model), jit(make(twin))
    rng = np.random.default_rng(10)
    for i in range(5):
        xa, x = rng.standard_normal((5, 6)), rng.standard_normal((5, 6))
        probs = rng.dirichlet(np.ones(4), 5)
        x1, x2 = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
        assert same(eager(xa, probs, x1).data, step(xa, probs, x2).data), f"call {i}"
        assert same(x1.grad, x2.grad)
        for p, q in zip(model.parameters(), twin.parameters(), strict=True):
            assert same(p.grad, q.grad)
    assert step.replays == 4
    with pytest.raises(ValueError, match="finite and non-negative"):
        step(xa, -probs, x2)  # bad input still gets the eager error

    def probs_from_numpy(model, opt):
        def step(x, y):
            t = np.eye(4)[y] * 0.9 + 0.025  # computed from the argument with numpy
            return F.cross_entropy(model(x), Tensor(t))

        return step

    with pytest.raises(JitError, match="cannot follow"):
        lockstep(probs_from_numpy)  # not an op: refused, never baked in as a constant


def test_lr_set_between_calls_and_a_parameter_rebound_or_loaded():
    sizes = (5, 6, 3)
    (m1, o1), (m2, o2) = twins(sizes, np.float32, OPTIMIZERS["adam"])
    eager, step = train_step(m1, o1), jit(train_step(m2, o2))
    rng = np.random.default_rng(4)
    for i, (x, y) in enumerate(batches(rng, 5, 3, np.float32, [4] * 12)):
        if i == 5:
            for o in (o1, o2):
                o.lr = 0.3
        if i == 7:  # rebinding .data: read afresh, not the stale array
            for m in (m1, m2):
                m[0].weight.data = m[0].weight.data * 0.5
        if i == 9:
            state = m1.state_dict()
            m1.load_state_dict(state)
            m2.load_state_dict(state)
        assert same(eager(Tensor(x), y).data, step(Tensor(x), y).data)
        assert_same_state(m1, o1, m2, o2, f"call {i}")
    assert step.traces == 2


def test_freezing_or_adding_a_parameter_traces_again():
    sizes = (5, 6, 3)
    (m1, o1), (m2, o2) = twins(sizes, np.float64, OPTIMIZERS["sgd"])
    eager, step = train_step(m1, o1), jit(train_step(m2, o2))
    rng = np.random.default_rng(5)
    extra = [Tensor(np.ones(2), requires_grad=True) for _ in range(2)]
    for i, (x, y) in enumerate(batches(rng, 5, 3, np.float64, [4] * 12)):
        if i == 4:
            m1[0].bias.requires_grad_(False)
            m2[0].bias.requires_grad_(False)
            m1[0].bias.grad = m2[0].bias.grad = None
        if i == 8:
            o1.params.append(extra[0])
            o1.state.append({})
            o2.params.append(extra[1])
            o2.state.append({})
        assert same(eager(Tensor(x), y).data, step(Tensor(x), y).data)
        assert_same_state(m1, o1, m2, o2, f"call {i}")
    assert step.traces == 6  # three programs, each traced and verified


def test_an_optimizer_parameter_replaced_in_its_list_traces_again():
    # opt.params[0] = other: the same list of the same length, so the replay's check of
    # the list passed and it went on updating the old tensor (layer 0's weight), which the
    # eager step no longer touches, until the next re-verification (call 16 here)
    sizes = (5, 6, 3)
    (m1, o1), (m2, o2) = twins(sizes, np.float64, OPTIMIZERS["sgd"])
    eager, step = train_step(m1, o1), jit(train_step(m2, o2))
    rng = np.random.default_rng(5)
    for i, (x, y) in enumerate(batches(rng, 5, 3, np.float64, [4] * 12)):
        if i == 9:  # a replayed call, not one due for re-verification
            o1.params[0] = Tensor(np.ones((6, 5)), requires_grad=True)
            o2.params[0] = Tensor(np.ones((6, 5)), requires_grad=True)
        assert same(eager(Tensor(x), y).data, step(Tensor(x), y).data)
        assert_same_state(m1, o1, m2, o2, f"call {i}")
    assert step.traces == 4  # two programs, each traced and verified


@pytest.mark.parametrize("change", ["frozen", "dtype"])
def test_a_parameter_changed_just_before_a_re_verification_traces_again(change):
    # calls 4, 8, 16, ... of a signature re-verify the replay against the eager step; a
    # change the replay's own checks see (a parameter frozen, or rebound to another
    # dtype) made just before one of them used to refuse the signature for good (a
    # JitError blaming unguarded Python state) instead of tracing again as on other calls
    sizes = (5, 6, 3)
    (m1, o1), (m2, o2) = twins(sizes, np.float64, OPTIMIZERS["sgd"])
    eager, step = train_step(m1, o1), jit(train_step(m2, o2))
    rng = np.random.default_rng(5)
    for i, (x, y) in enumerate(batches(rng, 5, 3, np.float64, [4] * 10)):
        if i == 3:  # the 4th call: due for re-verification
            for m in (m1, m2):
                if change == "frozen":
                    m[0].bias.requires_grad_(False)
                    m[0].bias.grad = None
                else:
                    m[0].bias.data = m[0].bias.data.astype(np.float32)
        assert same(eager(Tensor(x), y).data, step(Tensor(x), y).data)
        assert_same_state(m1, o1, m2, o2, f"call {i}")
    assert step.traces == 4  # two programs, each traced and verified


def test_bad_labels_on_replay_raise_the_eager_error():
    (_, _), (m2, o2) = twins((4, 3), np.float32, OPTIMIZERS["sgd"])
    step = jit(train_step(m2, o2))
    x = Tensor(np.ones((2, 4), np.float32))
    for _ in range(3):
        step(x, np.array([0, 2]))
    assert step.replays == 2
    for bad, shown in ((np.array([0, 3]), "3"), (np.array([-1, 0]), "-1")):
        with pytest.raises(ValueError, match=f"label {shown} is out of range for 3 classes"):
            step(x, bad)


# every form of cross_entropy (the fused node; Index over log_softmax for the others) and of
# nll_loss ("nll": its reduction), every integer dtype of the labels and each way a label
# leaves [0, K): what the eager step refuses
CE_FORMS = (
    {},
    {"reduction": "sum"},
    {"reduction": "none"},
    {"label_smoothing": 0.25},
    {"nll": "mean"},
    {"nll": "sum"},
    {"nll": "none"},
)
LABEL_DTYPES = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)


def _bad_labels(dtype: Any, classes: int) -> list[Any]:
    """Labels for a batch of 2 with one outside [0, classes): -1, K, the dtype's extremes."""
    info = np.iinfo(dtype)
    values = {classes, int(info.max)} | ({-1, int(info.min)} if info.min < 0 else set())
    return [np.array([0, v], dtype=dtype) for v in sorted(values)]


def _ce_step(model: Any, opt: Any, form: dict[str, Any], first: bool) -> Callable[..., Tensor]:
    """loss, zero_grad, backward, step; or zero_grad ``first`` (both common habits)."""

    def loss_of(x: Tensor, y: Any) -> Tensor:
        z = model(x)
        if "nll" in form:
            return F.nll_loss(F.log_softmax(z, axis=1), y, reduction=form["nll"]).sum()
        return F.cross_entropy(z, y, **form).sum()

    return training_step(opt, loss_of, first)


def _outcome(f: Callable[..., Tensor], opt: Any, x: np.ndarray, y: Any) -> tuple[str, Any]:
    try:
        return "ok", f(Tensor(x), y).data.tobytes()
    except ValueError as e:
        opt.step()  # a careless caller: steps with whatever grads there are
        return "ValueError", str(e)


@pytest.mark.parametrize("first", [False, True], ids=["zero_grad-after", "zero_grad-first"])
@pytest.mark.parametrize("form", CE_FORMS, ids=repr)
def test_labels_out_of_range_on_replay_are_refused_as_eagerly_in_every_form(form, first):
    # the forms other than the fused node converted this call's labels on replay without
    # checking their range: -1 (or a uint64 of 2**63 and up) picked the last class's log
    # probability, a silently wrong loss and step, where the eager step raises
    classes = 3
    for dtype in LABEL_DTYPES:
        for bad in _bad_labels(dtype, classes):
            for wrap in (lambda a: a, Tensor):  # labels as an array or as a Tensor
                (m1, o1), (m2, o2) = twins((4, classes), np.float64, OPTIMIZERS["sgd"])
                eager = _ce_step(m1, o1, form, first)
                step = jit(_ce_step(m2, o2, form, first))
                x, good = np.ones((2, 4)), np.array([0, 2], dtype=dtype)
                for i, y in enumerate([good] * 4 + [bad, good]):
                    want, got = _outcome(eager, o1, x, wrap(y)), _outcome(step, o2, x, wrap(y))
                    assert got == want, f"call {i}, labels {y!r}, {form}"
                    assert_same_state(m1, o1, m2, o2, f"call {i}, labels {y!r}, {form}")
                assert step.replays >= 3, (dtype, bad, form)


def test_bad_labels_on_replay_after_zero_grad_leave_the_grads_as_eagerly():
    # zero_grad first: eagerly the grads are None when cross_entropy refuses the labels;
    # the replay skipped that zero_grad (the fused backward sets those grads itself) and
    # kept the last step's grads, which a caller's opt.step() then applied again
    (m1, o1), (m2, o2) = twins((4, 5, 3), np.float64, OPTIMIZERS["sgd"])
    eager, step = zeroing_step(m1, o1), jit(zeroing_step(m2, o2))
    rng = np.random.default_rng(4)
    for i, (x, y) in enumerate(batches(rng, 4, 3, np.float64, [6] * 6)):
        if i == 4:
            y[1] = 3
        for f, opt in ((eager, o1), (step, o2)):
            try:
                f(Tensor(x), y)
            except ValueError:
                opt.step()  # a careless caller: steps with whatever grads there are
        assert_same_state(m1, o1, m2, o2, f"call {i}")
    assert step.replays == 4


def test_zero_grad_before_and_after_the_update_replays():
    # the zero_grad after opt.step() was dropped with the one before the forward (a fused
    # kernel sets those grads, but before it, not after): the replay left the grads set
    # where eagerly they are None, and verification refused the step
    step = lockstep(lambda m, o: zeroing_step(m, o, after=True), opt=OPTIMIZERS["sgd"])
    assert step.replays == 5


def test_no_grad_forward_anomaly_mode_and_kwargs():
    model = tm.nn.MLP(3, [4], 2, np.random.default_rng(6), np.float64)

    @jit
    def predict(x, *, scale):
        with tm.no_grad():
            return F.softmax(model(x) * scale, axis=1)

    rng = np.random.default_rng(7)
    for _ in range(4):
        x = rng.standard_normal((2, 3))
        with tm.no_grad():
            expected = F.softmax(model(Tensor(x)) * 2.0, axis=1)
        assert same(predict(Tensor(x), scale=2.0).data, expected.data)
    assert predict.replays == 3  # the verifying call's and two more
    with tm.detect_anomaly():
        predict(Tensor(x), scale=2.0)  # eagerly, with anomaly checks
    assert predict.replays == 3


def test_a_busy_plan_runs_the_step_eagerly_in_another_thread():
    _, (m2, o2) = twins((4, 3), np.float64, OPTIMIZERS["sgd"])
    step = jit(train_step(m2, o2))
    x, y = Tensor(np.ones((2, 4))), np.array([0, 1])
    for _ in range(3):
        step(x, y)
    results = []
    with step._lock:  # as if another thread were replaying right now
        t = threading.Thread(target=lambda: results.append(step(x, y)))
        t.start()
        t.join()
    assert step.replays == 2 and len(results) == 1  # ran eagerly, no shared buffers


# --- refusals --------------------------------------------------------------------------
def refused(body: Callable[[Any, Any, Tensor, np.ndarray], Any], match: str, calls: int = 3):
    model = tm.nn.MLP(4, [5], 3, np.random.default_rng(8), np.float64)
    opt = SGD(model.parameters(), lr=0.1)
    step = jit(lambda x, y: body(model, opt, x, y))
    rng = np.random.default_rng(9)
    with pytest.raises(JitError, match=match):
        for _ in range(calls):
            step(Tensor(rng.standard_normal((3, 4))), rng.integers(0, 3, 3))


def test_reading_a_value_inside_the_step_is_refused():
    def item(model, opt, x, y):
        loss = F.cross_entropy(model(x), y)
        print(loss.item())
        return loss

    refused(item, r"\.item\(\) inside a jitted step", calls=1)

    def branch(model, opt, x, y):
        loss = F.cross_entropy(model(x), y)
        return loss * 2 if loss > 1 else loss

    refused(branch, r"bool\(tensor\)", calls=1)

    def as_float(model, opt, x, y):
        return float(F.cross_entropy(model(x), y))

    refused(as_float, r"float\(tensor\)", calls=1)

    def data(model, opt, x, y):
        return Tensor(model(x).data.max())

    refused(data, r"\.data inside a jitted step", calls=1)

    def numpy_result(model, opt, x, y):
        return np.asarray(model(x))

    refused(numpy_result, r"numpy\.asarray", calls=1)


def test_a_graph_that_changes_between_calls_is_refused():
    calls = []

    def python_state(model, opt, x, y):
        calls.append(1)
        loss = F.cross_entropy(model(x), y)
        return loss * 2 if len(calls) % 2 else loss  # a different program every other call

    refused(python_state, "different program on two calls")

    def from_numpy(model, opt, x, y):
        w = Tensor(np.sort(y).astype(np.float64))  # computed with numpy: not an op
        return (model(x) * w.reshape(3, 1)).sum()

    refused(from_numpy, "cannot follow")


def test_what_the_replay_cannot_see_is_refused_when_verifying():
    def inplace(model, opt, x, y):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        model[0].weight.data *= 0.5  # an in-place write outside any op
        return loss

    refused(inplace, r"\.data inside a jitted step", calls=1)  # refused at the line

    def returns_float(model, opt, x, y):
        return F.cross_entropy(model(x), y), len(y) * 1.5  # a constant: fine

    model = tm.nn.MLP(4, [5], 3, np.random.default_rng(8), np.float64)
    step = jit(lambda x, y: returns_float(model, None, x, y))
    for _ in range(3):
        assert step(Tensor(np.ones((3, 4))), np.array([0, 1, 2]))[1] == 4.5


def test_unsupported_calls_inside_the_step_are_refused():
    def create_graph(model, opt, x, y):
        loss = F.cross_entropy(model(x), y)
        loss.backward(create_graph=True)
        return loss

    refused(create_graph, "create_graph=True", calls=1)

    def grad(model, opt, x, y):
        loss = F.cross_entropy(model(x), y)
        return tm.grad(loss, model.parameters())[0]

    refused(grad, "tm.grad inside a jitted step", calls=1)

    def new_parameter(model, opt, x, y):
        w = Tensor(np.ones((4, 3)), requires_grad=True)
        loss = F.cross_entropy(x @ w, y)
        loss.backward()
        return loss

    refused(new_parameter, "new tensor that requires grad")


def test_an_argument_with_a_graph_behind_it_is_refused_when_backward_reaches_it():
    # x computed before the call (x = data * scale, scale requiring grad): eagerly,
    # backward() inside the step reaches scale; a replay cannot, so the trace refuses it
    # (it used to fail with a KeyError from deep inside the tracer)
    model = tm.nn.MLP(4, [5], 3, np.random.default_rng(8), np.float64)
    scale = Tensor(np.ones(4), requires_grad=True)

    def step(x, y):
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        return loss

    with pytest.raises(JitError, match="computed before the call"):
        jit(step)(Tensor(np.ones((3, 4))) * scale, np.array([0, 1, 2]))


def test_bad_arguments_and_usage():
    step = jit(lambda x, n: x * n)
    with pytest.raises(TypeError, match="neither a Tensor"):
        step(Tensor(np.ones(2)), [1, 2])
    with pytest.raises(TypeError, match="expects a function"):
        jit(3)
    with pytest.raises(ValueError, match="cache_size"):
        jit(lambda: None, cache_size=0)
    assert jit(cache_size=2)(lambda x: x * 2)(Tensor(np.ones(1))).item() == 2.0


def test_training_with_jit_is_training_without_it():
    from tinygrad_mlp import train

    # SGD with momentum (the default) and Adam; 1438 samples in batches of 64 leave a last
    # batch of 30: a second signature, traced in epochs 1 and 2 and replayed from epoch 3
    for optimizer in ("sgd", "adam"):
        config = train.TrainConfig(epochs=3, hidden=(16,), batch_size=64, optimizer=optimizer)
        eager, jitted = train.run(config, jit=False), train.run(config, jit=True)
        assert eager.history.step_loss == jitted.history.step_loss
        assert eager.history.epochs[-1].test_loss == jitted.history.epochs[-1].test_loss
        for (name, p), q in zip(
            eager.model.named_parameters(), jitted.model.parameters(), strict=True
        ):
            assert same(p.data, q.data), f"{optimizer}: {name} differs after training"


def test_the_train_command_takes_no_jit(capsys):
    from tinygrad_mlp.cli import main

    argv = ["train", "--epochs", "1", "--hidden", "8", "--dataset", "spirals"]
    assert main([*argv, "--no-jit"]) == 0
    eager = capsys.readouterr().out
    assert main(argv) == 0
    jitted = capsys.readouterr().out

    # the same losses and accuracies; only the throughput and timings differ
    def results(text):
        return [
            re.sub(r"[\d,.]+ samples/s", "", line) for line in text.splitlines() if "acc" in line
        ]

    assert results(eager) and results(eager) == results(jitted)


def test_a_hidden_layer_feeding_two_heads_sums_their_gradients_as_eagerly():
    def make(model, opt):
        head = tm.nn.Linear(7, 4, np.random.default_rng(11), np.float64)

        def step(x, y):  # the hidden layer's output gets two gradients: prev + g
            h = F.linear_relu(x, model[0].weight, model[0].bias)
            logits = model[2](h) + head(h) * 0.5
            loss = F.cross_entropy(logits, y) + F.cross_entropy(head(h), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        return step

    for name in ("sgd", "sgd-nesterov-decay", "adam"):
        lockstep(make, opt=OPTIMIZERS[name])


# --- a .grad kept across calls keeps its values, as eagerly ------------------------------


@pytest.mark.parametrize("optimizer", ["sgd", "sgd-momentum", "adam"])
@pytest.mark.parametrize("how", ["history", "taken_then_zeroed"])
def test_a_grad_kept_across_calls_keeps_its_values_as_eagerly(optimizer: str, how: str) -> None:
    # a replay writes its gradients into the same buffers every call; eagerly each call
    # makes new arrays after zero_grad(). A caller that keeps .grad (a history of
    # gradients; a reference taken, then zero_grad() outside the step) must not see the
    # kept array change: the jit traces again with new buffers instead
    worlds = twins((8, 6, 3), np.float64, OPTIMIZERS[optimizer])
    eager, jitted = train_step(*worlds[0]), jit(train_step(*worlds[1]))
    rng = np.random.default_rng(3)
    kept: list[list[np.ndarray]] = [[], []]
    for i, (x, y) in enumerate(batches(rng, 8, 3, np.float64, [5] * 14)):
        for f, (model, opt), mine in zip((eager, jitted), worlds, kept, strict=True):
            f(Tensor(x), y)
            if how == "history" or i in (5, 9):
                mine += [p.grad for p in model.parameters()]
            if how == "taken_then_zeroed":
                opt.zero_grad()  # .grad None again: only the caller holds the array
        assert all(map(same, *kept)), f"call {i}: a kept gradient changed"
    assert_same_state(*worlds[0], *worlds[1], "at the end")


def test_a_step_whose_grads_are_not_kept_still_replays() -> None:
    # the check above costs no retrace when the caller only reads the gradients
    worlds = twins((8, 6, 3), np.float64, OPTIMIZERS["sgd"])
    eager, step = train_step(*worlds[0]), jit(train_step(*worlds[1]))
    rng = np.random.default_rng(4)
    for i, (x, y) in enumerate(batches(rng, 8, 3, np.float64, [5] * 20)):
        eager(Tensor(x), y)
        step(Tensor(x), y)
        norms = [float(np.sum(m.layers[0].weight.grad ** 2)) for m, _ in worlds]  # read only
        assert norms[0] == norms[1], f"call {i}"
    assert step.traces == 2 and step.replays == 19  # the verifying call counts as a replay


# every elementwise loss with its target given as a numpy array (the usual way), each
# reduction, and a target of another dtype (int 0/1 labels for BCE, float32 for float64)
POINTWISE = {
    "mse": lambda z, t, r, s: F.mse_loss(z * s, t, reduction=r),
    "l1": lambda z, t, r, s: F.l1_loss(z * s, t, reduction=r),
    "huber": lambda z, t, r, s: F.huber_loss(z * s, t, reduction=r, delta=0.5),
    "smooth_l1": lambda z, t, r, s: F.smooth_l1_loss(z * s, t, reduction=r, beta=0.5),
    "bce": lambda z, t, r, s: F.binary_cross_entropy(z.sigmoid() * s, t, reduction=r),
    "bce_logits": lambda z, t, r, s: F.binary_cross_entropy_with_logits(z * s, t, reduction=r),
}


@pytest.mark.parametrize("bad", ["nan-target", "large-input"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("loss", POINTWISE)
def test_elementwise_losses_with_array_targets_replay_exactly(loss, reduction, bad):
    # the target lifted to a Tensor inside the loss (functional/pointwise_losses.py: _pair)
    # was not reported to the tracer, so the jit refused every such step, blaming the step
    # for "values the trace cannot follow"; on a replayed call, a NaN target or BCE's input
    # outside [0, 1] (probabilities doubled) is refused as eagerly: those checks ran in
    # Python before the op, never on a replay, which gave a NaN loss and NaN parameters
    fn = POINTWISE[loss]

    def make(model: Any, opt: Any) -> Callable[..., Tensor]:
        return training_step(opt, lambda x, t, s: fn(model(x), t, reduction, s).sum(), True)

    (m1, o1), (m2, o2) = twins((4, 5, 3), np.float64, OPTIMIZERS["sgd-momentum"])
    eager, step = make(m1, o1), jit(make(m2, o2))
    rng = np.random.default_rng(3)
    for i in range(10):
        x = rng.standard_normal((6, 4))
        t = rng.random((6, 3)) if loss.startswith("bce") else rng.standard_normal((6, 3))
        t = (t > 0.5).astype(np.int64) if loss == "bce" and i % 2 else t
        s = 1.0
        if i == 8:  # a replayed call in both signatures (calls 4 and 8 re-verify eagerly)
            if bad == "nan-target":
                t[0, 0] = np.nan  # BCE refuses it; the others give NaN, eagerly as replayed
            else:
                s = 2.0  # BCE's probabilities above 1 where sigmoid(z) > 1/2
        outs = []
        for f, o in ((eager, o1), (step, o2)):
            try:
                outs.append(f(Tensor(x), t, Tensor(np.array(s))).data.tobytes())
            except ValueError as e:
                o.step()  # a careless caller
                outs.append(str(e).encode())
        assert outs[0] == outs[1], f"call {i}"
        assert_same_state(m1, o1, m2, o2, f"call {i}")
    assert step.replays >= 5


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_a_minus_inf_logit_under_a_zero_target_on_a_replay_is_masked_as_eagerly(reduction):
    # 0 log 0 counts as 0 where a logit is -inf: the mask was a Python branch taken only when
    # the data had such an entry, so a step traced without one replayed a call with one
    # unmasked (0 * -inf = NaN in the loss and every gradient) where the eager step is finite
    def step(z: Tensor, t: Tensor) -> Tensor:
        loss = F.cross_entropy(z, t, reduction=reduction).sum()
        loss.backward()
        return loss

    jitted = jit(step)
    rng = np.random.default_rng(8)
    for i in range(12):
        z, p = rng.standard_normal((3, 4)), rng.random((3, 4))
        if i in (6, 9, 10):  # replayed calls only (4 and 8 re-verify eagerly)
            z[0, i % 4], p[0, i % 4] = -np.inf, 0.0
        p /= p.sum(axis=1, keepdims=True)
        outs = []
        for f in (step, jitted):
            zt, t = Tensor(z, requires_grad=True), Tensor(p, requires_grad=True)
            loss = f(zt, t)
            outs.append((loss.data.tobytes(), zt.grad.tobytes(), t.grad.tobytes()))
        assert outs[0] == outs[1], f"call {i}"
        assert np.isfinite(np.frombuffer(outs[0][0])).all()
    assert jitted.replays >= 8


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_a_soft_target_with_a_zero_on_a_replay_gets_its_gradient_as_eagerly(reduction):
    # cross_entropy masked its log-probabilities only when the target had a zero, a branch
    # taken in Python: a step traced without one replayed a call with one unmasked, so the
    # target's .grad there (and from then on) differed from the eager step's
    def make(model: Any, opt: Any) -> Callable[..., Tensor]:
        def loss_of(x: Tensor, t: Tensor) -> Tensor:
            return F.cross_entropy(model(x), t, reduction=reduction).sum()

        return training_step(opt, loss_of, True)

    (m1, o1), (m2, o2) = twins((4, 5, 3), np.float64, OPTIMIZERS["sgd"])
    eager, step = make(m1, o1), jit(make(m2, o2))
    rng = np.random.default_rng(6)
    for i in range(8):
        x, p = rng.standard_normal((6, 4)), rng.random((6, 3)) + 0.1
        if i == 5:  # a replayed call
            p[0, 0] = 0.0
        p /= p.sum(axis=1, keepdims=True)
        grads = []
        for f in (eager, step):
            t = Tensor(p, requires_grad=True)
            grads.append((f(Tensor(x), t).data.tobytes(), t.grad.tobytes()))
        assert grads[0] == grads[1], f"call {i}"
        assert_same_state(m1, o1, m2, o2, f"call {i}")
    assert step.replays >= 5
