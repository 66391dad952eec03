"""tm.detect_anomaly: the first NaN/inf in forward or backward raises FloatingPointError naming
the op and the line of this file that created it; nothing changes on a finite graph; the mode
is per thread and off after its block. And, on or off, an error inside a backward rule names
its op.

Line numbers are read from this file's own frames (``_line()``), never written by hand.
"""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Sequence

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor, nn
from tinygrad_mlp import functional as F
from tinygrad_mlp.ops import Op

from .helpers import run_cli

HERE = "test_anomaly.py"


def _line() -> int:
    """The caller's line number plus one: the line after the call."""
    return sys._getframe(1).f_lineno + 1


def seed_step(anomaly: bool) -> list[np.ndarray]:
    """Gradients of the seed network's loss on a fixed batch, with or without anomaly mode."""
    rng = np.random.default_rng(0)
    model = nn.MLP(6, [5, 4], 3, rng=rng, dtype=np.float64)
    x, y = rng.standard_normal((8, 6)), rng.integers(0, 3, 8)
    if anomaly:
        with tm.detect_anomaly():
            F.cross_entropy(model(Tensor(x)), y).backward()
    else:
        F.cross_entropy(model(Tensor(x)), y).backward()
    return [p.grad for p in model.parameters()]


# --- forward ---------------------------------------------------------------------------


def test_forward_nan_names_op_and_line() -> None:
    x = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    with tm.detect_anomaly(), pytest.raises(FloatingPointError) as info:
        line = _line()
        x.log()  # log(-1) = NaN from a finite input
    msg = str(info.value)
    assert "forward" in msg and "Log" in msg and "NaN" in msg and "(2,)" in msg
    assert f"{HERE}:{line}" in msg


def test_forward_inf_from_a_binary_op() -> None:
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([0.0, 1.0]))
    with tm.detect_anomaly(), pytest.raises(FloatingPointError, match=r"Div .* inf") as info:
        line = _line()
        _ = a / b
    assert f"{HERE}:{line}" in str(info.value) and "(2,), (2,)" in str(info.value)


def test_nan_already_in_the_inputs_is_not_the_first() -> None:
    x = Tensor(np.array([np.nan, 1.0]), requires_grad=True)
    with tm.detect_anomaly():
        y = (x * 2.0).exp()  # NaN in, NaN out: the anomaly lies before this graph
    assert np.isnan(y.data[0])


