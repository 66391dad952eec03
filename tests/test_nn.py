"""Modules: Linear's shapes and He initialisation, MLP's parameters and state dicts, and the
fused Linear+ReLU path of Sequential."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

from tinygrad_mlp import Tensor, nn
from tinygrad_mlp import functional as F
from tinygrad_mlp.engine.graph import toposort

N_IN, HIDDEN, N_OUT = 64, [32, 16], 10
EXPECTED_SHAPES = {
    "0.weight": (32, 64),
    "0.bias": (32,),
    "2.weight": (16, 32),
    "2.bias": (16,),
    "4.weight": (10, 16),
    "4.bias": (10,),
}


def make_mlp(seed: int, dtype: type = np.float32) -> nn.MLP:
    return nn.MLP(N_IN, HIDDEN, N_OUT, rng=np.random.default_rng(seed), dtype=dtype)


def make_donor(seed: int, dtype: type = np.float32) -> nn.MLP:
    """A model whose every parameter, biases included (He init makes them 0), is nonzero and
    differs from make_mlp(0)'s: loading any of its entries visibly changes a model."""
    model = make_mlp(seed, dtype)
    for p in model.parameters():
        p.data += 0.5
    return model


def params_snapshot(model: nn.Module) -> dict[str, np.ndarray]:
    """Copies of the parameters, taken without going through state_dict."""
    return {name: p.data.copy() for name, p in model.named_parameters()}


def assert_same_params(model: nn.Module, snapshot: dict[str, np.ndarray]) -> None:
    now = dict(model.named_parameters())
    assert list(now) == list(snapshot)
    for name, data in snapshot.items():
        assert now[name].dtype == data.dtype
        np.testing.assert_array_equal(now[name].data, data, err_msg=name)


def batch(b: int, dtype: type = np.float32, seed: int = 7) -> Tensor:
    return Tensor(np.random.default_rng(seed).standard_normal((b, N_IN)).astype(dtype))


# --- Linear ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtype_arg", "expected"),
    [({}, np.float32), ({"dtype": np.float32}, np.float32), ({"dtype": np.float64}, np.float64)],
)
def test_linear_parameter_shapes_and_dtype(dtype_arg: dict, expected: type) -> None:
    layer = nn.Linear(5, 3, rng=np.random.default_rng(0), **dtype_arg)
    assert layer.weight.shape == (3, 5)  # (fan_out, fan_in), as the seed's W_kj
    assert layer.bias.shape == (3,)
    for p in (layer.weight, layer.bias):
        assert p.dtype == expected
        assert p.requires_grad and p.is_leaf
    np.testing.assert_array_equal(layer.bias.data, np.zeros(3, dtype=expected))
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]


def test_linear_without_bias_has_only_a_weight() -> None:
    layer = nn.Linear(5, 3, rng=np.random.default_rng(0), bias=False)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert layer(Tensor(np.ones((2, 5), dtype=np.float32))).shape == (2, 3)


