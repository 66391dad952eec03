"""API misuse: optimizers, modules and data sets given what a careless user passes.

Each bad input must raise a clear error at the call, naming the problem; no numpy or Python
internals (AttributeError, IndexError, a failed reshape) from deep inside.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, nn, optim
from tinygrad_mlp.data import make_spirals


def _param() -> Tensor:
    return Tensor(np.array([1.0, 2.0]), requires_grad=True)


# --- optimizers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "exc", "match"),
    [
        (lambda p: optim.SGD(p, lr="0.1"), TypeError, "lr must be a real number"),
        (lambda p: optim.SGD(p, lr=True), TypeError, "lr must be a real number"),
        (lambda p: optim.SGD(p, lr=None), TypeError, "lr must be a real number"),
        (lambda p: optim.SGD(p, lr=np.ones(2)), TypeError, "lr must be a real number"),
        (lambda p: optim.SGD(p, lr=1j), TypeError, "lr must be a real number"),
        (lambda p: optim.SGD(p, lr=0.1, momentum=5), ValueError, r"momentum must lie in \[0, 1\)"),
        (lambda p: optim.SGD(p, lr=0.1, momentum=1.0), ValueError, "momentum must lie"),
        (lambda p: optim.SGD(p, lr=0.1, momentum="0.9"), TypeError, "momentum must be a real"),
        (lambda p: optim.SGD(p, lr=0.1, weight_decay=False), TypeError, "weight_decay"),
        (lambda p: optim.Adam(p, lr="1e-3"), TypeError, "lr must be a real number"),
        (lambda p: optim.Adam(p, betas=0.9), TypeError, "betas must be a pair"),
        (lambda p: optim.Adam(p, betas="ab"), TypeError, "betas must be a pair"),
        (lambda p: optim.Adam(p, betas=(0.9, "0.99")), TypeError, "beta2 must be a real"),
        (lambda p: optim.Adam(p, eps=True), TypeError, "eps must be a real number"),
    ],
)
def test_bad_hyperparameters_are_refused_at_the_call(make, exc, match: str) -> None:
    with pytest.raises(exc, match=match):
        make([_param()])


def test_numpy_numbers_and_0d_arrays_are_still_accepted() -> None:
    opt = optim.SGD([_param()], lr=np.float32(0.5), momentum=np.array(0.25))
    assert (opt.lr, opt.momentum) == (0.5, 0.25)  # exact in binary


@pytest.mark.parametrize("dtype", [np.int64, np.int32, bool])
def test_integer_parameters_are_refused(dtype) -> None:
    with pytest.raises(TypeError, match="parameter 0 has dtype"):
        optim.SGD([Tensor(np.array([1, 2], dtype=dtype))], lr=0.1)


def test_non_leaf_parameters_are_refused() -> None:
    w = _param()
    with pytest.raises(ValueError, match=r"parameter 1 is not a leaf.*Mul"):
        optim.Adam([w, w * 2.0])


@pytest.mark.parametrize("grad", [[1.0, 2.0], "g", 3.0])
@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_a_grad_of_the_wrong_type_is_a_type_error_at_step(grad, kind: str) -> None:
    w = _param()
    opt = optim.SGD([w], lr=0.1) if kind == "sgd" else optim.Adam([w])
    w.grad = grad
    with pytest.raises(TypeError, match="parameter 0 has a grad of type"):
        opt.step()
    np.testing.assert_array_equal(w.data, [1.0, 2.0])  # nothing changed


def _after_create_graph() -> tuple[nn.MLP, list[Tensor]]:
    model = nn.MLP(3, [4], 2, rng=np.random.default_rng(0), dtype=np.float64)
    loss = F.cross_entropy(model(Tensor(np.ones((2, 3)))), np.array([0, 1]))
    loss.backward(create_graph=True)
    params = model.parameters()
    assert all(isinstance(p.grad, Tensor) for p in params)  # the case of the issue
    return model, params


def test_optimizer_zero_grad_keeping_buffers_after_create_graph() -> None:
    _, params = _after_create_graph()
    optim.SGD(params, lr=0.1).zero_grad(set_to_none=False)
    for p in params:
        assert type(p.grad) is np.ndarray and p.grad.shape == p.shape and not p.grad.any()


def test_module_zero_grad_keeping_buffers_after_create_graph() -> None:
    model, params = _after_create_graph()
    model.zero_grad(set_to_none=False)
    for p in params:
        assert type(p.grad) is np.ndarray and p.grad.shape == p.shape and not p.grad.any()


def test_zero_grad_keeping_buffers_zeroes_arrays_in_place() -> None:
    w = _param()
    (w * w).sum().backward()
    buffer = w.grad
    optim.SGD([w], lr=0.1).zero_grad(set_to_none=False)
    assert w.grad is buffer and not buffer.any()


# --- modules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "exc", "match"),
    [
        (lambda: nn.MLP(8, [2.5], 4), TypeError, "hidden size 0 must be an int, got float"),
        (lambda: nn.MLP(8, [True], 4), TypeError, "hidden size 0 must be an int, got bool"),
        (lambda: nn.MLP(8, "16", 4), TypeError, "hidden must be a list"),
        (lambda: nn.MLP(8, None, 4), TypeError, "hidden must be a list"),
        (lambda: nn.MLP(8, [16, 0], 4), ValueError, "sizes must be positive"),
        (lambda: nn.MLP(8.0, [16], 4), TypeError, "n_in must be an int"),
        (lambda: nn.MLP(8, [16], "4"), TypeError, "n_out must be an int"),
        (lambda: nn.Linear(3.5, 2), TypeError, "fan_in must be an int, got float"),
        (lambda: nn.Linear(3, None), TypeError, "fan_out must be an int"),
        (lambda: nn.Linear(True, 2), TypeError, "fan_in must be an int, got bool"),
    ],
)
def test_bad_layer_sizes_are_refused_at_the_call(make, exc, match: str) -> None:
    with pytest.raises(exc, match=match):
        make()


def test_one_int_is_one_hidden_layer() -> None:
    a = nn.MLP(8, 16, 4, rng=np.random.default_rng(0))
    b = nn.MLP(8, [16], 4, rng=np.random.default_rng(0))
    assert a.sizes == [8, 16, 4]
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert na == nb and np.array_equal(pa.data, pb.data)
    assert nn.MLP(8, np.int64(16), 4).sizes == [8, 16, 4]


@pytest.mark.parametrize(
    "x", [np.ones((2, 8), np.float32), [[1.0] * 8] * 2, 3.0, None], ids=["array", "list", "f", "0"]
)
@pytest.mark.parametrize("model", [nn.MLP(8, [4], 2), nn.Linear(8, 2)], ids=["mlp", "linear"])
def test_a_model_called_on_a_non_tensor_says_a_tensor_is_needed(model, x) -> None:
    with pytest.raises(TypeError, match=r"the input must be a Tensor.*Tensor\(x\)"):
        model(x)


@pytest.mark.parametrize("state", [None, [], [("0.weight", np.ones(2))], "weights", 3])
def test_load_state_dict_of_a_non_mapping_is_a_type_error(state) -> None:
    model = nn.MLP(3, [4], 2, rng=np.random.default_rng(0))
    before = model.state_dict()
    with pytest.raises(TypeError, match="load_state_dict: expected a mapping"):
        model.load_state_dict(state)
    for name, value in model.state_dict().items():
        assert np.array_equal(value, before[name])


# --- data ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [int, np.int32, np.uint8, bool])
def test_make_spirals_refuses_a_non_float_dtype(dtype) -> None:
    with pytest.raises(TypeError, match="dtype must be a floating-point type"):
        make_spirals(10, dtype=dtype)


def test_make_spirals_float32_keeps_its_points() -> None:
    x, _ = make_spirals(10, rng=np.random.default_rng(0), dtype=np.float32)
    assert x.dtype == np.float32 and np.abs(x).max() > 0.5  # not truncated to 0
