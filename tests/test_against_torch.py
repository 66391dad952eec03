"""Every op-table row against PyTorch: values and gradients on random float64 inputs, and the
derivative at each kink. Skipped when torch is not installed (it is not a dependency).

A row's function is called on torch tensors as it is whenever it uses only methods and
operators (our names are torch's); :data:`TORCH` holds the torch equivalent of the rows that
call our ``functional`` / ``nn`` or whose torch spelling differs. A row that fits neither
fails with a message naming it, so a new row cannot go unchecked silently.

Tolerances and their reasons:
- VALUE_RTOL = 1e-10 (normwise, with ATOL = 1e-12): two implementations of one function in
  float64 (numpy's libm against torch's own kernels, and composite formulas such as gelu or
  log-sum-exp written differently) differ by a few ulps per operation, ~1e-15 after a dozen
  operations; 1e-10 leaves room for moderate conditioning without hiding a wrong formula,
  which is off by far more.
- Kinks compare at the same tolerance: both sides pick a one-sided value or a fixed number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor
from tinygrad_mlp.testing import assert_grads_close
from tinygrad_mlp.testing.op_tables import ALL_ROWS, OpRow
from tinygrad_mlp.testing.op_tables import core as core_rows
from tinygrad_mlp.testing.op_tables import losses as loss_rows
from tinygrad_mlp.testing.op_tables import shape as shape_rows

from . import strategies as st

torch = pytest.importorskip("torch")
TF = torch.nn.functional

VALUE_RTOL = 1e-10
ATOL = 1e-12

ROWS = {row.name: row for row in ALL_ROWS}
_LABELS = torch.from_numpy(np.asarray(loss_rows._LABELS))


def _f64(a: np.ndarray) -> Any:
    return torch.from_numpy(np.asarray(a))


def _ce_grad(target: Any) -> Callable[..., Any]:
    """CrossEntropyGrad(z, g) = g dE/dz: torch's double backward of its cross-entropy."""

    def fn(z: Any, g: Any) -> Any:
        (d,) = torch.autograd.grad(TF.cross_entropy(z, target), z, create_graph=True)
        return g * d

    return fn


