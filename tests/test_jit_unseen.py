"""Values that reach a jitted step by paths a plain global/closure guard does not see.

Each was found replaying stale (the traced value, until the next re-verification) and is
now guarded: a method or property of a user object the step calls, a setting of a model
read inside its ``forward``, the attributes of an object passed as an argument, an element
of a small table of numbers (a list or dict) read by an index, a small numpy array edited
in place (guarded by its bytes; a larger one is read live where it is an operand). Every
test runs the step eagerly and jitted on twin worlds in lockstep over many calls, changing
the value after the plan is replaying (and between re-verifications: calls 5-7, 9-15,
...), and compares bit for bit after each call: the replay runs the same numpy arithmetic,
so no tolerance applies.
"""

from __future__ import annotations

import random
import time
from random import random as random_draw
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, jit
from tinygrad_mlp.jit import JitError
from tinygrad_mlp.nn import Module

from .test_jit_sound import assert_same_world, data, lockstep, same_out, train, world

CHANGES = (5, 9, 13, 21)  # calls between the re-verifications of calls 4, 8, 16, 32


def test_a_number_read_inside_a_method_of_a_user_object():
    class Schedule:
        def __init__(self) -> None:
            self.t = 0.0

        def value(self) -> float:
            return self.scale() * self.t

        def scale(self) -> float:  # a method the method calls: followed too
            return self.base

        base = 1.0

    def make(w):
        w.sched = Schedule()

        def step(x, y):
            loss = F.cross_entropy(w.model(x), y) * (1.0 + w.sched.value())
            train(w, loss)
            return loss

        return step

    def change(i, w):
        if i in CHANGES:
            w.sched.t = 0.1 * i

    step = lockstep(make, calls=26, change=change)
    assert step.traces == 2 * (1 + len(CHANGES)) and step.rechecks > 0


def test_a_number_read_by_a_property():
    class Warmup:
        def __init__(self) -> None:
            self.step = 0

        @property
        def lam(self) -> float:
            return min(1.0, self.step / 10)

    def make(w):
        w.warm = Warmup()

        def step(x, y):
            z = w.model(x)
            loss = F.cross_entropy(z, y) + w.warm.lam * (z * z).mean()
            train(w, loss)
            return loss

        return step

    def change(i, w):
        if i in CHANGES:
            w.warm.step = i

    lockstep(make, calls=26, change=change)


class Tempered(Module):
    """A model whose forward reads a setting of its own (a temperature)."""

    def __init__(self, inner: Module) -> None:
        super().__init__()
        self.inner = inner
        self.temperature = 1.0

    def forward(self, x: Tensor) -> Tensor:
        z = self.inner(x) / self.temperature
        return z if self.training else z * 0.5


def test_a_setting_of_a_model_read_in_its_forward():
    def make(w):
        w.tempered = Tempered(w.model)

        def step(x, y):
            loss = F.cross_entropy(w.tempered(x), y)
            train(w, loss)
            return loss

        return step

    def change(i, w):
        if i in CHANGES[:2]:
            w.tempered.temperature = 1.0 + 0.1 * i
        if i == CHANGES[2]:
            w.tempered.eval()  # training, a class default until now, set on the instance
        if i == CHANGES[3]:
            w.tempered.train()

    lockstep(make, calls=26, change=change)


def test_the_attributes_of_an_object_passed_as_an_argument():
    a, b = world(), world()

    def make(w):
        def step(x, y, cfg):
            loss = F.cross_entropy(w.model(x), y) * (1.0 + cfg.lam) + cfg.table[0] * 0.0
            train(w, loss)
            return loss

        return step

    class Config:  # hashable by identity, as a user's config object is
        def __init__(self, lam: float) -> None:
            self.lam, self.table = lam, (1.0,)

    eager, step = make(a), jit(make(b))
    cfg_a, cfg_b = Config(0.0), Config(0.0)
    for i, (x, y) in enumerate(data(1, 26)):
        if i in CHANGES:
            cfg_a.lam = cfg_b.lam = 0.1 * i
        if i == 17:  # another object with equal attributes: this one's are read
            cfg_a, cfg_b = Config(0.5), Config(0.5)
        if i < 13:
            out_a, out_b = eager(Tensor(x), y, cfg_a), step(Tensor(x), y, cfg_b)
        else:  # passed by keyword: the same guards
            out_a, out_b = eager(Tensor(x), y, cfg=cfg_a), step(Tensor(x), y, cfg=cfg_b)
        assert same_out(out_a, out_b), f"call {i}"
        assert_same_world(a, b, f"call {i}")


