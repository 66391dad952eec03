"""Torch habits: nn.Sequential edits, train()/eval(), size(), numel(), float(t), format,
grad_fn, backward(gradient=), dtype aliases, numpy's dot, gradcheck on arrays, the default
generator and set_num_threads, each compared with torch 2.13 where torch has the name.

Values are compared in float64 with rtol 1e-12: both libraries evaluate the same formula in
double precision, so they differ by a few round-offs of sums of at most 12 terms.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor

try:
    import torch
except ImportError:  # without torch the comparisons with it skip; every other test runs
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

RTOL = 1e-12  # float64 on both sides, same formula: a few round-offs of a 12-term sum

X = np.random.default_rng(0).uniform(0.5, 2.0, (3, 4))
Y = np.random.default_rng(1).uniform(0.5, 2.0, (3, 4))
V = np.random.default_rng(2).uniform(0.5, 2.0, 4)
X3 = np.random.default_rng(3).uniform(0.5, 2.0, (2, 3, 4))


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


@needs_torch
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


@needs_torch
def test_train_and_eval_set_training_everywhere_and_return_self() -> None:
    ours, theirs = _pair()
    for model in (ours, theirs):
        assert model.training and model[0].training
        assert model.eval() is model
        assert not model.training and not model[0].training and not model[2].training
        assert model.train() is model and model[1].training
        assert model.train(False) is model and not model[1].training


# --- first-day habits ---------------------------------------------------------------------------
@needs_torch
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


@needs_torch
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


@needs_torch
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


@needs_torch
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
        "import tinygrad_mlp as tm; from tinygrad_mlp.scalar import MLP as S; "
        "m = tm.nn.MLP(3, [4], 2); s = S(3, [4], 2); "
        "print(repr(m.state_dict()['0.weight'].tolist()), tm.randn(2).numpy().tolist(), "
        "[v.data for v in s.parameters()])"
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
