"""Values that reach a jitted step by paths a plain global/closure guard does not see.

Each was found replaying stale (the traced value, until the next re-verification) and is
now guarded: a method or property of a user object the step calls, a setting of a model
read inside its ``forward``, the attributes of an object passed as an argument, an element
of a small table of numbers (a list or dict) read by an index; arrays mutated in place are
read live. Every test runs the step eagerly and jitted on twin
worlds in lockstep over many calls, changing the value after the plan is replaying (and
between re-verifications: calls 5-7, 9-15, ...), and compares bit for bit after each
call: the replay runs the same numpy arithmetic, so no tolerance applies.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, jit
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


def test_arrays_mutated_in_place_between_calls_are_read_live():
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
    assert step.traces == 2  # nothing retraced: the arrays are read on every replay


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
