"""tm.jit's guards: a call the plan was not made for is never replayed by it.

Each test replays a step several times (so that the generated entry is in use), then
makes the one change a guard exists for, and requires the result to be the eager twin's,
bit for bit, or the eager error. Each kills a realistic slip in the guards (listed in
scripts/mutants.py): the entry not checking a Tensor argument's dtype, a numpy argument's
shape or grad mode; the signature key ignoring dtypes; a parameter rebound to another
dtype accepted as a mere rebinding.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, jit
from tinygrad_mlp.optim import SGD, Adam

from .strategies import seeds
from .test_jit_sound import (
    BATCH,
    SIZES,
    _Faulty,
    assert_same_world,
    opts,
    same,
    same_out,
    train,
)


def twins(dtype: Any = np.float64, seed: int = 0) -> tuple[Any, Any]:
    out = []
    for _ in range(2):
        model = tm.nn.MLP(SIZES[0], [SIZES[1]], SIZES[2], np.random.default_rng(seed), dtype)
        opt = SGD(model.parameters(), lr=0.1)
        out.append(SimpleNamespace(model=model, opt=opt, rng=np.random.default_rng(seed)))
    return out[0], out[1]


def make_train(w: Any):
    def step(x, y):
        loss = F.cross_entropy(w.model(x), y)
        train(w, loss)
        return loss

    return step


def warmed(seed: int) -> tuple[Any, Any, Any, Any, np.random.Generator]:
    """Eager and jitted twins of the plain step, six calls in (traced, verified, replayed),
    each compared bit for bit; with the generator for the next batches."""
    a, b = twins()
    eager, step = make_train(a), jit(make_train(b))
    rng = np.random.default_rng(seed)
    for i in range(6):
        x, y = batch(rng)
        assert same(eager(x, y).data, step(x, y).data), f"call {i}"
    return a, b, eager, step, rng


def batch(rng: np.random.Generator, dtype: Any = np.float64, b: int = BATCH):
    return Tensor(rng.standard_normal((b, SIZES[0])).astype(dtype)), rng.integers(0, SIZES[2], b)


def test_a_tensor_argument_of_another_dtype_is_a_new_signature():
    a, b = twins(np.float32)
    eager, step = make_train(a), jit(make_train(b))
    rng = np.random.default_rng(0)
    # float32 calls (replayed), then float64 inputs of the same shape, alternating too
    for i, dtype in enumerate([np.float32] * 5 + [np.float64] * 4 + [np.float32, np.float64] * 3):
        x, y = batch(rng, dtype)
        assert same(eager(x, y).data, step(Tensor(x.data), y).data), f"call {i}"
        assert_same_world(a, b, f"call {i}")
    assert step.replays >= 8


def test_a_numpy_argument_of_another_shape_gets_the_eager_error():
    a, b = twins()
    eager, step = make_train(a), jit(make_train(b))
    rng = np.random.default_rng(1)
    for _ in range(5):
        x, y = batch(rng)
        assert same(eager(x, y).data, step(x, y).data)
    x, _ = batch(rng)
    for bad in (np.array([0, 1, 2, 3]), np.array([[0, 1, 2, 3, 0]])):
        with pytest.raises(ValueError, match="integer labels must have shape") as want:
            eager(x, bad)
        with pytest.raises(ValueError) as got:
            step(x, bad)
        assert str(got.value) == str(want.value)
    assert_same_world(a, b, "after the bad labels")


def test_grad_mode_is_part_of_the_signature():
    a, b = twins()
    eager, step = make_train(a), jit(make_train(b))
    rng = np.random.default_rng(2)
    for _ in range(5):
        x, y = batch(rng)
        assert same(eager(x, y).data, step(x, y).data)
    x, y = batch(rng)
    with tm.no_grad():
        with pytest.raises(RuntimeError, match="does not require grad"):
            eager(x, y)
        with pytest.raises(RuntimeError, match="does not require grad"):
            step(x, y)  # never the training replay: nothing may change
    assert_same_world(a, b, "after the no_grad call")

    def make_eval(w):
        def evaluate(x, y):
            return F.cross_entropy(w.model(x), y), w.model(x).argmax(1)

        return evaluate

    ev_a, ev_b = make_eval(a), jit(make_eval(b))
    for i in range(12):  # grad mode toggled on every other call
        x, y = batch(rng)
        if i % 2:
            with tm.no_grad():
                ra, rb = ev_a(x, y), ev_b(x, y)
        else:
            ra, rb = ev_a(x, y), ev_b(x, y)
        assert same_out(ra, rb)
        if i % 2:  # no graph under no_grad, on either side
            assert not ra[0].requires_grad and not rb[0].requires_grad


def test_a_parameter_rebound_to_another_dtype_traces_again():
    a, b = twins()
    eager, step = make_train(a), jit(make_train(b))
    rng = np.random.default_rng(3)
    for i in range(14):
        if i == 6:
            for w in (a, b):  # float64 weights rebound to float32 ones
                layer = w.model.layers[2]
                layer.weight.data = layer.weight.data.astype(np.float32)
        x, y = batch(rng)
        assert same(eager(x, y).data, step(x, y).data), f"call {i}"
        assert_same_world(a, b, f"call {i}")


def test_the_generated_entry_and_the_general_path_agree_on_every_guard():
    a, b = twins()
    eager, step = make_train(a), jit(make_train(b))
    rng = np.random.default_rng(4)
    # alternating signatures: each call misses the last plan's entry and takes the key
    plan = [BATCH, 3] * 6 + [BATCH] * 3
    for i, n in enumerate(plan):
        x, y = batch(rng, np.float64 if i % 4 < 2 else np.float32, n)
        assert same(eager(x, y).data, step(x, y).data), f"call {i}"
        assert_same_world(a, b, f"call {i}")
    assert step.replays >= 8


# --- randomized: steps assembled from the pieces of issue 18 -----------------------------

LAMS = {"lam": 0.0}
TABLE = [0.0, 0.0]  # a schedule table, edited in place
ARR = np.zeros(2)  # a numpy array whose element the step reads in Python, edited in place


class Sched:
    """A schedule object: the step reads its coefficient through a method or property."""

    klass = 0.0  # a class attribute read through the instance (the "class" piece)

    def __init__(self) -> None:
        self.lam = 0.0  # read by the step itself (the "attribute" piece)
        self.rate = 0.0  # read only inside the method ("method", "property")

    def value(self) -> float:
        return self.rate

    @property
    def coef(self) -> float:
        return self.value()


def _masked(h: Tensor, mask: str) -> Tensor:
    """A ReLU three ways: the op, a recorded comparison as a mask, ``where``."""
    if mask == "relu":
        return h.relu()
    return h * (h > 0) if mask == "gt" else h.where(h > 0, 0)


def _extra_terms(loss: Tensor, z: Tensor, extras: set[str], cw: np.ndarray) -> Tensor:
    """The optional terms: a detached factor, an array attribute the caller edits in place
    between calls (read live), a constant made in the step."""
    if "detach" in extras:
        loss = loss + (z.detach() * z).mean() * 0.1
    if "inplace" in extras:
        loss = loss + (z * cw).mean()
    if "eye" in extras:
        loss = loss + (z * tm.eye(SIZES[2], dtype=np.float64)[:1]).sum() * 0.01
    return loss


def _change(k: int, a: Any, b: Any) -> None:
    """The Python state the step reads, changed ``k`` calls after the first change: each
    source at its own call, so that no guard on one hides a stale read of another."""
    if k == 0:
        LAMS["lam"] = 0.05
    elif k == 1:
        a.sched.lam = b.sched.lam = 0.05
    elif k == 2:
        a.cw[1] = b.cw[1] = 3.0
    elif k == 3:  # a pulse: changed, then back on the next call (a re-verification
        ARR[0] = Sched.klass = 0.05  # only sees a change that is still there)
    elif k == 4:
        ARR[0] = Sched.klass = 0.0
    elif k == 6:  # replaying by then, whatever the first change did
        a.sched.rate = b.sched.rate = TABLE[1] = 0.05


@settings(max_examples=20)
@given(
    seed=seeds,
    mask=hs.sampled_from(["relu", "gt", "where"]),
    coef=hs.sampled_from(
        ["none", "literal", "global", "attribute", "method", "property", "table", "array", "class"]
    ),
    extras=hs.sets(hs.sampled_from(["detach", "dropout", "accuracy", "adam", "eye", "inplace"])),
    fixed=hs.booleans(),
    calls=hs.integers(6, 18),
    change_at=hs.integers(0, 17),
)
def test_random_steps_replay_exactly(seed, mask, coef, extras, fixed, calls, change_at):
    def make(w):
        fc1, fc2 = w.model.layers[0], w.model.layers[2]
        if "adam" in extras:
            w.opt = SGD(fc1.parameters(), lr=0.05, momentum=0.9)
            w.adam = Adam(fc2.parameters(), lr=1e-2)

        def step(x, y):
            h = _masked(fc1(x), mask)
            if "dropout" in extras:
                h = h * (tm.rand(*h.shape, generator=w.rng, dtype=np.float64) > 0.25) / 0.75
            z = fc2(h)
            # every source read on every call (the step's own reads: guarded), one used
            c = {
                "literal": 0.01,
                "global": LAMS["lam"],
                "attribute": w.sched.lam,
                "method": w.sched.value(),
                "property": w.sched.coef,
                "table": TABLE[1],
                "array": float(ARR[0]),
                "class": w.sched.klass,
            }.get(coef)
            loss = F.cross_entropy(z, y)
            if c is not None:
                loss = loss + c * (z * z).mean()
            loss = _extra_terms(loss, z, extras, w.cw)
            train(w, loss)
            if "accuracy" in extras:
                return loss, (z.argmax(1) == y).astype(np.float64).mean()
            return loss

        w.sched, w.cw = Sched(), np.ones(SIZES[2])
        return step

    rng = np.random.default_rng(seed)
    a, b = twins(seed=seed % 1000)
    for w in (a, b):
        w.rng = np.random.default_rng(seed + 1)
    eager, step = make(a), jit(make(b))
    x, y = batch(rng)
    try:
        for i in range(calls):
            _change(i - change_at, a, b)
            if not fixed:
                x, y = batch(rng)
            assert same_out(eager(x, y), step(Tensor(x.data), y)), f"call {i}"
            assert_same_world(a, b, f"call {i}")
    finally:
        LAMS["lam"] = TABLE[1] = ARR[0] = Sched.klass = 0.0


SCALE = 0.5  # a global the step reads: guarded by value in the generated entry


def test_the_generated_entry_replays_without_the_general_path():
    from tinygrad_mlp.jit.entry import MISS

    a, b = twins(np.float32)
    for w in (a, b):
        w.cfg = SimpleNamespace(lam=0.01)

    def make(w):
        def step(x, y, k):
            z = w.model(x)
            loss = F.cross_entropy(z, y) * SCALE + w.cfg.lam * (z * z).mean() * k
            train(w, loss)
            return loss

        return step

    eager, step = make(a), jit(make(b))
    rng = np.random.default_rng(5)
    for i in range(12):
        x, y = batch(rng, np.float32)
        want = eager(x, y, 2)
        if i < 3 or step._fast is None or i in (3, 7):  # traced, verified, re-verified
            got = step(x, y, 2)
        else:  # the entry alone: every check (arguments, guards) passes, no general path
            got = step._fast((x, y, 2))
            assert got is not MISS, f"call {i}: the generated entry refused its own plan"
        assert same(want.data, got.data), f"call {i}"
        assert_same_world(a, b, f"call {i}")


def test_anomaly_mode_runs_the_step_eagerly_and_another_threads_does_not_change_results():
    import threading

    from tinygrad_mlp.jit.entry import MISS

    a, b, eager, step, rng = warmed(6)
    x, y = batch(rng)
    replays = step.replays
    with tm.detect_anomaly():
        assert step._fast is not None and step._fast((x, y)) is MISS  # the entry declines
        assert same(eager(x, y).data, step(x, y).data)
    assert step.replays == replays  # run eagerly, not replayed
    assert_same_world(a, b, "after the call in anomaly mode")
    # anomaly mode on in another thread: this thread's calls still replay, bit for bit
    on, done = threading.Event(), threading.Event()

    def other() -> None:
        with tm.detect_anomaly():
            on.set()
            done.wait(10)

    t = threading.Thread(target=other)
    t.start()
    try:
        on.wait(10)
        for i in range(3):
            x, y = batch(rng)
            assert same(eager(x, y).data, step(x, y).data), f"call {i} beside anomaly mode"
    finally:
        done.set()
        t.join()
    assert step.replays > replays
    assert_same_world(a, b, "after anomaly mode in another thread")


def test_a_replay_under_a_live_graph_updates_through_writing_as_the_eager_step_does():
    # a graph built outside the step holds the weights read-only; the replayed SGD update
    # must unlock them (as SGD.step does), so the results match and that graph then
    # refuses its backward (its saved weights changed), on both sides
    a, b, eager, step, rng = warmed(7)
    x, y = batch(rng)
    held = [F.cross_entropy(w.model(x), y) for w in (a, b)]  # graphs holding the weights
    replays = step.replays
    assert same(eager(x, y).data, step(x, y).data)
    assert step.replays == replays + 1
    assert_same_world(a, b, "after a step under a live graph")
    for loss in held:
        with pytest.raises(RuntimeError, match="modified"):
            loss.backward()


# --- randomized: training loops as users write them (the review's bug classes) -----------

ZERO_AT = ("before", "between", "after", "both")  # where the loop calls zero_grad
EVENTS = ("none", "bad_label", "swap_param", "freeze", "rebind", "keep")


def _loop_step(w: Any, zero_at: str):
    """One training step with zero_grad before the forward, between loss and backward,
    after the update, or both before and after."""

    def step(x, y):
        if zero_at in ("before", "both"):
            w.opt.zero_grad()
        loss = F.cross_entropy(w.model(x), y)
        if zero_at == "between":
            w.opt.zero_grad()
        loss.backward()
        w.opt.step()
        if zero_at in ("after", "both"):
            w.opt.zero_grad()
        return loss

    return step


def _event(kind: str, w: Any) -> None:
    """Between two calls, what a user's loop may do to the model or the optimizer."""
    p = w.model.layers[0].weight
    if kind == "swap_param":  # the list keeps its length: only its item changes
        w.spare = Tensor(p.data * 0.5, requires_grad=True)
        w.opt.params[0] = w.spare
    elif kind == "freeze":
        p.requires_grad_(False)
    elif kind == "rebind":
        p.data = p.data * 0.5