def test_no_numpy_warning_leaks_while_on() -> None:
    x = Tensor(np.array([0.0]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning would be raised instead
        with tm.detect_anomaly(), pytest.raises(FloatingPointError, match="Log"):
            x.log()


def test_off_keeps_numpy_behaviour() -> None:
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    with pytest.warns(RuntimeWarning):
        y = x.log()
    assert y.data[0] == -np.inf
    with pytest.warns(RuntimeWarning):
        y.sum().backward()  # d/dx log x = 1/x = inf at 0
    assert x.grad[0] == np.inf


# --- backward --------------------------------------------------------------------------


def test_backward_inf_names_op_and_creation_line() -> None:
    x = Tensor(np.array([0.0, 4.0]), requires_grad=True)
    with tm.detect_anomaly():
        line = _line()
        y = x**0.5  # finite forward (0, 2); d/dx = 0.5 x^-0.5 is inf at 0
        loss = (y * 3.0).sum()
        with pytest.raises(FloatingPointError) as info:
            loss.backward()
    msg = str(info.value)
    assert "backward" in msg and "Pow" in msg and "inf" in msg and "(2,)" in msg
    assert f"{HERE}:{line}" in msg


def test_backward_of_a_non_finite_incoming_gradient_is_not_the_first() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with tm.detect_anomaly():
        (x * 2.0).backward(np.array([np.inf, 1.0]))  # inf comes in, inf goes out: no raise
    assert x.grad[0] == np.inf


def test_a_finite_graph_runs_unchanged() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        on = seed_step(anomaly=True)
    off = seed_step(anomaly=False)
    for a, b in zip(on, off, strict=True):
        np.testing.assert_array_equal(a, b)  # the same arithmetic, bit for bit


def test_second_order_under_anomaly_mode() -> None:
    def f(x: Tensor) -> Tensor:
        return (x**3).sum()  # H = diag(6 x)

    x = np.array([1.0, -2.0])
    with tm.detect_anomaly():
        h = tm.hessian(f, x)
    np.testing.assert_array_equal(h, np.diag(6 * x))  # exact: products of small integers


def test_op_recorded_inside_a_rule_says_so() -> None:
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    with tm.detect_anomaly():
        y = (x**0.5).sum()
        with pytest.raises(FloatingPointError, match="backward rule of Pow"):
            tm.grad(y, [x], create_graph=True)  # the rule's own ops are recorded (and checked)


# --- the switch ------------------------------------------------------------------------


def test_off_after_its_block_even_when_it_raised() -> None:
    assert not tm.is_anomaly_enabled()
    with tm.detect_anomaly():
        assert tm.is_anomaly_enabled()
        with tm.detect_anomaly():
            assert tm.is_anomaly_enabled()
        assert tm.is_anomaly_enabled()
    assert not tm.is_anomaly_enabled()
    with pytest.raises(FloatingPointError), tm.detect_anomaly():
        Tensor(np.array([-1.0]), requires_grad=True).log()
    assert not tm.is_anomaly_enabled()


@pytest.mark.parametrize("form", ["bare", "called"])
def test_decorator(form: str) -> None:
    def body() -> bool:
        return tm.is_anomaly_enabled()

    wrapped = tm.detect_anomaly(body) if form == "bare" else tm.detect_anomaly()(body)
    assert wrapped() is True
    assert not tm.is_anomaly_enabled()


def test_per_thread() -> None:
    seen: list[bool] = []
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        inside.wait()
        seen.append(tm.is_anomaly_enabled())
        try:
            with np.errstate(divide="ignore"):  # log(0) here is meant: this thread is off
                Tensor(np.array([0.0]), requires_grad=True).log()
            seen.append(False)  # no FloatingPointError: this thread's ops are not checked
        except FloatingPointError:
            seen.append(True)
        release.set()

    t = threading.Thread(target=other)
    t.start()
    with tm.detect_anomaly():
        inside.set()
        release.wait()
    t.join()
    assert seen == [False, False]
    assert tm.engine.state.anomaly_active == 0  # no thread left with it on


# --- errors raised by a rule name their op, mode on or off --------------------------------


class RowSum(Op):
    """A broken custom op: its backward sums g to one row (the shape of a different input)."""

    def forward(self, a: np.ndarray) -> np.ndarray:
        return a * 2.0

    def backward(self, g: np.ndarray, inputs: Sequence[np.ndarray], out: np.ndarray) -> tuple:
        return (g.sum(axis=0, keepdims=True),)


class OneGrad(Op):
    """A broken custom op: two inputs, one gradient."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a * b

    def backward(self, g: np.ndarray, inputs: Sequence[np.ndarray], out: np.ndarray) -> tuple:
        return (g * inputs[1],)


def test_wrong_shape_from_a_rule_names_the_op() -> None:
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"backward of RowSum \(input shapes \(2, 3\)") as info:
        RowSum.apply(a).sum().backward()
    assert "detect_anomaly" in str(info.value)  # says how to learn where it was created
    assert isinstance(info.value.__cause__, RuntimeError)  # the original stays attached


def test_wrong_count_from_a_rule_names_the_op_and_line_when_on() -> None:
    a = Tensor(np.ones(3), requires_grad=True)
    with tm.detect_anomaly():
        line = _line()
        y = OneGrad.apply(a, a).sum()
        with pytest.raises(ValueError, match=r"OneGrad.*fewer gradients than its 2 inputs") as info:
            y.backward()
    assert f"{HERE}:{line}" in str(info.value)


@pytest.mark.parametrize("create_graph", [False, True])
def test_wrong_count_from_a_rule_is_named_when_off_too(create_graph: bool) -> None:
    # the engine checks the count itself (not through zip's error), on both paths
    a = Tensor(np.ones(3), requires_grad=True)
    y = OneGrad.apply(a, a).sum()
    with pytest.raises(ValueError, match=r"OneGrad.*fewer gradients than its 2 inputs \(1"):
        y.backward(create_graph=create_graph)


class MyError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(f"code {code}")
        self.code = code


class Raises(Op):
    """A custom op whose rule raises the user's own exception type."""

    def forward(self, a: np.ndarray) -> np.ndarray:
        return a + 1.0

    def backward(self, g: np.ndarray, inputs: Sequence[np.ndarray], out: np.ndarray) -> tuple:
        raise MyError(7)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes are Python 3.11+")
def test_a_custom_exception_keeps_its_type_and_gets_a_note() -> None:
    a = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(MyError) as info:
        Raises.apply(a).sum().backward()
    assert info.value.code == 7  # the same object, not rebuilt from a message
    assert any("backward of Raises" in note for note in info.value.__notes__)


# --- tinygrad-mlp train --detect-anomaly ----------------------------------------------------

SPIRALS = ["train", "--dataset", "spirals", "--hidden", "16", "--epochs", "1", "--detect-anomaly"]


def test_train_with_anomaly_mode_trains(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(SPIRALS, capsys)
    assert status == 0 and "test accuracy" in out


def test_train_with_anomaly_mode_names_the_first_overflow(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = run_cli([*SPIRALS, "--lr", "1e30"], capsys)  # weights overflow at step 2
    assert status == 1
    (line,) = [ln for ln in err.splitlines() if "error:" in ln]
    assert "anomaly in" in line and "train/loop.py" in line  # the op and the loop's line
    assert "Traceback" not in err


def test_train_with_anomaly_mode_runs_eagerly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import tinygrad_mlp.train.loop as loop

    seen: dict[str, object] = {}
    real = loop.run

    def spy(*args: object, **kwargs: object) -> object:
        seen.update(kwargs, anomaly=tm.is_anomaly_enabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loop, "run", spy)
    status, _, _ = run_cli(SPIRALS, capsys)
    # a replayed step (tm.jit) never calls Op.apply, so it would bypass every check
    assert status == 0 and seen == {"jit": False, "anomaly": True}
