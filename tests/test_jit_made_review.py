"""Second review of what a jitted step makes (6000c88..74dd2ba): cases found from outside.

A tensor wrapping an array argument returned from the step; arguments traced apart then
passed as one (the generated entry replayed them as apart); a copy of an argument, or of
a global array a parameter shares, made after ``opt.step()`` updated it (a replay makes
its copies at its start). Each compares the jitted step with the eager one, call after
call: the same values (bit for bit), or a JitError, at the line, where the jit cannot
follow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, jit
from tinygrad_mlp.jit import JitError

from .test_jit_sound import same


def test_a_tensor_wrapping_an_array_argument_is_returned_as_a_tensor():
    """``return Tensor.from_numpy(x)`` of an array argument: the trace names it as the
    argument, and a replay returned the argument itself, a numpy array, where the eager step
    returns a Tensor sharing it; the check of call 2 then refused the step, saying the
    replay did not match. It is a Tensor sharing the argument's memory, as eagerly."""
    step = jit(lambda x: Tensor.from_numpy(x))
    for i in range(5):
        x = np.random.default_rng(i).standard_normal(3)
        out = step(x)
        assert isinstance(out, Tensor) and not out.requires_grad, f"call {i}"
        assert same(out.numpy(), x) and np.shares_memory(out.numpy(), x), f"call {i}"
    assert (step.traces, step.replays) == (2, 4)


@pytest.mark.parametrize(
    "keywords",
    [pytest.param(False, id="positional"), pytest.param(True, id="keywords")],
)
def test_arguments_traced_apart_then_passed_as_one_are_not_replayed_as_apart(keywords):
    """``step(w, v, x)`` copies ``v`` (``Tensor(v)``) after ``opt.step()`` updated ``w``:
    traced with two tensors, then called with the parameter as both. The general path
    (keywords) traces such a call anew, since which arguments are one array is part of the
    signature; the generated entry (positional) replayed it, copying ``v`` at the start of
    the replay, before the update the eager step copies after: a stale value, silently.
    The entry now checks that arguments traced apart are still apart, and the new trace
    refuses the copy made after the update (which a replay cannot make)."""

    def make() -> tuple[Tensor, Any]:
        w = Tensor(np.arange(3.0), requires_grad=True)
        opt = tm.optim.SGD([w], lr=0.1)

        def step(a: Tensor, v: Tensor, x: np.ndarray) -> Tensor:
            opt.zero_grad()
            (a * x).sum().backward()
            opt.step()
            return Tensor(v) * 1.0

        return w, step

    (w1, eager), (w2, plain) = make(), make()
    step = jit(plain)
    call = (lambda *a: step(a=a[0], v=a[1], x=a[2])) if keywords else step
    for i in range(5):
        x = np.random.default_rng(i).standard_normal(3)
        v = Tensor(np.ones(3), requires_grad=True)
        assert same(eager(w1, v, x).data, call(w2, v, x).data), f"call {i}"
        assert same(w1.data, w2.data), f"call {i}: the parameter differs"
    with pytest.raises(JitError, match="updated it"):
        call(w2, w2, x)


def _updating_step(after: Callable[[Tensor, np.ndarray], Tensor] | None) -> tuple[Tensor, Any]:
    """``step(w, x)``: an SGD step on the argument ``w``, then ``after(w, x)`` returned, or
    (``after`` None) a copy of ``w`` made before ``opt.step()``."""
    w = Tensor(np.arange(3.0).reshape(1, 3) + 5.0, requires_grad=True)
    opt = tm.optim.SGD([w], lr=0.1)

    def step(a: Tensor, x: np.ndarray) -> Tensor:
        opt.zero_grad()
        before = Tensor(a)
        (a * x).sum().backward()
        opt.step()
        return before * 1.0 if after is None else after(a, x)

    return w, step


def _ce_without_grad(a: Tensor, x: np.ndarray) -> Tensor:
    with tm.no_grad():  # the target is then a constant: converted, copied
        return F.cross_entropy(Tensor(x), a, reduction="sum")


@pytest.mark.parametrize(
    "after",
    [lambda a, x: Tensor(a) * 1.0, _ce_without_grad],
    ids=["Tensor(w)", "cross_entropy target without grad"],
)
def test_a_copy_of_an_argument_made_after_an_optimizer_updated_it_is_refused_at_the_trace(after):
    """A replay makes the step's copies of its arguments (``Tensor(w)``, a loss's converted
    target) at its start, so a copy the step makes after ``opt.step()`` updated that
    argument would hold the values from before the update. It was refused on call 2 only,
    as 'the replayed step does not match', naming an in-place write or an optimizer other
    than tinygrad_mlp's; now the first call raises where the copy is read, saying why."""
    w, plain = _updating_step(after)
    step = jit(plain)
    with pytest.raises(JitError, match=r"after an optimizer's step\(\) updated it"):
        step(w, np.ones((1, 3)))


@pytest.mark.parametrize(
    "after",
    [None, lambda a, x: F.cross_entropy(Tensor(x), a, reduction="sum")],
    ids=["Tensor(w) before the update", "cross_entropy target that requires grad"],
)
def test_an_argument_read_after_an_optimizer_updated_it_replays(after):
    """A copy made before ``opt.step()`` (what a replay makes at its start), and a target
    that requires grad (the loss reads the argument itself, live) replay bit for bit."""
    (w1, eager), (w2, plain) = _updating_step(after), _updating_step(after)
    step = jit(plain)
    for i in range(5):
        x = np.random.default_rng(i).standard_normal((1, 3))
        assert same(eager(w1, x).data, step(w2, x).data), f"call {i}"
        assert same(w1.data, w2.data), f"call {i}"
    assert (step.traces, step.replays) == (2, 4)


_SHARED = np.zeros(2000)  # a global array a parameter shares (too large for a bytes guard)


def test_a_copy_of_a_global_array_made_after_an_update_of_a_parameter_sharing_it_is_refused():
    """``Tensor(G)`` after ``opt.step()`` updated a parameter made by ``from_numpy(G)``: a
    replay copies ``G`` at its start, before the update; refused as a copy of an argument
    is, on the first call, not on call 2 as 'does not match'."""
    w = Tensor.from_numpy(_SHARED, requires_grad=True)
    opt = tm.optim.SGD([w], lr=0.1)

    def step(x: np.ndarray) -> Tensor:
        opt.zero_grad()
        (w * x).sum().backward()
        opt.step()
        return Tensor(_SHARED) * 1.0

    with pytest.raises(JitError, match=r"after an optimizer's step\(\) updated it"):
        jit(step)(np.ones(2000))