@settings(max_examples=60)
@given(
    seed=seeds,
    zero_at=hs.sampled_from(ZERO_AT),
    event=hs.sampled_from(EVENTS),
    # after the verifying call (a changed program between calls 1 and 2 is refused, as
    # documented); 3, 7, 15: just before a re-verification
    event_at=hs.sampled_from([2, 3, 5, 7, 11, 15]),
    calls=hs.integers(8, 18),
)
def test_random_training_loops_replay_exactly(seed, zero_at, event, event_at, calls):
    # each call on both twins gives the same return, or the same error; after it, the
    # parameters, their grads, the optimizer's state (and a swapped-in tensor) are the same
    a, b = twins(seed=seed % 1000)
    eager, step = _loop_step(a, zero_at), jit(_loop_step(b, zero_at))
    rng = np.random.default_rng(seed)
    for i in range(calls):
        x, y = batch(rng)
        if i == event_at:
            if event == "bad_label":
                y = y.copy()
                y[0] = SIZES[2]  # one past the last class
            else:
                _event(event, a)
                _event(event, b)
        outs = []
        for f, w in ((eager, a), (step, b)):
            try:
                outs.append(f(Tensor(x.data), y))
            except ValueError as e:  # both must refuse, and a careless loop steps anyway
                outs.append(str(e))
                w.opt.step()
        assert same_out(outs[0], outs[1]), f"call {i}: {outs}"
        assert_same_world(a, b, f"call {i}")
        if event == "swap_param" and i >= event_at:
            assert same(a.spare.data, b.spare.data), f"call {i}: the swapped-in tensor"
        if event == "keep" and i >= event_at:  # the loop keeps every call's gradients
            for w in (a, b):
                w.kept = [*getattr(w, "kept", []), *(p.grad for p in w.model.parameters())]
            assert all(map(same, a.kept, b.kept)), f"call {i}: a kept gradient changed"