@pytest.mark.parametrize(("fan_in", "fan_out"), [(0, 3), (3, 0), (-1, 2)])
def test_linear_rejects_non_positive_sizes(fan_in: int, fan_out: int) -> None:
    with pytest.raises(ValueError, match="sizes must be positive"):
        nn.Linear(fan_in, fan_out, rng=np.random.default_rng(0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("fan_in", "fan_out"), [(1000, 500), (50, 10_000)])
def test_he_initialisation_statistics(fan_in: int, fan_out: int, dtype: type) -> None:
    w = nn.Linear(fan_in, fan_out, rng=np.random.default_rng(123), dtype=dtype).weight.data
    n = w.size  # 500,000 samples in both cases
    sigma = np.sqrt(2.0 / fan_in)  # He: N(0, 2 / fan_in)
    # For n normal samples the sample std has standard error sigma / sqrt(2 n) (0.1% here)
    # and the sample mean sigma / sqrt(n). Five standard errors: a correct init fails with
    # probability ~1e-6 (and the seed is fixed), while Xavier's sqrt(1 / fan_in) is 29%
    # off and a swapped fan, sqrt(2 / fan_out), is off by a factor 1.4 or 1/14.
    std_tol = 5 * sigma / np.sqrt(2 * n)
    mean_tol = 5 * sigma / np.sqrt(n)
    assert abs(w.astype(np.float64).std() - sigma) < std_tol
    assert abs(w.astype(np.float64).mean()) < mean_tol


def test_same_seed_gives_identical_weights_and_another_seed_does_not() -> None:
    a, b, c = make_mlp(3), make_mlp(3), make_mlp(4)
    for (name, pa), (_, pb), (_, pc) in zip(
        a.named_parameters(), b.named_parameters(), c.named_parameters(), strict=True
    ):
        # the same generator stream, so bit for bit the same numbers
        np.testing.assert_array_equal(pa.data, pb.data, err_msg=name)
        if name.endswith("weight"):
            assert not np.array_equal(pa.data, pc.data), name


# --- MLP parameters -------------------------------------------------------------------


def test_mlp_state_dict_keys_and_shapes() -> None:
    state = make_mlp(0).state_dict()
    assert list(state) == list(EXPECTED_SHAPES)  # exactly these, in this order
    assert {k: v.shape for k, v in state.items()} == EXPECTED_SHAPES
    assert all(isinstance(v, np.ndarray) and v.dtype == np.float32 for v in state.values())


def test_named_parameters_follow_the_layers_in_order() -> None:
    model = make_mlp(0)
    named = list(model.named_parameters())
    assert [name for name, _ in named] == list(EXPECTED_SHAPES)
    layers = [model[0], model[2], model[4]]
    expected = [t for layer in layers for t in (layer.weight, layer.bias)]
    assert all(p is q for (_, p), q in zip(named, expected, strict=True))
    assert isinstance(model[1], nn.ReLU) and isinstance(model[3], nn.ReLU)
    assert len(model) == 5


def test_parameters_lists_every_parameter_once() -> None:
    model = make_mlp(0)
    params = model.parameters()
    assert len(params) == 6
    assert len({id(p) for p in params}) == 6
    assert all(p is q for p, (_, q) in zip(params, model.named_parameters(), strict=True))
    assert sum(p.numel() for p in params) == 64 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10


def _give_grads(model: nn.MLP) -> None:
    y = np.arange(4) % N_OUT
    F.cross_entropy(model(batch(4)), y).backward()
    assert all(p.grad is not None and np.any(p.grad != 0) for p in model.parameters())


def test_zero_grad_sets_none_by_default() -> None:
    model = make_mlp(0)
    _give_grads(model)
    model.zero_grad()
    assert [p.grad for p in model.parameters()] == [None] * 6


def test_zero_grad_without_set_to_none_zeroes_in_place() -> None:
    model = make_mlp(0)
    _give_grads(model)
    buffers = [p.grad for p in model.parameters()]
    model.zero_grad(set_to_none=False)
    for p, buf in zip(model.parameters(), buffers, strict=True):
        assert p.grad is buf  # the same buffer, now zero
        assert p.grad.shape == p.shape and p.grad.dtype == p.dtype
        np.testing.assert_array_equal(p.grad, np.zeros(p.shape, dtype=p.dtype))


# --- state dicts ------------------------------------------------------------------------------


def test_state_dict_returns_copies() -> None:
    model = make_mlp(0)
    before = params_snapshot(model)
    state = model.state_dict()
    for arr in state.values():
        arr[...] = 42.0
    assert_same_params(model, before)  # writing to the dict did not reach the model
    for p in model.parameters():
        p.data += 1.0
    assert all(np.all(arr == 42.0) for arr in state.values())  # nor the other way round


def test_load_state_dict_round_trip_gives_identical_outputs() -> None:
    source, target = make_donor(1), make_mlp(0)
    x = batch(5)
    assert not np.array_equal(source(x).data, target(x).data)
    params_before = target.parameters()
    target.load_state_dict(source.state_dict())
    assert all(p is q for p, q in zip(target.parameters(), params_before, strict=True))  # in place
    # same parameters, same input, same arithmetic: bit for bit the same outputs
    np.testing.assert_array_equal(target(x).data, source(x).data)
    assert_same_params(target, params_snapshot(source))


def test_load_state_dict_accepts_tensors_and_lists() -> None:
    source, target = make_donor(1, np.float64), make_mlp(0, np.float64)
    state = source.state_dict()
    mixed = {k: (Tensor(v) if i % 2 else v.tolist()) for i, (k, v) in enumerate(state.items())}
    target.load_state_dict(mixed)  # lists of Python floats become float64 arrays
    assert_same_params(target, state)


FIRST, LAST = "0.weight", "4.bias"


def _drop(state: dict, key: str) -> None:
    del state[key]


def _add_unexpected(state: dict, key: str) -> None:
    state[key.replace(".", "_extra.")] = state[key].copy()


def _reshape(state: dict, key: str) -> None:
    state[key] = np.zeros((*state[key].shape, 1), dtype=state[key].dtype)


def _retype(state: dict, key: str) -> None:
    state[key] = state[key].astype(np.float64)


BAD_STATES: dict[str, tuple[Callable[[dict, str], None], type[Exception], Callable[[str], str]]] = {
    "missing key": (_drop, KeyError, lambda k: rf"missing keys \[.*{re.escape(k)}.*\]"),
    "unexpected key": (
        _add_unexpected,
        KeyError,
        lambda k: rf"unexpected keys \[.*{re.escape(k.replace('.', '_extra.'))}.*\]",
    ),
    "wrong shape": (_reshape, ValueError, lambda k: rf"{re.escape(k)}.*shape"),
    "wrong dtype": (_retype, TypeError, lambda k: rf"{re.escape(k)}.*dtype float64.*float32"),
}


@pytest.mark.parametrize("key", [FIRST, LAST])
@pytest.mark.parametrize("problem", list(BAD_STATES))
def test_bad_state_dict_is_refused_and_changes_nothing(problem: str, key: str) -> None:
    spoil, exc, pattern = BAD_STATES[problem]
    model = make_mlp(0)
    before = params_snapshot(model)
    # Every entry but the bad one is valid and differs from the model's, so a loader that
    # copied entries before finding the bad one (LAST) would visibly change the model.
    state = make_donor(1).state_dict()
    spoil(state, key)
    with pytest.raises(exc, match=pattern(key)):
        model.load_state_dict(state)
    assert_same_params(model, before)


# --- forward ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("b", [1, 7])
def test_mlp_output_shape_and_dtype(b: int, dtype: type) -> None:
    out = make_mlp(0, dtype)(batch(b, dtype))
    assert out.shape == (b, N_OUT)
    assert out.dtype == dtype


def _normwise(actual: np.ndarray, expected: np.ndarray) -> float:
    return float(np.max(np.abs(actual - expected)) / np.max(np.abs(expected)))


def test_fused_linear_relu_path_matches_the_composition() -> None:
    rng = np.random.default_rng(11)
    model = make_mlp(0, np.float64)
    for p in model.parameters():  # nonzero biases, so every term of the rule counts
        p.data += 0.1 * rng.standard_normal(p.shape)
    x_data = rng.standard_normal((8, N_IN))
    y = rng.integers(0, N_OUT, 8)

    x = Tensor(x_data, requires_grad=True)
    loss = F.cross_entropy(model(x), y)
    ops = sorted(type(n._ctx).__name__ for n in toposort(loss))
    assert ops == ["CrossEntropy", "Linear", "LinearReLU", "LinearReLU"]  # fused, 1 node/layer
    loss.backward()

    # The same network written out with separate nodes, on separate leaves.
    x2 = Tensor(x_data, requires_grad=True)
    w = [Tensor(p.data.copy(), requires_grad=True) for p in model.parameters()]
    h = F.relu(F.linear(x2, w[0], w[1]))
    h = F.relu(F.linear(h, w[2], w[3]))
    loss2 = F.cross_entropy(F.linear(h, w[4], w[5]), y)
    loss2.backward()

    # Both paths do the same numpy operations on the same operands (matmul, add, max with 0,
    # multiply by the mask), so they agree to the last bit in practice; the bound 1e-13 on the
    # max-norm relative error only allows a BLAS kernel to sum in another order (~64 terms
    # * 1.1e-16 = 7e-15).
    assert _normwise(np.asarray(loss.data), np.asarray(loss2.data)) <= 1e-13
    for (name, p), q in zip(model.named_parameters(), w, strict=True):
        assert _normwise(p.grad, q.grad) <= 1e-13, name
    assert _normwise(x.grad, x2.grad) <= 1e-13


def test_a_frozen_parameter_is_still_saved_loaded_and_skipped_by_the_optimizer() -> None:
    from tinygrad_mlp.optim import SGD

    model = nn.MLP(3, [4], 2, rng=np.random.default_rng(0), dtype=np.float64)
    model[0].weight.requires_grad_(False)
    assert "0.weight" in model.state_dict()
    other = nn.MLP(3, [4], 2, rng=np.random.default_rng(1), dtype=np.float64)
    other.load_state_dict(model.state_dict())  # all four keys load, frozen one included
    np.testing.assert_array_equal(other[0].weight.data, model[0].weight.data)
    frozen = model[0].weight.data.copy()
    opt = SGD(model.parameters(), lr=0.1)
    x = Tensor(np.random.default_rng(2).standard_normal((5, 3)))
    F.cross_entropy(model(x), np.array([0, 1, 0, 1, 1])).backward()
    opt.step()
    assert model[0].weight.grad is None
    np.testing.assert_array_equal(model[0].weight.data, frozen)
    assert model[2].weight.grad is not None
