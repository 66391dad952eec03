"""The benchmark's reference steps compute what they claim (their speed is never asserted).

``bench/exact.py``'s step is the floor of an exact replay only if it is the eager step's
arithmetic: its parameters must stay bit for bit equal to the eager engine's over many steps,
for every size's layout and both dtypes. The hand-written numpy step is the seed's closed form,
so it agrees with the eager step to round-off only (its products and sums are ordered
differently), checked with a tolerance from that.
"""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_mlp import nn
from tinygrad_mlp.bench.exact import exact_numpy_step
from tinygrad_mlp.bench.tensor import engine_step, numpy_step

LAYOUTS = {
    "two hidden": (12, [9, 7], 5, 6),
    "one hidden": (4, [3], 2, 5),
    "three hidden": (6, [5, 4, 3], 4, 3),
}


def _problem(layout: str, dtype: type) -> tuple[nn.MLP, np.ndarray, np.ndarray]:
    n, hidden, k, batch = LAYOUTS[layout]
    rng = np.random.default_rng(7)
    model = nn.MLP(n, hidden, k, rng=np.random.default_rng(3), dtype=dtype)
    x = rng.standard_normal((batch, n)).astype(dtype)
    y = rng.integers(0, k, batch)
    return model, x, y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_exact_numpy_step_is_bit_for_bit_the_eager_step(layout: str, dtype: type) -> None:
    model, x, y = _problem(layout, dtype)
    params = [p.data.copy() for p in model.parameters()]
    exact, eager = exact_numpy_step(params, x, y, 0.3), engine_step(model, x, y, 0.3)
    for step in range(40):  # a large lr: the ReLU patterns change along the way
        assert exact() == eager(), step
        for mine, theirs in zip(params, model.parameters(), strict=True):
            assert mine.dtype == theirs.dtype
            np.testing.assert_array_equal(mine, theirs.data, err_msg=f"step {step}")


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_folded_step_agrees_with_the_exact_one_to_round_off(layout: str) -> None:
    # folded=True (the measurement of a non-exact fast mode) scales each delta by -lr
    # before its products: the same sums, rounded in another order
    model, x, y = _problem(layout, np.float64)
    exact_params = [p.data.copy() for p in model.parameters()]
    folded_params = [p.data.copy() for p in model.parameters()]
    exact = exact_numpy_step(exact_params, x, y, 0.1)
    folded = exact_numpy_step(folded_params, x, y, 0.1, folded=True)
    for _ in range(5):
        # the losses of the same parameters: the steps differ in their update only, so the
        # first is equal and later ones drift by float64 round-off of sums of ~10 terms
        assert folded() == pytest.approx(exact(), rel=1e-12)
    for mine, theirs in zip(folded_params, exact_params, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)


def test_the_hand_written_step_agrees_with_the_engine_to_round_off() -> None:
    model, x, y = _problem("two hidden", np.float64)
    params = [p.data.copy() for p in model.parameters()]
    ref, eager = numpy_step(params, x, y, 0.1), engine_step(model, x, y, 0.1)
    for _ in range(5):
        loss_ref, loss_eager = ref(), eager()
        # different summation order only: float64 round-off over sums of ~10 terms, far
        # below 1e-12 relative for values of order 1
        assert loss_ref == pytest.approx(loss_eager, rel=1e-12)
    for mine, theirs in zip(params, model.parameters(), strict=True):
        np.testing.assert_allclose(mine, theirs.data, rtol=1e-12, atol=1e-14)
