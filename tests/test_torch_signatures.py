"""Torch's signatures: every Tensor method called positionally as torch's signature reads, and
torch's dim rules (0-d tensors, dim=(), out of range), each compared with torch 2.13.

Values are compared in float64 with rtol 1e-12: both libraries evaluate the same formula in
double precision, so they differ by a few round-offs of sums of at most 12 terms.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor

RTOL = 1e-12  # float64 on both sides, same formula: a few round-offs of a 12-term sum

X = np.random.default_rng(0).uniform(0.5, 2.0, (3, 4))  # positive: log, pow, prod are smooth
Y = np.random.default_rng(1).uniform(0.5, 2.0, (3, 4))
V = np.random.default_rng(2).uniform(0.5, 2.0, 4)
TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, 2.0], [0.5, 0.5, 0.5, 0.5]])
X3 = np.random.default_rng(3).uniform(0.5, 2.0, (2, 3, 4))
IDX = np.array([[0, 3], [2, 2], [1, 0]])
COND = X > Y

torch = pytest.importorskip("torch")  # every test here compares with torch


def _to_torch(a: Any) -> Any:
    return torch.tensor(a) if isinstance(a, np.ndarray) else a  # a copy: ours froze a


# (method, positional arguments, input); "F." names a torch.nn.functional function instead of a
# torch.Tensor method (torch has no such method, e.g. elu).
CALLS: list[tuple[str, tuple[Any, ...], np.ndarray]] = [
    ("sum", (1,), X), ("sum", (1, True), X), ("sum", ((0, 1),), X), ("sum", ((),), X),
    ("mean", (0,), X), ("mean", (0, True), X), ("mean", ((),), X),
    ("prod", (1,), X), ("prod", (1, True), X),
    ("var", (1,), X), ("var", (1, False), X), ("var", (1, False, True), X),
    ("var", (False,), X), ("var", (True,), X), ("var", ((0, 1), True), X),
    ("std", (1,), X), ("std", (1, False), X), ("std", (0, True, True), X), ("std", (False,), X),
    ("logsumexp", (1,), X), ("logsumexp", (1, True), X), ("logsumexp", ((0, 1),), X),
    ("max", (), X), ("max", (1,), X), ("max", (0, True), X),
    ("min", (), X), ("min", (1,), X), ("min", (-1, True), X),
    ("amax", (1,), TIES), ("amax", ((0, 1), True), TIES), ("amin", (0,), TIES),
    ("argmax", (1,), TIES), ("argmax", (1, True), TIES), ("argmin", (0,), TIES),
    ("all", (1,), TIES), ("all", (1, True), TIES), ("any", (0,), TIES - 0.5),
    ("cumsum", (1,), X),
    ("softmax", (0,), X), ("log_softmax", (0,), X), ("F.softmin", (0,), X),
    ("reshape", (4, 3), X), ("reshape", ((2, 6),), X), ("view", (12,), X), ("view", (-1, 2), X),
    ("transpose", (0, 1), X), ("permute", (1, 0), X), ("permute", ((2, 0, 1),), X3),
    ("swapaxes", (0, 2), X3), ("squeeze", (0,), X[None]), ("squeeze", (1,), X),
    ("unsqueeze", (1,), X), ("flatten", (0,), X3), ("flatten", (1, 2), X3),
    ("unflatten", (1, (2, 2)), X), ("expand", (2, 3, 4), X), ("expand", ((2, -1, -1),), X),
    ("broadcast_to", ((2, 3, 4),), X), ("flip", (0,), X), ("flip", ((0, 1),), X),
    ("repeat", (2, 1), X), ("split", (2, 1), X), ("split", ([1, 3], 1), X),
    ("chunk", (2, 1), X), ("gather", (1, IDX), X),
    ("clamp", (0.8, 1.5), X), ("clip", (0.8,), X), ("maximum", (Y,), X), ("minimum", (Y,), X),
    ("where", (COND, Y), X), ("lerp", (Y, 0.3), X),
    ("add", (Y,), X), ("sub", (Y,), X), ("mul", (Y,), X), ("div", (Y,), X),
    ("pow", (1.5,), X), ("matmul", (Y.T,), X), ("dot", (V,), V),
    ("eq", (TIES,), X), ("ne", (Y,), X), ("lt", (Y,), X), ("le", (Y,), X), ("gt", (Y,), X),
    ("ge", (Y,), X),
    ("F.leaky_relu", (0.2,), X - 1), ("F.elu", (0.5,), X - 1), ("F.celu", (0.5,), X - 1),
    ("F.softplus", (2.0, 1.0), X - 1), ("F.hardtanh", (-0.2, 0.5), X - 1),
]  # fmt: skip

# methods that take positional arguments but are no torch.Tensor method to compare with, or
# whose arguments are not numbers and tensors: each with the reason
NOT_IN_TABLE = {
    "astype": "numpy's name (torch spells it .to(dtype)); tests/test_ops.py covers it",
    "backward": "compared with torch in test_torch_habits.py (backward(gradient=))",
    "from_numpy": "a classmethod taking an array, as torch.from_numpy",
    "requires_grad_": "a flag; covered in tests/test_api_misuse.py",
    "gelu": "torch's approximate= is keyword-only in F.gelu; compared below by keyword",
    "size": "compared with torch in test_torch_habits.py (size() and size(d))",
}


def _ours(name: str, x: Tensor, args: tuple[Any, ...]) -> Any:
    return getattr(x, name.removeprefix("F."))(*args)


def _theirs(name: str, t: torch.Tensor, args: tuple[Any, ...]) -> Any:
    targs = tuple(_to_torch(a) for a in args)
    if name.startswith("F."):
        return getattr(torch.nn.functional, name[2:])(t, *targs)
    return getattr(t, name)(*targs)


def _flat(out: Any) -> list[np.ndarray]:
    """A result (tensor, list of tensors, values/indices pair) as a list of numpy arrays."""
    if isinstance(out, (Tensor, torch.Tensor)):
        return [out.detach().numpy() if isinstance(out, torch.Tensor) else out.numpy()]
    return [a for part in out for a in _flat(part)]


def _first_float(out: Any) -> Any:
    return out if isinstance(out, (Tensor, torch.Tensor)) else out[0]


@pytest.mark.parametrize(
    ("name", "args", "x"), CALLS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CALLS)]
)
def test_positional_call_matches_torch(name: str, args: tuple[Any, ...], x: np.ndarray) -> None:
    ours = Tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    a, b = _ours(name, ours, args), _theirs(name, theirs, args)
    assert type(a) is not Tensor or type(b) is torch.Tensor  # a pair where torch gives one
    fa, fb = _flat(a), _flat(b)
    assert len(fa) == len(fb)
    for u, w in zip(fa, fb, strict=True):
        assert u.shape == w.shape and u.dtype == w.dtype
        np.testing.assert_allclose(u, w, rtol=RTOL)
    # the gradient of the (first) result, weighted so that every entry counts differently
    ya, yb = _first_float(a), _first_float(b)
    if yb.requires_grad:
        w = np.arange(1.0, yb.numel() + 1).reshape(yb.shape)
        (ya * w).sum().backward()
        (yb * torch.from_numpy(w)).sum().backward()
        assert theirs.grad is not None
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=RTOL, atol=1e-15)


def _positional_methods() -> list[str]:
    names = []
    for name, member in inspect.getmembers(Tensor):
        if name.startswith("_") or not callable(member):
            continue
        params = list(inspect.signature(member).parameters.values())[1:]
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
        if any(p.kind in kinds for p in params):
            names.append(name)
    return names


def test_every_method_with_positional_arguments_is_in_the_table() -> None:
    covered = {name.removeprefix("F.") for name, _, _ in CALLS} | set(NOT_IN_TABLE)
    missing = sorted(set(_positional_methods()) - covered)
    assert not missing, f"add these to CALLS (or NOT_IN_TABLE with a reason): {missing}"


def test_gelu_tanh_matches_torch_by_keyword() -> None:
    a = Tensor(X - 1).gelu(approximate="tanh").numpy()
    b = torch.nn.functional.gelu(torch.tensor(X - 1), approximate="tanh").numpy()
    np.testing.assert_allclose(a, b, rtol=RTOL)


def test_var_unbiased_and_correction_together_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="unbiased= or correction="):
        Tensor(X).var(1, False, correction=0)
    with pytest.raises(TypeError, match="unbiased twice"):
        Tensor(X).var(False, True)


def test_max_dim_indices_are_torchs_and_ties_share_the_gradient() -> None:
    ours = Tensor(TIES, requires_grad=True)
    theirs = torch.tensor(TIES)
    for d in (0, 1):
        got, want = ours.max(d), theirs.max(d)
        np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
        np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
    ours.max(1).values.sum().backward()  # torch's max(dim) gives a tie's gradient to one entry
    np.testing.assert_array_equal(
        ours.grad, [[0, 0.5, 0.5, 0], [1 / 3, 1 / 3, 0, 1 / 3], [0.25] * 4]
    )


def test_max_dim_values_replay_under_jit() -> None:
    w = Tensor(np.random.default_rng(5).standard_normal((4, 3)), requires_grad=True)

    @tm.jit
    def step(x: Tensor) -> Tensor:
        out = (x @ w).max(1).values.sum()
        out.backward()
        return out

    rng = np.random.default_rng(6)
    same = rng.standard_normal((5, 4))
    for x in (same, same, rng.standard_normal((5, 4)), rng.standard_normal((5, 4))):
        np.testing.assert_allclose(step(Tensor(x)).item(), (x @ w.data).max(1).sum(), rtol=RTOL)


def test_max_over_several_dims_names_amax() -> None:
    with pytest.raises(TypeError, match=r"amax\(dim\)"):
        Tensor(X).max((0, 1))


# --- torch's dim rules: 0-d tensors, dim=(), out of range --------------------------------------
ZERO_D: list[tuple[str, Callable[[Any, int], Any]]] = [
    ("sum", lambda t, d: t.sum(d)), ("mean", lambda t, d: t.mean(dim=d)),
    ("prod", lambda t, d: t.prod(d)), ("logsumexp", lambda t, d: t.logsumexp(d)),
    ("amax", lambda t, d: t.amax(d)), ("max", lambda t, d: t.max(d)[0]),
    ("min", lambda t, d: t.min(dim=d).values), ("softmax", lambda t, d: t.softmax(d)),
    ("log_softmax", lambda t, d: t.log_softmax(dim=d)), ("all", lambda t, d: t.all(d)),
    ("any", lambda t, d: t.any(d)), ("cumsum", lambda t, d: t.cumsum(d)),
    ("sum keepdim", lambda t, d: t.sum(d, True)),
    ("F.softmax", lambda t, d: (tm.functional if isinstance(t, Tensor) else torch.nn.functional)
     .softmax(t, dim=d)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "f"), ZERO_D, ids=[z[0] for z in ZERO_D])
@pytest.mark.parametrize("d", [0, -1])
def test_dim_0_of_a_0d_tensor_is_its_element(name: str, f: Any, d: int) -> None:
    ours = Tensor(np.array(1.5), requires_grad=True)
    theirs = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    a, b = f(ours, d), f(theirs, d)
    assert a.shape == tuple(b.shape) == ()
    np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=RTOL)
    if b.requires_grad:
        a.backward()
        b.backward()
        assert theirs.grad is not None
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=RTOL)


@pytest.mark.parametrize(("name", "f"), ZERO_D, ids=[z[0] for z in ZERO_D])
def test_dim_out_of_range_is_index_and_value_error(name: str, f: Any) -> None:
    with pytest.raises(IndexError, match="out of range") as info:
        f(Tensor(np.array(1.5)), 1)
    assert isinstance(info.value, ValueError)
    with pytest.raises(IndexError):  # torch raises an IndexError too
        f(torch.tensor(1.5), 1)
    with pytest.raises(ValueError, match="out of range"):
        f(Tensor(X), 2)


def test_numpy_spelling_keeps_numpy_rules() -> None:
    x = Tensor(X)
    np.testing.assert_array_equal(x.sum(axis=()).numpy(), X)  # numpy: () reduces nothing
    np.testing.assert_allclose(x.sum(dim=()).item(), torch.tensor(X).sum(dim=()).item(), rtol=RTOL)
    np.testing.assert_allclose(x.mean(dim=[]).item(), X.mean(), rtol=RTOL)
    with pytest.raises(ValueError, match="out of range"):  # numpy: a 0-d array has no axis 0
        Tensor(np.array(1.5)).sum(axis=0)
    with pytest.raises(ValueError, match="out of range"):
        Tensor(np.array(1.5)).softmax(axis=0)


def test_softmax_takes_dim_and_axis_in_methods_and_functional() -> None:
    t = torch.tensor(X)
    for got in (
        Tensor(X).softmax(dim=0),
        Tensor(X).softmax(axis=0),
        tm.functional.softmax(Tensor(X), 0),
        tm.functional.softmax(Tensor(X), axis=0),
    ):
        np.testing.assert_allclose(got.numpy(), torch.softmax(t, 0).numpy(), rtol=RTOL)
    np.testing.assert_allclose(
        tm.functional.log_softmax(Tensor(X), dim=0).numpy(),
        torch.log_softmax(t, 0).numpy(),
        rtol=RTOL,
    )
    with pytest.raises(TypeError, match="both axis"):
        Tensor(X).softmax(0, axis=0)