# --- randomized: custom rules failing on some call, and leaves the step does not own ----

FAILS = ("raise", "user", "count", "bare", "complex")  # how _Faulty's rule fails


def _rule_step(w: Any, zero_at: str, fails: str, table: bool):
    """A step with a custom op between the fused layers whose rule fails (``fails``) once
    the incoming gradient is large; ``table``: a parameter used as logits as well."""
    fc1, fc2 = w.model.layers[0], w.model.layers[2]
    op = type("_Faulty", (_Faulty,), {"how": fails})

    def zero() -> None:
        for o in opts(w):
            o.zero_grad()

    def step(x, y, scale, *params):  # params: the model's own, passed (or not) as well
        if zero_at in ("before", "both"):
            zero()
        loss = F.cross_entropy(fc2(op.apply(fc1(x)).relu()), y) * scale
        if table:
            loss = loss + F.cross_entropy(w.table, y)
        if zero_at == "between":
            zero()
        loss.backward()
        for o in opts(w):
            o.step()
        if zero_at in ("after", "both"):
            zero()
        return loss

    return step


@settings(max_examples=60)
@given(
    seed=seeds,
    zero_at=hs.sampled_from((*ZERO_AT, "never")),
    fails=hs.sampled_from(FAILS),
    fail_at=hs.sampled_from([None, 2, 3, 5, 6, 9, 12]),
    as_args=hs.booleans(),
    table=hs.booleans(),
    keep=hs.booleans(),
    calls=hs.integers(8, 14),
)
def test_random_loops_with_failing_rules_replay_exactly(
    seed, zero_at, fails, fail_at, as_args, table, keep, calls
):
    # each call gives the same return or the same error (type, message, notes) on both
    # twins; after it, parameters, grads, optimizer states, and every .grad the caller
    # kept, are the same. Found: a replay's rule error without the op's name; arguments'
    # and logits' .grad set to a kernel's buffer the next replay overwrote
    a, b = twins(seed=seed % 1000)
    for w in (a, b):
        w.table = Tensor(np.random.default_rng(seed).standard_normal((BATCH, SIZES[2])), True)
        w.table_opt = SGD([w.table], lr=0.1)
        w.kept = []
    eager, step = _rule_step(a, zero_at, fails, table), jit(_rule_step(b, zero_at, fails, table))
    rng = np.random.default_rng(seed)
    for i in range(calls):
        x, y = batch(rng)
        scale = np.array(1e9 if i == fail_at else 1.0)
        outs = []
        for f, w in ((eager, a), (step, b)):
            params = tuple(w.model.parameters()) if as_args else ()
            try:
                outs.append(f(Tensor(x.data), y, Tensor(scale), *params))
            except Exception as e:  # both must fail alike; a careless loop steps anyway
                outs.append(f"{type(e).__name__}: {e} {getattr(e, '__notes__', '')}")
                for o in opts(w):
                    o.step()
            if keep:
                w.kept += [p.grad for p in (*w.model.parameters(), w.table)]
        assert same_out(outs[0], outs[1]), f"call {i}: {outs}"
        assert_same_world(a, b, f"call {i}")
        assert same(a.table.data, b.table.data), f"call {i}: the table"
        assert all(map(same, a.kept, b.kept)), f"call {i}: a kept gradient changed"