def test_small_arrays_mutated_in_place_between_calls_retrace():
    weights: dict[int, Any] = {}

    def make(w):
        w.cw = np.ones(4)  # an attribute array, used as an operand
        table = np.ones(4)  # a closure array, copied into a Tensor inside the step
        weights[id(w)] = table

        def step(x, y):
            z = w.model(x) * w.cw * Tensor(table)
            loss = F.cross_entropy(z, y)
            train(w, loss)
            return loss

        return step

    def change(i, w):
        if i in CHANGES:
            w.cw[i % 4] = 1.0 + 0.1 * i  # in place: the same array object
            weights[id(w)][(i + 1) % 4] = 2.0 - 0.1 * i

    step = lockstep(make, calls=26, change=change)
    # arrays of at most 1024 entries are guarded by their bytes (an element may be read in
    # Python, where no replay would see it): each change retraces, traced and verified anew
    assert step.traces == 2 * (1 + len(CHANGES)) and step.replays > 0


EPOCH = 0
COEFS = [0.0, 0.0, 0.01, 0.02]  # a schedule table, indexed by a global epoch


def test_a_table_of_numbers_indexed_in_python():
    def make(w):
        def step(x, y):
            z = w.model(x)
            loss = F.cross_entropy(z, y) + COEFS[EPOCH] * (z * z).mean() + w.lams[-1] * 0.0
            train(w, loss)
            return loss

        w.lams = [0.0]
        return step

    global EPOCH
    try:

        def change(i, w):
            global EPOCH
            if i in CHANGES[:2]:
                EPOCH = CHANGES.index(i) + 2  # 2, then 3: another element of the same list
            if i == CHANGES[2]:
                COEFS[3] = 0.05  # edited in place: the list object is the same
            if i == CHANGES[3]:
                w.lams.append(0.5)

        lockstep(make, calls=26, change=change)
    finally:
        EPOCH, COEFS[3] = 0, 0.02


def test_an_attribute_read_through_a_local_alias_or_a_list_item():
    def make(w):
        w.cfg = SimpleNamespace(sched=SimpleNamespace(lam=0.0))
        w.heads = [SimpleNamespace(scale=1.0)]

        def step(x, y):
            s = w.cfg.sched  # a local alias: s.lam is w.cfg.sched.lam
            z = w.model(x) * w.heads[0].scale  # an attribute of a list's item
            loss = F.cross_entropy(z, y) * (1.0 + s.lam)
            train(w, loss)
            return loss

        return step

    def change(i, w):
        if i in CHANGES[:2]:
            w.cfg.sched.lam = 0.1 * i
        if i == CHANGES[2]:
            w.heads[0].scale = 2.0
        if i == CHANGES[3]:
            w.heads[0] = SimpleNamespace(scale=0.5)  # the item replaced in the same list

    lockstep(make, calls=26, change=change)


# --- found by an outside review: a change undone before the next re-verification --------
# A re-verification (calls 4, 8, 16, ...) only sees a change that is still there; a value
# that changes on calls 5-6 and is back by call 8 was replayed stale and never reported.
PULSE = (5, 6, 10)  # calls between re-verifications; the value is back on the call after


def test_an_element_of_a_global_numpy_array_changed_and_changed_back():
    coef = np.array([1.0, 0.5])  # read in Python: float(coef[0]); guarded by its bytes

    def make(w):
        def step(x, y):
            loss = F.cross_entropy(w.model(x), y) * float(coef[0])
            train(w, loss)
            return loss

        return step

    def change(i, w):
        if w is worlds[0]:  # one array for both twins: set once per call
            coef[0] = 3.0 if i in PULSE else 1.0

    worlds: list[Any] = []

    def make_both(w):
        worlds.append(w)
        return make(w)

    step = lockstep(make_both, calls=20, change=change)
    assert step.replays > 0 and step.traces > 2  # it replays, and retraced on each change


