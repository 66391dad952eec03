"""Forward mode with constant operands: a constant's term is skipped, never multiplied.

A constant (a tensor that is not an input of ``tm.jvp``) has tangent zero; forming its term
as partial * 0 gives NaN wherever the partial is not finite (d/db a**b at a < 0, d/dc of
the mean's 1/N-scaled sum when an entry is inf). Rules therefore receive None for it
(``ops/tangents.py``) and every multi-input rule is run here with each operand constant.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import given

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor
from tinygrad_mlp.ops import Op
from tinygrad_mlp.testing.op_tables import ALL_ROWS

from . import strategies as st

# the two tangents are the same sums with the constant's zero term added or left out:
# equal up to the round-off of a few terms (a few ulps each)
EXACT_TOL = 1e-12

ROWS = {row.name: row for row in ALL_ROWS}
_INPUTS = {name: row.inputs(np.random.default_rng(0)) for name, row in ROWS.items()}
MULTI = [
    (name, j)
    for name, xs in _INPUTS.items()
    if sum(x.dtype.kind == "f" for x in xs) >= 2
    for j in range(len(xs))
    if xs[j].dtype.kind == "f"
]


def test_there_are_multi_input_rows():
    assert len({name for name, _ in MULTI}) >= 20


@pytest.mark.parametrize(("name", "j"), MULTI)
@given(seed=st.seeds)
def test_a_constant_operand_gives_the_tangent_of_a_zero_tangent(name, j, seed):
    row = ROWS[name]
    rng = np.random.default_rng(seed)
    xs = row.inputs(rng)
    free = [i for i, x in enumerate(xs) if i != j and x.dtype.kind == "f"]
    vs = {i: rng.standard_normal(xs[i].shape) for i in free}

    def with_constant(*args: Any) -> Any:
        full = [Tensor(x) for x in xs]  # made inside fn: constants, no tangent
        for i, a in zip(free, args, strict=True):
            full[i] = a
        return row.fn(*full)

    _, skipped = tm.jvp(with_constant, [Tensor(xs[i]) for i in free], [vs[i] for i in free])
    everything = [i for i, x in enumerate(xs) if x.dtype.kind == "f"]

    def all_free(*args: Any) -> Any:
        full = [Tensor(x) for x in xs]
        for i, a in zip(everything, args, strict=True):
            full[i] = a
        return row.fn(*full)

    zero = [vs.get(i, np.zeros_like(xs[i])) for i in everything]
    _, zeroed = tm.jvp(all_free, [Tensor(xs[i]) for i in everything], zero)
    scale = 1.0 + float(np.abs(zeroed).max(initial=0.0))
    np.testing.assert_allclose(skipped, zeroed, rtol=0, atol=EXACT_TOL * scale)


class _Spy(Op):
    """x + c, recording the tangents its rule is given."""

    seen: ClassVar[list[Any]] = []

    def forward(self, x: np.ndarray, c: np.ndarray) -> np.ndarray:
        return x + c

    def backward(self, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        return g, g

    def jvp(self, t: Any, inputs: Any, out: np.ndarray) -> np.ndarray:
        _Spy.seen.append(t)
        return t[0]


def test_the_machinery_passes_none_for_a_constant():
    c = Tensor(np.array([np.inf, np.nan]))
    _Spy.seen.clear()
    _, jv = tm.jvp(lambda x: _Spy.apply(x, c), [Tensor(np.ones(2))], [np.ones(2)])
    assert _Spy.seen[0][1] is None
    np.testing.assert_array_equal(jv, [1.0, 1.0])


torch = pytest.importorskip("torch")
tfunc = pytest.importorskip("torch.func")

_X = np.array([-1.5, 2.0, -3.0, 0.5])
_T = np.array([1.0, -2.0, 0.5, 3.0])
# (name, ours, torch's): constants whose partial is inf or NaN at these points
CASES = [
    ("x ** array(2.0), negative base", lambda x: x ** np.array(2.0),
     lambda x: x ** torch.tensor(2.0, dtype=torch.float64)),
    ("x[:, None] ** arange(4)", lambda x: x[:, None] ** np.arange(4),
     lambda x: x[:, None] ** torch.arange(4)),
    ("mean with an infinite entry", lambda x: (x * np.array([1.0, np.inf, 1.0, 1.0])).mean(),
     lambda x: (x * torch.tensor([1.0, np.inf, 1.0, 1.0], dtype=torch.float64)).mean()),
    ("x.mean() with x holding inf", lambda x: (x + np.array([0.0, np.inf, 0.0, 0.0])).mean(),
     lambda x: (x + torch.tensor([0.0, np.inf, 0.0, 0.0], dtype=torch.float64)).mean()),
    ("x * constant holding inf and nan", lambda x: x * np.array([np.inf, 1.0, np.nan, 2.0]),
     lambda x: x * torch.tensor([np.inf, 1.0, np.nan, 2.0], dtype=torch.float64)),
    ("lerp to an infinite constant end", lambda x: x.lerp(np.array([np.inf, 1.0, 0, 2.0]), 0.5),
     lambda x: x.lerp(torch.tensor([np.inf, 1.0, 0, 2.0], dtype=torch.float64), 0.5)),
    ("0 ** x for x < 0 (d/db = inf * log 0 = -inf)",
     lambda x: np.array([0.0, 1.0, 2.0, 0.0]) ** x,
     lambda x: torch.tensor([0.0, 1.0, 2.0, 0.0], dtype=torch.float64) ** x),
    ("where with an infinite constant branch",
     lambda x: tm.Tensor.where(x, x > 0, np.array([np.inf, 1.0, -np.inf, 2.0])) * 2.0,
     lambda x: torch.where(x > 0, x, torch.tensor([np.inf, 1.0, -np.inf, 2.0],
                                                   dtype=torch.float64)) * 2.0),
]  # fmt: skip


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # inf - inf in values
@pytest.mark.parametrize(("name", "ours", "theirs"), CASES, ids=[c[0] for c in CASES])
def test_non_finite_partials_of_constants_do_not_poison_the_tangent_as_torch(name, ours, theirs):
    out, jv = tm.jvp(ours, [Tensor(_X)], [_T])
    t_out, t_jv = tfunc.jvp(theirs, (torch.tensor(_X),), (torch.tensor(_T),))
    np.testing.assert_array_equal(out, t_out.numpy())
    # the same few products either side, each exact or one rounding: 1e-14 relative
    np.testing.assert_allclose(jv, t_jv.numpy(), rtol=1e-14, atol=0)