# Row name -> the same function written with torch (rows that call our functional or nn, and
# rows whose torch spelling differs). max/min over an axis use torch.amax/amin: they split
# the gradient among ties as ours does, where torch.max(dim) sends it to one index.
TORCH: dict[str, Callable[..., Any]] = {
    "F.relu": TF.relu,
    "F.sigmoid": torch.sigmoid,
    "softmax": lambda x: x.softmax(-1),
    "F.softmax axis 0": lambda x: TF.softmax(x, 0),
    "log_softmax": lambda x: x.log_softmax(-1),
    "F.log_softmax": lambda x: TF.log_softmax(x, -1),
    "max(axis=-1)": lambda x: x.amax(-1),
    "max(axis=-1) at ties": lambda x: x.amax(-1),
    "max(dim=0, keepdim)": lambda x: x.amax(0, keepdim=True),
    "min(dim=1)": lambda x: x.amin(1),
    "min(-1, keepdims) at ties": lambda x: x.amin(-1, keepdim=True),
    "transpose()": lambda x: x.permute(*reversed(range(x.ndim))),  # torch: 2-D only
    "F.linear": TF.linear,
    "F.linear no bias": TF.linear,
    "F.linear_relu": lambda x, w, b: TF.relu(TF.linear(x, w, b)),
    "F.abs": torch.abs,
    "F.erfc": torch.erfc,
    "maximum at ties": torch.maximum,
    "minimum at ties": torch.minimum,
    "where(c > 0, a, b)": lambda c, a, b: torch.where(c > 0, a, b),
    "F.clamp(min=0.25)": lambda x: torch.clamp(x, min=0.25),
    "F.lerp(weight=0.3)": lambda a, b: torch.lerp(a, b, 0.3),
    "a ** b at a = 0": torch.pow,
    "leaky_relu(0.1)": lambda x: TF.leaky_relu(x, 0.1),
    "nn.LeakyReLU()": TF.leaky_relu,
    "elu(alpha=1.5)": lambda x: TF.elu(x, 1.5),
    "F.selu": TF.selu,
    "celu(alpha=0.7)": lambda x: TF.celu(x, 0.7),
    "gelu": TF.gelu,
    "gelu(approximate='tanh')": lambda x: TF.gelu(x, approximate="tanh"),
    "silu": TF.silu,
    "F.mish": TF.mish,
    "softplus": TF.softplus,
    "softplus(beta=2, threshold=1)": lambda x: TF.softplus(x, 2.0, 1.0),
    "softsign": TF.softsign,
    "hardtanh": TF.hardtanh,
    "F.hardtanh(-0.5, 1.5)": lambda x: TF.hardtanh(x, -0.5, 1.5),
    "relu6": TF.relu6,
    "hardsigmoid": TF.hardsigmoid,
    "hardswish": TF.hardswish,
    "F.logsigmoid": TF.logsigmoid,
    "softmin": lambda x: TF.softmin(x, -1),
    "nn.Softmin(dim=0)": lambda x: TF.softmin(x, 0),
    "prod((0, 2)) 3-d": lambda x: x.prod(2).prod(0),  # torch's prod takes one dim
    "logsumexp()": lambda x: x.reshape(-1).logsumexp(0),  # torch needs a dim
    "cumsum() flattened": lambda x: x.reshape(-1).cumsum(0),  # torch needs a dim
    "cat(dim=1)": lambda a, b: torch.cat([a, b], 1),
    "concatenate(axis=0) mixed": lambda a, b: torch.cat([a, b, a], 0),
    "stack(dim=1)": lambda a, b: torch.stack([a, b], 1),
    "stack(dim=-1)": lambda a, b: torch.stack([a, b, a], -1),
    "split([1, 3], 1) swapped": lambda x: torch.cat(x.split([1, 3], 1)[::-1], 1),
    "F.pad((1, 2, 0, 1), value=3)": lambda x: TF.pad(x, (1, 2, 0, 1), value=3.0),
    "gather(1, index)": lambda x: x.gather(1, _f64(shape_rows._GATHER_INDEX)),
    "gather(0, index) smaller": lambda x: x.gather(0, _f64(shape_rows._GATHER_ROWS)),
    "CrossEntropyGrad, labels": _ce_grad(_f64(core_rows._LABELS)),
    "CrossEntropyGrad, unnormalised targets": _ce_grad(_f64(core_rows._UNNORMALISED)),
    "nll_loss": lambda x: TF.nll_loss(x, _LABELS),
    "nll_loss(none)": lambda x: TF.nll_loss(x, _LABELS, reduction="none"),
    "cross_entropy(sum)": lambda z: TF.cross_entropy(z, _LABELS, reduction="sum"),
    "cross_entropy(label_smoothing=0.1)": lambda z: TF.cross_entropy(
        z, _LABELS, label_smoothing=0.1
    ),
    "cross_entropy(none, probs, smoothing)": lambda z: TF.cross_entropy(
        z, _f64(np.full((3, 4), 0.25)), reduction="none", label_smoothing=0.3
    ),
    "cross_entropy(probs target requires grad)": TF.cross_entropy,
    "mse_loss": TF.mse_loss,
    "mse_loss(none)": lambda a, b: TF.mse_loss(a, b, reduction="none"),
    "l1_loss(none)": lambda a, b: TF.l1_loss(a, b, reduction="none"),
    "l1_loss(sum)": lambda a, b: TF.l1_loss(a, b, reduction="sum"),
    "huber_loss(none, delta=0.7)": lambda a, b: TF.huber_loss(a, b, reduction="none", delta=0.7),
    "smooth_l1_loss(beta=0.5)": lambda a, b: TF.smooth_l1_loss(a, b, beta=0.5),
    "binary_cross_entropy(none)": lambda p, y: TF.binary_cross_entropy(p, y, reduction="none"),
    "binary_cross_entropy(sum)": lambda p, y: TF.binary_cross_entropy(p, y, reduction="sum"),
    "binary_cross_entropy_with_logits(none)": lambda x, y: TF.binary_cross_entropy_with_logits(
        x, y, reduction="none"
    ),
    "binary_cross_entropy_with_logits(weight)": lambda x, y: TF.binary_cross_entropy_with_logits(
        x, y, weight=_f64(np.arange(4.0))
    ),
}

