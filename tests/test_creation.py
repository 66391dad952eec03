"""Creation functions: shapes, torch's default dtypes, requires_grad, explicit generators only."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm


def test_constant_fills_have_torch_default_dtypes_and_shapes():
    assert tm.zeros(2, 3).dtype == np.float32 and tm.zeros((2, 3)).shape == (2, 3)
    assert tm.ones(4, dtype=np.float64).dtype == np.float64
    assert tm.zeros(0).shape == (0,) and tm.ones().shape == ()
    assert tm.full((2,), 3).dtype == np.int64
    assert tm.full((2,), 0.5).dtype == np.float32
    assert tm.full((2,), True).dtype == np.bool_
    assert tm.full(3, np.float64(2.0)).dtype == np.float64  # numpy scalars keep theirs
    np.testing.assert_array_equal(tm.eye(2, 3).numpy(), np.eye(2, 3))
    assert tm.eye(3).dtype == np.float32


def test_like_functions_copy_shape_and_dtype_but_not_the_graph():
    x = tm.Tensor(np.ones((2, 3)), requires_grad=True) * 2.0
    for y in (tm.zeros_like(x), tm.ones_like(x), tm.full_like(x, 7.0)):
        assert y.shape == (2, 3) and y.dtype == np.float64
        assert y.is_leaf and not y.requires_grad
    assert tm.zeros_like(x, dtype=np.int32).dtype == np.int32
    np.testing.assert_array_equal(tm.full_like(np.zeros(2), 7.0).numpy(), [7.0, 7.0])


def test_ranges():
    np.testing.assert_array_equal(tm.arange(4).numpy(), [0, 1, 2, 3])
    assert tm.arange(4).dtype == np.int64 and tm.arange(0.0, 1.0, 0.5).dtype == np.float32
    np.testing.assert_array_equal(tm.arange(5, 1, -2).numpy(), [5, 3])
    np.testing.assert_array_equal(tm.linspace(-1, 1, 3).numpy(), [-1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="step"):
        tm.arange(0, 3, 0)
    with pytest.raises(ValueError, match="steps"):
        tm.linspace(0, 1, -1)


def test_requires_grad_makes_a_float_leaf_and_refuses_ints():
    w = tm.randn(3, 2, generator=np.random.default_rng(0), dtype=np.float64, requires_grad=True)
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, 2 * w.numpy())
    with pytest.raises(TypeError, match="floating-point"):
        tm.zeros(2, dtype=np.int64, requires_grad=True)


def test_random_tensors_come_from_the_given_generator_only():
    def draw(seed: int) -> list[np.ndarray]:
        g = np.random.default_rng(seed)
        return [
            tm.rand(2, 3, generator=g).numpy(),
            tm.randn(4, generator=g).numpy(),
            tm.randint(0, 5, (6,), generator=g).numpy(),
            tm.normal(1.0, 0.5, (3,), generator=g).numpy(),
        ]

    for a, b in zip(draw(7), draw(7), strict=True):
        np.testing.assert_array_equal(a, b)  # same seed, same tensors: no hidden state
    assert not all(np.array_equal(a, b) for a, b in zip(draw(7), draw(8), strict=True))
    r = tm.randint(3, (1000,), generator=np.random.default_rng(1))
    assert r.dtype == np.int64 and r.numpy().min() == 0 and r.numpy().max() == 2
    u = tm.rand(1000, generator=np.random.default_rng(1)).numpy()
    assert u.dtype == np.float32 and 0.0 <= u.min() and u.max() < 1.0


@pytest.mark.parametrize(
    "call",
    [
        lambda: tm.randn(2, generator=np.random.default_rng),  # the function, not a Generator
        lambda: tm.rand(2, generator=np.random.RandomState(0)),
        lambda: tm.randint(0, 2, (2,), generator=0),
    ],
)
def test_random_functions_need_a_numpy_generator(call):
    with pytest.raises(TypeError, match=r"numpy\.random\.Generator"):
        call()


def test_bad_sizes_are_clear_errors():
    with pytest.raises(ValueError, match="non-negative ints"):
        tm.zeros(2, -1)
    with pytest.raises(ValueError, match="non-negative ints"):
        tm.ones(2.5)
    with pytest.raises(ValueError, match="low < high"):
        tm.randint(3, 3, (2,), generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match="std"):
        tm.normal(0.0, -1.0, (2,), generator=np.random.default_rng(0))
