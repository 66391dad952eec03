"""Torch habits: every Tensor method called positionally as torch's signature reads, torch's dim
rules (0-d tensors, dim=()), and first-day conveniences, each compared with torch 2.13.

Values are compared in float64 with rtol 1e-12: both libraries evaluate the same formula in
double precision, so they differ by a few round-offs of sums of at most 12 terms.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

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
    "backward": "compared with torch below (backward(gradient=))",
    "from_numpy": "a classmethod taking an array, as torch.from_numpy",
    "requires_grad_": "a flag; covered in tests/test_hardening_api.py",
    "gelu": "torch's approximate= is keyword-only in F.gelu; compared below by keyword",
    "size": "compared with torch below (size() and size(d))",
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


# --- nn.Sequential: one source of truth; train() / eval() ---------------------------------------
def _pair() -> tuple[tm.nn.Sequential, torch.nn.Sequential]:
    rng = np.random.default_rng(4)
    ours = tm.nn.Sequential(
        tm.nn.Linear(3, 4, rng=rng, dtype=np.float64),
        tm.nn.ReLU(),
        tm.nn.Linear(4, 2, rng=rng, dtype=np.float64),
    )
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)
    ).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def _same_forward(ours: tm.nn.Sequential, theirs: torch.nn.Sequential) -> None:
    x = np.random.default_rng(5).standard_normal((5, 3))
    want = theirs(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(ours(Tensor(x)).numpy(), want, rtol=RTOL)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())


@pytest.mark.parametrize("how", ["setitem", "layers list"])
def test_replacing_a_sequential_layer_changes_forward_and_parameters(how: str) -> None:
    ours, theirs = _pair()
    _same_forward(ours, theirs)
    if how == "setitem":
        ours[1] = tm.nn.Tanh()
    else:
        ours.layers[1] = tm.nn.Tanh()
    theirs[1] = torch.nn.Tanh()
    _same_forward(ours, theirs)  # the fused Linear+ReLU plan would still apply a ReLU
    new = tm.nn.Linear(4, 2, rng=np.random.default_rng(6), dtype=np.float64)
    ours[2] = new
    theirs[2] = torch.nn.Linear(4, 2).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    assert ours.parameters()[2] is new.weight
    _same_forward(ours, theirs)
    ours.append(tm.nn.Sigmoid())
    theirs.append(torch.nn.Sigmoid())
    _same_forward(ours, theirs)
    with pytest.raises(TypeError, match="must be a Module"):
        ours[0] = np.tanh  # type: ignore[assignment]


def test_train_and_eval_set_training_everywhere_and_return_self() -> None:
    ours, theirs = _pair()
    for model in (ours, theirs):
        assert model.training and model[0].training
        assert model.eval() is model
        assert not model.training and not model[0].training and not model[2].training
        assert model.train() is model and model[1].training
        assert model.train(False) is model and not model[1].training


# --- first-day habits ---------------------------------------------------------------------------
def test_size_numel_dim_follow_torch() -> None:
    x, t = Tensor(X3), torch.tensor(X3)
    assert x.size() == tuple(t.size()) == (2, 3, 4)
    assert [x.size(d) for d in (0, 1, 2, -1)] == [t.size(d) for d in (0, 1, 2, -1)]
    assert x.numel() == t.numel() == 24 and x.dim() == t.dim() == 3
    assert Tensor(np.array(1.0)).size() == () and Tensor(np.array(1.0)).numel() == 1
    with pytest.raises(IndexError, match="out of range"):
        x.size(3)
    with pytest.raises(IndexError):
        t.size(3)


def test_python_number_conversions_of_one_element_tensors() -> None:
    for data in (np.array(2.75), np.array([2.75]), np.array([[-2.75]])):
        x, t = Tensor(data), torch.tensor(data)
        assert float(x) == float(t) and int(x) == int(t)  # int truncates toward zero
        # torch formats a 0-d tensor only; here any one-element tensor, as float() takes it
        assert f"{x:.3f}" == f"{float(t):.3f}" and f"{x:+08.2e}" == f"{t.item():+08.2e}"
    assert f"{Tensor(np.array(2 / 3)):.4f}" == f"{torch.tensor(2 / 3):.4f}" == "0.6667"
    assert f"{Tensor(np.ones(2))}" == str(Tensor(np.ones(2)))  # an empty spec is str()
    for convert in (float, int):
        with pytest.raises(ValueError, match="one element"):
            convert(Tensor(np.ones(2)))
    with pytest.raises(TypeError, match="one element"):  # torch: a TypeError too
        f"{Tensor(np.ones(2)):.3f}"


def test_grad_fn_is_the_op_node_and_read_only() -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    y = (x * 2).sum()
    assert x.grad_fn is None and Tensor(np.ones(2)).grad_fn is None
    assert y.grad_fn is not None and type(y.grad_fn).__name__ == "Sum"
    assert f"grad_fn={type(y.grad_fn).__name__}" in repr(y)
    with pytest.raises(AttributeError):
        y.grad_fn = None  # type: ignore[misc]


def test_backward_takes_torchs_gradient_keyword() -> None:
    g = np.array([1.0, -2.0, 0.5])
    grads = []
    for kw in ("gradient", "grad"):
        x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
        (x * x).backward(**{kw: g})
        grads.append(x.grad)
    t = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    (t * t).backward(gradient=torch.tensor(g))
    assert t.grad is not None
    for got in grads:
        np.testing.assert_allclose(got, t.grad.numpy(), rtol=RTOL)
    with pytest.raises(TypeError, match="not both"):
        Tensor(np.ones(2), requires_grad=True).sum().backward(gradient=1.0, grad=1.0)


def test_dtype_aliases_are_numpys() -> None:
    assert tm.zeros(2, dtype=tm.float64).dtype == np.float64
    assert Tensor([1, 2]).dtype == tm.int64 and Tensor([1.5]).dtype == tm.float32
    assert (Tensor([1.0]) > 0).dtype == tm.bool
    assert {tm.float16, tm.int32} == {np.float16, np.int32}


def test_dot_follows_numpy_for_matrices_and_torch_for_vectors() -> None:
    for a, b in ((X, Y.T), (X, V), (V[:3], X), (V, V)):
        ours, theirs = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        out = ours.dot(b)
        np.testing.assert_allclose(out.numpy(), np.dot(a, b), rtol=RTOL)
        w = np.arange(1.0, out.numel() + 1).reshape(out.shape)
        (out * w).sum().backward()
        (torch.matmul(theirs, torch.tensor(b)) * torch.tensor(w)).sum().backward()  # = np.dot
        assert theirs.grad is not None
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=RTOL)
    with pytest.raises(ValueError, match="do not align"):
        Tensor(X).dot(X)


def test_gradcheck_takes_arrays_as_check_grads_does() -> None:
    a = np.array([0.5, -1.0, 2.0])
    assert tm.gradcheck(lambda x: (x * x).exp().sum(), [a]).ok
    assert tm.gradgradcheck(lambda x: (x**3).sum(), [a]).ok
    np.testing.assert_array_equal(a, [0.5, -1.0, 2.0])  # a copy was perturbed, not a
    with pytest.raises(TypeError, match="input 0 has dtype int64"):
        tm.gradcheck(lambda x: x.sum(), [np.arange(3)])


def test_manual_seed_reseeds_the_one_default_generator() -> None:
    g = tm.manual_seed(7)
    assert g is tm.default_generator
    a = tm.randn(2, 3)
    m1 = tm.nn.MLP(3, [4], 2)
    tm.manual_seed(7)
    np.testing.assert_array_equal(a.numpy(), tm.randn(2, 3).numpy())
    m2 = tm.nn.MLP(3, [4], 2)
    for (n1, p1), (n2, p2) in zip(m1.state_dict().items(), m2.state_dict().items(), strict=True):
        assert n1 == n2
        np.testing.assert_array_equal(p1, p2)
    want = np.random.default_rng(7).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_array_equal(a.numpy(), want)  # the same stream as default_rng(seed)
    with pytest.raises(TypeError, match="non-negative int"):
        tm.manual_seed(1.5)  # type: ignore[arg-type]


def test_omitting_rng_is_reproducible_run_to_run() -> None:
    import subprocess
    import sys

    code = (
        "import tinygrad_mlp as tm; m = tm.nn.MLP(3, [4], 2); "
        "print(repr(m.state_dict()['0.weight'].tolist()), tm.randn(2).numpy().tolist())"
    )
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)}  # fmt: skip
    assert len(runs) == 1 and runs.pop().strip()


def test_set_num_threads_round_trip() -> None:
    before = tm.get_num_threads()
    try:
        tm.set_num_threads(1)
        assert tm.get_num_threads() in (1, None)  # None: no BLAS whose threads can be set
    finally:
        tm.set_num_threads(before or 1)
    assert tm.get_num_threads() == before
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="int >= 1"):
            tm.set_num_threads(bad)  # type: ignore[arg-type]