# Rows where torch's float64 gradient is itself off by float32 round-off, checked by hand
# against the exact derivative (the op tables check ours against it at 1e-12):
# - hardsigmoid: torch's backward multiplies by the float32 constant 1.0f / 6.0f
#   (d/dx at 0.5 comes out 0.1666666716337204), a relative error of 3e-8;
# - celu: torch scales by 1/alpha rounded to float32 (celu'(0) comes out 1.000000017, the
#   exact value is 1), relative errors up to ~6e-8.
# 1e-7 covers float32's unit round-off (6e-8) and still catches any wrong formula.
TORCH_IMPRECISE: dict[str, float] = {"hardsigmoid": 1e-7, "celu(alpha=0.7)": 1e-7}

# Kinks (row name, the point) where our derivative is not torch's, with the reason, for the
# torch installed: marked as strict expected failures, so a fix, or a torch that agrees,
# turns them into errors and the entry is revisited.
# clamp changed between 2.13 and 2.14 (pytorch/pytorch#195931, "Clamp gradient behaves
# differently in PyTorch 2.14"): 2.13 passes the gradient at a number bound (the closed
# interval, as ours) and gives a tensor bound's tie to x (as ours); 2.14 gives 0 at a number
# bound and splits a tie 1/2, 1/2 (measured with 2.14.1 when this table was written, and with
# 2.13.0 for this version split). hardswish at +-3 takes the outer branches in both.
_BOUND = "torch 2.14 gives d/dx = 0 at a number bound; ours passes 1 (bound included, as 2.13)"
_TIE = "torch 2.14 splits the gradient 1/2, 1/2 between x and a tensor bound it equals"
TORCH_VERSION = tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2])
KINK_DIFFERS: dict[tuple[str, tuple[float, ...]], str] = {
    ("hardswish", (-3.0,)): "torch 2.13 and 2.14 give hardswish'(-3) = 0 (ours: -1/2)",
    ("hardswish", (3.0,)): "torch 2.13 and 2.14 give hardswish'(3) = 1 (ours: 3/2)",
    ("clamp(tensor lo, tensor hi)", (0.0, 0.5, 0.5)): (
        "at lo = hi > x torch (2.13 measured) gives no input the gradient; ours gives it to "
        "lo, which the output equals"
    ),
}
if TORCH_VERSION >= (2, 14):
    KINK_DIFFERS.update(
        {
            ("clamp(-0.5, 1)", (-0.5,)): _BOUND,
            ("clamp(-0.5, 1)", (1.0,)): _BOUND,
            ("F.clamp(min=0.25)", (0.25,)): _BOUND,
            ("clamp(tensor lo, tensor hi)", (-0.5, -0.5, 1.0)): _TIE,
            ("clamp(tensor lo, tensor hi)", (1.0, -0.5, 1.0)): _TIE,
            ("clamp(max=tensor)", (0.5, 0.5)): _TIE,
        }
    )


def _torch_fn(row: OpRow) -> Callable[..., Any]:
    return TORCH.get(row.name, row.fn)


def _ours(row: OpRow, xs: tuple[np.ndarray, ...], c_seed: int) -> tuple[np.ndarray, list[Any]]:
    ts = [Tensor(x, requires_grad=x.dtype.kind == "f") for x in xs]
    out = row.fn(*ts)
    c = np.random.default_rng([c_seed, 3]).uniform(-1, 1, size=out.shape)
    diff = [t for t in ts if t.requires_grad]
    grads = tm.grad((out * c).sum(), diff, allow_unused=True)
    return out.numpy(), [
        np.zeros(t.shape) if g is None else g.numpy() for t, g in zip(diff, grads, strict=True)
    ]


def _theirs(row: OpRow, xs: tuple[np.ndarray, ...], c_seed: int) -> tuple[np.ndarray, list[Any]]:
    ts = [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in xs]
    out = _torch_fn(row)(*ts)
    assert isinstance(out, torch.Tensor), (
        f"row {row.name!r} did not run in torch (got {type(out).__name__}): add its torch "
        f"equivalent to TORCH in tests/test_against_torch.py"
    )
    c = np.random.default_rng([c_seed, 3]).uniform(-1, 1, size=tuple(out.shape))
    diff = [t for t in ts if t.requires_grad]
    grads = torch.autograd.grad((out * torch.from_numpy(c)).sum(), diff, allow_unused=True)
    as_np = [
        np.zeros(tuple(t.shape)) if g is None else g.numpy()
        for t, g in zip(diff, grads, strict=True)
    ]
    return out.detach().numpy(), as_np