def test_a_class_attribute_read_through_an_instance_changed_and_changed_back():
    class Config:
        lam = 0.0  # a class attribute: not in the instance's __dict__

    def make(w):
        w.cfg = Config()

        def step(x, y):
            z = w.model(x)
            loss = F.cross_entropy(z, y) + w.cfg.lam * (z * z).mean()
            train(w, loss)
            return loss

        return step

    def change(i, w):
        if i in PULSE:
            Config.lam = 0.5
        elif i == 12:
            w.cfg.lam = 0.25  # now shadowed by the instance: read from there
        else:
            Config.lam = 0.0

    step = lockstep(make, calls=20, change=change)
    assert step.replays > 0


@pytest.mark.parametrize(
    "source",
    ["random.Random", "random module", "from random import", "numpy Generator", "np.random",
     "time"],
)  # fmt: skip
def test_a_value_drawn_in_python_is_refused_at_the_trace(source):
    r, g = random.Random(3), np.random.default_rng(3)
    draw = {
        "random.Random": lambda: r.random(),
        "random module": lambda: random.random(),
        "from random import": lambda: random_draw(),
        "numpy Generator": lambda: float(g.random()),
        "np.random": lambda: float(np.random.rand()),
        "time": lambda: time.time() % 1.0,
    }[source]
    w = world()

    def step(x, y):
        keep = 1.0 if draw() > 0.15 else 0.0  # stochastic depth, drawn in Python
        loss = F.cross_entropy(w.model(x), y) * keep
        train(w, loss)
        return loss

    (x, y), *_ = data(1, 1, True, np.float64)
    with pytest.raises(JitError, match="drawn in Python"):
        jit(step)(Tensor(x), y)


def test_all_and_any_masks_replay_live():
    def make(w):
        def step(x, y):
            z = w.model(x)
            rows = (z > 0).all(dim=1, keepdim=True)  # recorded ops, not values made in Python
            cols = (z < 0.3).any(0)
            loss = F.cross_entropy(z * rows + z * cols, y)
            train(w, loss)
            return loss

        return step

    step = lockstep(make, calls=20)
    assert step.replays > 0


class _Pulsed:
    """The Python state a pulse changes: each source the step may read a number from."""

    klass = 0.0  # a class attribute, read through an instance

    def __init__(self) -> None:
        self.arr = np.zeros(3)  # an element read in Python: float(arr[1])
        self.table = [0.0, 0.0]  # a small list of numbers, an item read by a constant
        self.attr = 0.0


@settings(max_examples=30)
@given(
    source=hs.sampled_from(["array", "class", "table", "attribute"]),
    start=hs.integers(2, 14),
    width=hs.integers(1, 3),
    fixed=hs.booleans(),
)
def test_a_pulse_in_the_python_state_a_step_reads_replays_exactly(source, start, width, fixed):
    """A value changed for ``width`` calls from call ``start`` on, then changed back: any
    call of the pulse may fall between two re-verifications (4, 8, 16), where only a guard
    can see it."""
    state = _Pulsed()
    read = {
        "array": lambda: float(state.arr[1]),
        "class": lambda: state.klass,
        "table": lambda: state.table[1],
        "attribute": lambda: state.attr,
    }[source]

    def make(w):
        def step(x, y):
            z = w.model(x)
            loss = F.cross_entropy(z, y) + read() * (z * z).mean()
            train(w, loss)
            return loss

        return step

    def set_to(v: float) -> None:
        if source == "array":
            state.arr[1] = v
        elif source == "class":
            _Pulsed.klass = v
        elif source == "table":
            state.table[1] = v
        else:
            state.attr = v

    def change(i, w):
        if w is seen[0]:  # one state for both twins: set once per call
            set_to(0.5 if start <= i < start + width else 0.0)

    seen: list[Any] = []

    def make_both(w):
        seen.append(w)
        return make(w)

    try:
        step = lockstep(make_both, calls=20, change=change, fixed=fixed)
    finally:
        _Pulsed.klass = 0.0
    assert step.replays > 0
