"""A hand-written optimizer gets the library's two write protocols from ``Optimizer``.

The protocols: ``engine.writes.writing`` around the update (a parameter a live graph holds
can be written, and that graph's backward then refuses), and the jit's hook (the step is
recorded and replayed by calling it). Two styles of user optimizer are checked: one that
overrides ``step()`` as in torch, one that defines ``update()`` for the template ``step``.
Every comparison is exact (the same bytes): the user's rule ``p.data -= lr * p.grad`` is
the same numpy arithmetic as SGD's ``np.multiply(g, lr, out=buf); p.data -= buf``, and a
replay runs the same numpy calls in the same order as the eager step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, jit
from tinygrad_mlp.engine.saved import MODIFIED
from tinygrad_mlp.engine.writes import writing
from tinygrad_mlp.optim import SGD, Optimizer

from .strategies import SeedNetwork, seed_networks
from .test_jit import same, train_step


class TorchStyle(Optimizer):
    """Overrides step() as a torch user would."""

    def __init__(self, params: Any, lr: float) -> None:
        super().__init__(params)
        self.lr = lr

    def step(self) -> None:  # type: ignore[override]
        for p in self.params:
            if p.grad is not None:
                p.data -= self.lr * p.grad


class UpdateStyle(Optimizer):
    """Defines update(), the template step's hook for the arithmetic."""

    def __init__(self, params: Any, lr: float) -> None:
        super().__init__(params)
        self.lr = lr

    def update(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.data -= self.lr * p.grad


class ClippedSGD(SGD):
    """An SGD subclass whose own step() calls super().step(): one step, not two."""

    def step(self) -> None:  # type: ignore[override]
        for p in self.params:
            if p.grad is not None:
                np.clip(p.grad, -0.05, 0.05, out=p.grad)
        super().step()


class Scheduled(Optimizer):
    """Keeps a step counter and momentum buffers in its own attributes, not in ``state``:
    the learning rate halves every third step."""

    def __init__(self, params: Any, lr: float) -> None:
        super().__init__(params)
        self.lr, self.t = lr, 0
        self.velocity = [np.zeros_like(p.data) for p in self.params]

    def step(self) -> None:  # type: ignore[override]
        self.t += 1
        lr = self.lr * 0.5 ** (self.t // 3)
        for p, v in zip(self.params, self.velocity, strict=True):
            if p.grad is not None:
                v *= 0.5
                v += p.grad
                p.data -= lr * v


STYLES: dict[str, Callable[[list[Tensor]], Optimizer]] = {
    "torch-style": lambda ps: TorchStyle(ps, lr=0.1),
    "update-style": lambda ps: UpdateStyle(ps, lr=0.1),
}
MORE: dict[str, Callable[[list[Tensor]], Optimizer]] = {
    **STYLES,
    "sgd-subclass": lambda ps: ClippedSGD(ps, lr=0.1),
    "own-state": lambda ps: Scheduled(ps, lr=0.1),
}


def model_and(make: Callable[[list[Tensor]], Optimizer], dtype: Any = np.float64) -> Any:
    model = tm.nn.MLP(6, [5], 3, np.random.default_rng(0), dtype)
    return model, make(model.parameters())


def data(rng: np.random.Generator, dtype: Any = np.float64) -> tuple[Tensor, np.ndarray]:
    return Tensor(rng.standard_normal((8, 6)).astype(dtype)), rng.integers(0, 3, 8)


# --- (a) a step while a graph holding the parameters is alive -------------------------------


@pytest.mark.parametrize("style", list(MORE))
def test_a_step_under_a_live_graph_writes_and_that_graph_then_refuses_backward(style):
    model, opt = model_and(MORE[style])
    x, y = data(np.random.default_rng(1))
    F.cross_entropy(model(x), y).backward()
    kept = F.cross_entropy(model(x), y)  # its graph holds every parameter's array
    w = model.parameters()[0]
    assert not w.data.flags.writeable
    before = w.data.copy()
    opt.step()  # no "assignment destination is read-only"
    assert not same(w.data, before)
    assert not w.data.flags.writeable  # read-only again: the graph still holds it
    with pytest.raises(RuntimeError, match=MODIFIED):
        kept.backward()


def test_without_the_protocol_the_same_write_is_refused_by_numpy():
    """The control: the user's loop run outside Optimizer.step meets the read-only array."""
    w = Tensor(np.ones(3), requires_grad=True)
    (w * w).sum().backward()
    kept = (w * w).sum()
    with pytest.raises(ValueError, match="read-only"):
        w.data -= 0.1 * w.grad
    kept.backward()  # nothing was written: the graph is intact


# --- (b) a normal loop: the same bits as SGD ---------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("style", list(STYLES))
def test_a_training_loop_is_bit_for_bit_sgd(style, dtype):
    m1, o1 = model_and(lambda ps: SGD(ps, lr=0.1), dtype)
    m2, o2 = model_and(STYLES[style], dtype)
    s1, s2 = train_step(m1, o1), train_step(m2, o2)
    rng = np.random.default_rng(2)
    for i in range(25):
        x, y = data(rng, dtype)
        assert same(s1(x, y).data, s2(x, y).data), f"step {i}: loss"
        for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
            assert same(p.data, q.data), f"step {i}"


@given(
    seed_networks(max_width=6, max_batch=5),
    hs.floats(1e-3, 2.0),
    hs.sampled_from([TorchStyle, UpdateStyle]),
)
def test_any_seed_network_and_rate_steps_as_sgd_does(
    net: SeedNetwork, lr: float, style: type[Optimizer]
) -> None:
    models = []
    for make in (lambda ps: SGD(ps, lr=lr), lambda ps: style(ps, lr=lr)):  # type: ignore[call-arg]
        model = tm.nn.MLP(net.sizes[0], net.sizes[1:-1], net.sizes[-1], dtype=np.float64)
        model.load_state_dict(net.state_dict)
        models.append((model, train_step(model, make(model.parameters()))))
    for i in range(3):
        for _, step in models:
            step(Tensor(net.x), net.target)
        (m1, _), (m2, _) = models
        for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
            assert same(p.data, q.data), f"step {i}"


def test_a_subclass_calling_super_step_steps_once():
    """ClippedSGD's step and SGD's template both run the protocols: only the outer one acts."""
    w = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    w.grad = np.array([0.5, -0.01])
    ClippedSGD([w], lr=1.0).step()
    assert same(w.data, np.array([1.0 - 0.05, -1.0 + 0.01]))


# --- (c) under tm.jit: exact replay, compared with an eager copy over many steps -------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("style", list(MORE))
def test_a_jitted_step_replays_a_user_optimizer_exactly(style, dtype):
    m1, o1 = model_and(MORE[style], dtype)
    m2, o2 = model_and(MORE[style], dtype)
    eager, step = train_step(m1, o1), jit(train_step(m2, o2))
    rng = np.random.default_rng(3)
    for i in range(40):  # verifying calls at 2, then rechecks at 4, 8, 16 and 32
        x, y = data(rng, dtype)
        assert same(eager(x, y).data, step(x, y).data), f"call {i}: loss"
        for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
            assert same(p.data, q.data), f"call {i}: data"
            assert same(p.grad, q.grad), f"call {i}: grad"
    assert step.replays >= 30  # replayed, not run eagerly every time
    if isinstance(o1, Scheduled):  # the counter advanced once per call, not twice
        assert o1.t == o2.t == 40
        assert all(same(a, b) for a, b in zip(o1.velocity, o2.velocity, strict=True))


def test_rebinding_data_in_a_jitted_optimizer_step_is_refused():
    class Rebinds(TorchStyle):
        def step(self) -> None:  # type: ignore[override]
            for p in self.params:
                p.data = p.data - self.lr * p.grad

    model, opt = model_and(lambda ps: Rebinds(ps, lr=0.1))
    step = jit(train_step(model, opt))
    with pytest.raises(tm.JitError, match=r"rebind \.data"):
        step(*data(np.random.default_rng(4)))


# --- (d) an exception inside the update relocks the arrays ---------------------------------


class Fails(Optimizer):
    def update(self) -> None:
        self.params[0].data -= 1.0
        raise ArithmeticError("boom")


@pytest.mark.parametrize("style", ["update", "torch"])
def test_an_exception_inside_the_update_relocks_the_held_arrays(style):
    cls: type[Optimizer] = Fails
    if style == "torch":

        class FailsInStep(Optimizer):
            def step(self) -> None:  # type: ignore[override]
                self.params[0].data -= 1.0
                raise ArithmeticError("boom")

        cls = FailsInStep
    w = Tensor(np.ones(2), requires_grad=True)
    kept = (w * w).sum()
    opt = cls([w])
    with pytest.raises(ArithmeticError, match="boom"):
        opt.step()
    assert not w.data.flags.writeable  # the graph still holds it: read-only again
    with pytest.raises(ValueError, match="read-only"):
        w.data[0] = 5.0
    with pytest.raises(RuntimeError, match=MODIFIED):  # the version moved with the write
        kept.backward()
    assert opt._stepping is False  # a later step runs the protocols again


def test_writing_relocks_on_an_exception_and_leaves_free_arrays_alone():
    w, free = Tensor(np.ones(2), requires_grad=True), np.ones(2)
    kept = (w * w).sum()
    with pytest.raises(KeyError), writing([w.data, free]):
        assert w.data.flags.writeable
        raise KeyError("x")
    assert not w.data.flags.writeable and free.flags.writeable
    # the version moves on entry (a write was announced, as torch counts an in-place call)
    with pytest.raises(RuntimeError, match=MODIFIED):
        kept.backward()


def test_an_optimizer_without_an_update_names_what_to_define():
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"defines update\(\).*or overrides step\(\)"):
        Optimizer([w]).step()


def test_step_with_a_closure_returns_its_loss_as_torch():
    w = Tensor(np.array([1.0]), requires_grad=True)
    opt = SGD([w], lr=0.25)

    def closure() -> Tensor:
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with tm.no_grad():  # as torch, the closure runs with grad mode on
        loss = opt.step(closure)
    assert loss.item() == 1.0 and same(w.data, np.array([0.5]))
    assert opt.step() is None