def _compare(row: OpRow, xs: tuple[np.ndarray, ...], seed: int) -> None:
    value, grads = _ours(row, xs, seed)
    t_value, t_grads = _theirs(row, xs, seed)
    assert value.shape == t_value.shape, f"{row.name}: shape {value.shape} vs torch {t_value.shape}"
    assert_grads_close(value, t_value, rtol=VALUE_RTOL, atol=ATOL, names=["value"])
    names = [f"d/d input {i}" for i in range(len(grads))]
    rtol = TORCH_IMPRECISE.get(row.name, VALUE_RTOL)
    assert_grads_close(grads, t_grads, rtol=rtol, atol=ATOL, names=names)


@pytest.mark.parametrize("name", ROWS)
@settings(max_examples=5)  # x ~190 rows, each seed a fresh draw; the op tables do the rest
@given(seed=st.seeds)
def test_value_and_gradient_match_torch(name, seed):
    row = ROWS[name]
    _compare(row, row.inputs(np.random.default_rng(seed)), seed)


def _kink_case(name: str, k: int) -> Any:
    why = KINK_DIFFERS.get((name, ROWS[name].kinks[k].at))
    marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
    return pytest.param(name, k, marks=marks)


KINKED = [_kink_case(name, k) for name, row in ROWS.items() for k in range(len(row.kinks))]


def test_every_listed_kink_difference_is_a_kink_of_the_tables():
    kinks = {(name, kink.at) for name, row in ROWS.items() for kink in row.kinks}
    assert set(KINK_DIFFERS) <= kinks, sorted(set(KINK_DIFFERS) - kinks)


@pytest.mark.parametrize(("name", "k"), KINKED)
def test_derivative_at_each_kink_is_torchs(name, k):
    row = ROWS[name]
    shape = row.shapes[0]
    xs = tuple(np.full(shape, v, dtype=np.float64) for v in row.kinks[k].at)
    _compare(row, xs, k)


# --- NaN inputs ----------------------------------------------------------------------------
# Each elementwise row at NaN (every argument NaN, then each one alone), one entry per
# argument: torch's scalar kernels. Its vectorised kernels (8 float64 entries and more)
# choose differently at NaN for hardtanh, relu6, elu/selu/celu and hardswish (0 or NaN
# instead of the scalar kernels' x <= 0 ? ... : scale branch), so a single entry is the
# definition compared against; ours is the same at every size.
def _elementwise_arity(row: OpRow) -> int | None:
    """The number of arguments if the row maps one entry per argument to one entry."""
    n = len(row.inputs(np.random.default_rng(0)))
    try:
        out = row.fn(*[Tensor(np.full((1,), 0.5)) for _ in range(n)])
    except (TypeError, ValueError):
        return None
    return n if out.shape == (1,) else None


_NAN_POINTS = [
    pytest.param(name, point, id=f"{name}-{point}")
    for name, row in ROWS.items()
    if (row.kinks or row.dref is not None) and (n := _elementwise_arity(row))
    for point in [(np.nan,) * n, *([tuple(0.5 if i != j else np.nan for i in range(n))
                                    for j in range(n)] if n > 1 else [])]
]  # fmt: skip
# (row name) -> why our value at NaN is not torch's
NAN_DIFFERS = {"sign": "numpy's sign(nan) is nan (kept: Tensor.sign is numpy's); torch's is 0"}


@pytest.mark.parametrize(("name", "point"), _NAN_POINTS)
def test_value_and_gradient_at_nan_are_torchs(name, point, request):
    if name in NAN_DIFFERS:
        request.applymarker(pytest.mark.xfail(strict=True, reason=NAN_DIFFERS[name]))
    row = ROWS[name]
    xs = tuple(np.full((1,), v) for v in point)
    try:
        value, grads = _ours(row, xs, 0)
    except ValueError:  # refused with a clear error (bce: not a probability): torch too
        with pytest.raises(RuntimeError):
            _theirs(row, xs, 0)
        return
    t_value, t_grads = _theirs(row, xs, 0)
    np.testing.assert_array_equal(value, t_value)  # NaN equals NaN here
    for i, (g, t) in enumerate(zip(grads, t_grads, strict=True)):
        # each gradient is 0, NaN or c times a constant of the op: the same products
        np.testing.assert_allclose(g, t, rtol=1e-15, atol=0, err_msg=f"d/d input {i}")
