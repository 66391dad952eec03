"""numpy array functions on Tensors (np.sum, np.concatenate, np.where, ...): numpy's values,
numpy's argument semantics (np.var's ddof=0, np.transpose's permutation, axis=None that
flattens), and the gradient of the Tensor op they map to.

Each case is one call written once: run on the float64 data it is numpy itself, the
reference; run on a Tensor it must return a Tensor (or a list of them, for np.split) on the
graph. Tolerances: VALUE_TOL = 1e-12, our op against numpy's function on the same data (the
same function by other numpy calls: a few ulps, 1.1e-16 each, per operation); FD_TOL = 1e-6,
central differences with eps = 1e-6 in float64 (truncation ~1e-12 |f'''|, round-off ~1e-9).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor, numerical_grad
from tinygrad_mlp.testing import assert_grads_close

from . import strategies as st

VALUE_TOL = 1e-12
FD_TOL = 1e-6

A = np.linspace(-1.0, 1.0, 12).reshape(3, 4)  # a constant operand beside the Tensor
COND = np.array([[True, False, True, False]] * 3)
IDX = np.array([[3, 0, 0, 1, 2], [1, 1, 1, 1, 1], [0, 2, 3, 2, 0]])  # repeats add up

# name -> (the call, the input's shape)
CASES: dict[str, tuple[Callable[[Any], Any], tuple[int, ...]]] = {
    "sum": (lambda x: np.sum(x), (3, 4)),
    "sum axis keepdims": (lambda x: np.sum(x, axis=1, keepdims=True), (3, 4)),
    "sum axis tuple": (lambda x: np.sum(x, (0, 2)), (2, 3, 4)),
    "mean": (lambda x: np.mean(x, axis=0), (3, 4)),
    "prod": (lambda x: np.prod(x, axis=1), (3, 4)),
    "max": (lambda x: np.max(x), (3, 4)),
    "amax axis": (lambda x: np.amax(x, axis=0, keepdims=True), (3, 4)),
    "min axis": (lambda x: np.min(x, axis=1), (3, 4)),
    "amin": (lambda x: np.amin(x), (3, 4)),
    "var (numpy's ddof=0)": (lambda x: np.var(x), (3, 4)),
    "var ddof=1 axis": (lambda x: np.var(x, axis=1, ddof=1), (3, 4)),
    "std": (lambda x: np.std(x, axis=0), (3, 4)),
    "std correction": (lambda x: np.std(x, correction=1), (3, 4)),
    "cumsum flattened": (lambda x: np.cumsum(x), (3, 4)),
    "cumsum axis": (lambda x: np.cumsum(x, axis=1), (3, 4)),
    "reshape": (lambda x: np.reshape(x, (4, -1)), (3, 4)),
    "ravel": (lambda x: np.ravel(x), (3, 4)),
    "transpose": (lambda x: np.transpose(x), (2, 3, 4)),
    "transpose axes": (lambda x: np.transpose(x, (1, 2, 0)), (2, 3, 4)),
    "moveaxis": (lambda x: np.moveaxis(x, 0, -1), (2, 3, 4)),
    "swapaxes": (lambda x: np.swapaxes(x, 0, 2), (2, 3, 4)),
    "squeeze": (lambda x: np.squeeze(x), (3, 1, 4)),
    "squeeze axis": (lambda x: np.squeeze(x, axis=1), (3, 1, 4)),
    "expand_dims": (lambda x: np.expand_dims(x, (0, 2)), (3, 4)),
    "broadcast_to": (lambda x: np.broadcast_to(x, (2, 3, 4)), (3, 4)),
    "concatenate": (lambda x: np.concatenate([x, A], axis=1), (3, 4)),
    "concatenate axis=None": (lambda x: np.concatenate((A, x), axis=None), (3, 4)),
    "stack": (lambda x: np.stack([x, A, x]), (3, 4)),
    "stack axis": (lambda x: np.stack([A, x], axis=-1), (3, 4)),
    "where": (lambda x: np.where(COND, x, A), (3, 4)),
    "where number": (lambda x: np.where(COND, 0.5, x), (3, 4)),
    "clip": (lambda x: np.clip(x, -0.5, 0.5), (3, 4)),
    "clip upper only": (lambda x: np.clip(x, None, 0.3), (3, 4)),
    "clip array bounds": (lambda x: np.clip(x, a_min=A - 0.8, a_max=A + 0.6), (3, 4)),
    "dot 2-D": (lambda x: np.dot(x, A.T), (3, 4)),
    "dot 1-D": (lambda x: np.dot(A[0], x), (4,)),
    "dot 0-D": (lambda x: np.dot(x, 2.5), (3, 4)),
    "matmul": (lambda x: np.matmul(A.T, x), (3, 2)),
    "flip": (lambda x: np.flip(x), (3, 4)),
    "flip axis": (lambda x: np.flip(x, axis=1), (3, 4)),
    "tile": (lambda x: np.tile(x, (2, 1)), (3, 4)),
    "tile short reps": (lambda x: np.tile(x, 2), (3, 4)),
    "split sections": (lambda x: np.split(x, 2, axis=1), (3, 4)),
    "split indices": (lambda x: np.split(x, [1, 3]), (4, 3)),
    # numpy's indices are slice bounds: negative ones count from the end, a decreasing pair
    # gives an empty piece and the next piece starts over (pieces overlap: gradients add up)
    "split negative index": (lambda x: np.split(x, [-1], axis=1), (3, 4)),
    "split decreasing indices": (lambda x: np.split(x, [3, 1], axis=1), (3, 4)),
    "split index past the end": (lambda x: np.split(x, [2, 9]), (4, 3)),
    "split negative then positive": (lambda x: np.split(x, [-3, 3], axis=-1), (2, 5)),
    "array_split uneven sections": (lambda x: np.array_split(x, 3, axis=1), (2, 5)),
    "array_split more sections than rows": (lambda x: np.array_split(x, 4), (3, 2)),
    "array_split indices": (lambda x: np.array_split(x, [-2, 1]), (4, 3)),
    "hsplit": (lambda x: np.hsplit(x, [1, -1]), (3, 4)),
    "hsplit 1-D": (lambda x: np.hsplit(x, 2), (4,)),
    "vsplit": (lambda x: np.vsplit(x, 2), (4, 3)),
    "dsplit": (lambda x: np.dsplit(x, [-1]), (2, 2, 3)),
    "pad": (lambda x: np.pad(x, ((1, 0), (2, 1)), constant_values=1.5), (3, 4)),
    "pad one width": (lambda x: np.pad(x, 1), (2, 3, 4)),
    "take_along_axis": (lambda x: np.take_along_axis(x, IDX, axis=1), (3, 4)),
    "take_along_axis flat": (lambda x: np.take_along_axis(x, IDX[0], axis=None), (3, 4)),
}


def _flat(out: Any) -> list[Any]:
    return list(out) if isinstance(out, list) else [out]


def _loss(out: Any, cs: list[np.ndarray]) -> Tensor:
    parts = [(o * c).sum() for o, c in zip(_flat(out), cs, strict=True)]
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total


@pytest.mark.parametrize("case", CASES)
@given(seed=st.seeds)
def test_function_gives_numpys_value_and_the_ops_gradient(case, seed):
    call, shape = CASES[case]
    rng = np.random.default_rng(seed)
    data = rng.uniform(-2.0, 2.0, size=shape)
    expected = _flat(call(data.copy()))  # numpy on plain arrays: the reference
    x = Tensor(data, requires_grad=True)
    got = _flat(call(x))
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert isinstance(g, Tensor), f"{case} left the graph: {type(g).__name__}"
        assert g.shape == np.shape(e)
        np.testing.assert_allclose(g.numpy(), e, rtol=VALUE_TOL, atol=VALUE_TOL)
    cs = [np.random.default_rng([seed, 7]).uniform(-1, 1, size=np.shape(e)) for e in expected]
    x = Tensor(data, requires_grad=True)  # fresh leaves: a recorded graph holds its inputs
    (grad,) = tm.grad(_loss(call(x), cs), [x])
    fd_x = Tensor(data, requires_grad=True)
    (numeric,) = numerical_grad(lambda t: _loss(call(t), cs), [fd_x])
    assert_grads_close(grad.numpy(), numeric, rtol=FD_TOL, atol=FD_TOL)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda x: np.argmax(x, axis=1), np.array([2, 0])),
        (lambda x: np.argmin(x), np.array(4)),
        (lambda x: np.all(x > 0, axis=0), np.array([True, False, True])),
        (lambda x: np.any(x < 0), np.array(True)),
        (lambda x: np.zeros_like(x), np.zeros((2, 3))),
        (lambda x: np.ones_like(x, dtype=np.float32), np.ones((2, 3), np.float32)),
        (lambda x: np.full_like(x, 7.0), np.full((2, 3), 7.0)),
    ],
)
def test_functions_without_a_gradient_return_constant_tensors(call, expected):
    x = Tensor(np.array([[1.0, 2.0, 3.0], [4.0, -5.0, 0.5]]), requires_grad=True)
    out = call(x)
    assert isinstance(out, Tensor) and not out.requires_grad
    assert out.dtype == expected.dtype
    np.testing.assert_array_equal(out.numpy(), expected)


def test_dtype_keyword_of_a_reduction_casts_first():
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    out = np.mean(x, dtype=np.float64)
    assert isinstance(out, Tensor) and out.dtype == np.float64
    (g,) = tm.grad(out, [x])
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g.numpy(), [0.5, 0.5])


def test_one_argument_where_gives_indices_and_is_refused_on_a_grad_tensor():
    x = Tensor(np.array([0.0, 2.0]), requires_grad=True)
    with pytest.raises(TypeError, match=r"numpy\.where"):
        np.where(x)
    (idx,) = np.where(Tensor(np.array([0.0, 2.0])))  # plain data: numpy's indices
    np.testing.assert_array_equal(idx, [1])


def test_dot_of_higher_rank_arrays_is_refused_on_a_grad_tensor():
    x = Tensor(np.ones((2, 2, 2)), requires_grad=True)
    with pytest.raises(TypeError, match=r"numpy\.dot"):
        np.dot(x, np.ones((2, 2)))


def test_pad_modes_other_than_constant_are_refused_on_a_grad_tensor():
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    with pytest.raises(TypeError, match=r"numpy\.pad"):
        np.pad(x, 1, mode="reflect")


def test_split_sections_must_divide_the_axis():
    with pytest.raises(ValueError, match="sections"):
        np.split(Tensor(np.ones((3, 4)), requires_grad=True), 3, axis=1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: np.array_split(x, 0), "sections must be positive"),
        (lambda x: np.vsplit(x[0], 1), "at least 2 dimensions"),
        (lambda x: np.dsplit(x, 1), "at least 3 dimensions"),
    ],
)
def test_split_arguments_numpy_refuses_are_refused(call, message):
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    with pytest.raises(ValueError, match=message):
        call(x)
    with pytest.raises(ValueError):
        call(np.ones((3, 4)))  # numpy refuses the same call


def test_tensor_split_keeps_torchs_sizes_meaning_beside_numpys_indices():
    data = np.arange(12.0).reshape(3, 4)
    x = Tensor(data, requires_grad=True)
    assert [p.shape for p in x.split([3, 1], dim=1)] == [(3, 3), (3, 1)]  # sizes
    assert [p.shape for p in tm.split(x, 3, dim=1)] == [(3, 3), (3, 1)]  # size of each
    assert [p.shape for p in np.split(x, [3], axis=1)] == [(3, 3), (3, 1)]  # an index
    assert [p.shape for p in np.split(x, [-1], axis=1)] == [(3, 3), (3, 1)]
    with pytest.raises(ValueError, match="add up"):
        x.split([3, -1], dim=1)  # torch refuses negative sizes too
