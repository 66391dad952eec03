"""Hypothesis strategies for gradient tests: shapes, arrays, logits, targets, seed networks.

Arrays whose exact values matter little (weights, inputs of smooth functions) are drawn as a
seed for a ``numpy.random.Generator``: hypothesis explores shapes and seeds, numpy supplies
continuous values, so no finite difference lands on a kink by an accident of round numbers.

Example::

    from hypothesis import given
    from tinygrad_mlp.testing import strategies as st

    @given(st.seed_networks())
    def test_something(net):
        loss, grads = closed_form.loss_and_grads(net.params, net.x, net.target)
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

try:
    from hypothesis import strategies as hs
    from hypothesis.extra import numpy as hnp
except ImportError as exc:  # an optional extra: say which, instead of a bare import error
    raise ImportError(
        "tinygrad_mlp.testing.strategies needs hypothesis: pip install 'tinygrad-mlp[test]'"
    ) from exc

from ..seed.network import SeedNetwork

__all__ = [
    "seeds",
    "shapes",
    "broadcastable_shapes",
    "arrays",
    "float_arrays",
    "logits",
    "one_hot_targets",
    "probability_targets",
    "targets",
    "kinked_arrays",
    "SeedNetwork",
    "seed_networks",
    "ALIAS_STEPS",
    "inplace_programs",
    "shared_layer_stacks",
]

seeds = hs.integers(min_value=0, max_value=2**32 - 1)  # for numpy.random.default_rng


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> Any:
    """Array shapes, e.g. (), (3,), (2, 1, 4)."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(max_dims: int = 3, max_side: int = 4) -> Any:
    """Pairs of shapes that broadcast against each other, e.g. ((3, 1), (4,))."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=max_dims, min_side=1, max_side=max_side
    ).map(lambda bs: bs.input_shapes)


def arrays(
    shape: tuple[int, ...],
    low: float = -2.0,
    high: float = 2.0,
    away_from_zero: float = 0.0,
    dtype: Any = np.float64,
) -> Any:
    """Arrays of ``shape`` with entries uniform in [low, high], seeded (continuous values).

    ``away_from_zero`` > 0 keeps every |entry| >= that margin (for relu, 1/x, log of |x|).
    """

    def build(seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        a = rng.uniform(low, high, size=shape)
        if away_from_zero > 0:
            a = np.where(np.abs(a) < away_from_zero, np.copysign(away_from_zero, a), a)
        return a.astype(dtype)

    return seeds.map(build)


def float_arrays(
    shape: Any = None, min_value: float = -10.0, max_value: float = 10.0, dtype: Any = np.float64
) -> Any:
    """Arrays whose entries hypothesis draws itself (edge values: 0, equal entries, bounds)."""
    return hnp.arrays(
        dtype=dtype,
        shape=shapes() if shape is None else shape,
        elements=hs.floats(min_value, max_value, allow_nan=False, width=64),
    )


def logits(
    batch: Any = None, classes: Any = None, magnitude: float = 10.0, dtype: Any = np.float64
) -> Any:
    """Logits of shape (B, K) with entries uniform in [-magnitude, magnitude]."""
    batch = hs.integers(1, 8) if batch is None else batch
    classes = hs.integers(2, 8) if classes is None else classes

    @hs.composite
    def build(draw: Any) -> np.ndarray:
        b, k = draw(batch), draw(classes)
        return draw(arrays((b, k), -magnitude, magnitude, dtype=dtype))

    return build()


def one_hot_targets(batch: int, classes: int) -> Any:
    """Integer labels of shape (B,) in [0, K)."""
    return hnp.arrays(np.int64, (batch,), elements=hs.integers(0, classes - 1))


def probability_targets(batch: int, classes: int, normalised: bool = True) -> Any:
    """Non-negative targets of shape (B, K); rows sum to one unless ``normalised`` is False."""

    def build(seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        t = rng.exponential(size=(batch, classes)) * (rng.random((batch, classes)) < 0.7)
        if normalised:
            t[:, 0] += t.sum(axis=1) == 0  # no all-zero row, so the rows can sum to one
            t /= t.sum(axis=1, keepdims=True)
        else:
            t *= rng.uniform(0.1, 3.0, size=(batch, 1))
        return t

    return seeds.map(build)


def targets(batch: int, classes: int) -> Any:
    """Any target cross_entropy takes: labels, probability rows, or non-normalised rows."""
    return hs.one_of(
        one_hot_targets(batch, classes),
        probability_targets(batch, classes),
        probability_targets(batch, classes, normalised=False),
    )


def kinked_arrays(shape: Any = None, max_zeros: int = 3) -> Any:
    """(array, zeros, tie) pairs for kink tests: continuous values, some entries exactly 0.

    Up to ``max_zeros`` entries are set to exactly 0 (relu's kink); the largest entry is
    positive and, sometimes when there are three entries or more, copied to another place (a
    tie of max). Returns
    a tuple (array, number of exact zeros, whether a tie of the max was made); the other
    entries keep |x| >= 0.1, away from every kink.
    """
    shape_st = shapes(min_dims=1, max_dims=2, min_side=1, max_side=4) if shape is None else shape

    @hs.composite
    def build(draw: Any) -> tuple[np.ndarray, int, bool]:
        shp = draw(shape_st) if not isinstance(shape_st, tuple) else shape_st
        rng = np.random.default_rng(draw(seeds))
        a = rng.uniform(0.1, 2.0, size=shp) * rng.choice([-1.0, 1.0], size=shp)
        flat = a.reshape(-1)
        picks = rng.permutation(flat.size)
        tie = flat.size >= 3 and draw(hs.booleans())
        flat[picks[0]] = abs(flat[picks[0]]) + 2.5  # the largest entry, positive: no tie at 0
        if tie:  # copied somewhere else: max has two arg-maxima
            flat[picks[1]] = flat[picks[0]]
        picks = picks[2:] if tie else picks[1:]
        zeros = min(draw(hs.integers(0, max_zeros)), picks.size)
        flat[picks[:zeros]] = 0.0
        return a, zeros, bool(tie)

    return build()


def seed_networks(
    max_width: int = 8, max_batch: int = 8, depth: tuple[int, int] = (2, 2), dtype: Any = np.float64
) -> Any:
    """Seed networks with random sizes, He-scaled weights, nonzero biases, inputs, targets.

    ``depth`` bounds the number of hidden layers (the seed has two).
    """

    @hs.composite
    def build(draw: Any) -> SeedNetwork:
        n_hidden = draw(hs.integers(*depth))
        sizes = [draw(hs.integers(1, max_width)) for _ in range(n_hidden + 1)]
        sizes.append(draw(hs.integers(2, max_width)))
        batch = draw(hs.integers(1, max_batch))
        rng = np.random.default_rng(draw(seeds))
        params = []
        for fan_in, fan_out in itertools.pairwise(sizes):
            W = rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in)
            params.append((W.astype(dtype), (0.1 * rng.standard_normal(fan_out)).astype(dtype)))
        x = rng.standard_normal((batch, sizes[0])).astype(dtype)
        target = draw(targets(batch, sizes[-1]))
        return SeedNetwork(sizes, params, x, target)

    return build()


# Steps whose results share memory with their input in torch (views) or not (copies), each
# written once for a torch tensor and a Tensor alike (the same method names).
ALIAS_STEPS: dict[str, Any] = {
    "reshape(-1)": lambda t: t.reshape(-1),
    "flip(0)": lambda t: t.flip(0),
    "transpose(0, -1)": lambda t: t.transpose(0, -1),
    "permute(reversed)": lambda t: t.permute(*reversed(range(t.ndim))),
    "[0]": lambda t: t[0] if t.ndim > 1 else t,
    "[..., :1]": lambda t: t[..., :1],
    "[[0, 0]]": lambda t: t[[0, 0]],
    "[t > 0]": lambda t: t[t > 0],
    "split(1)[0]": lambda t: t.split(1)[0],
    "unsqueeze(0)": lambda t: t.unsqueeze(0),
    "squeeze()": lambda t: t.squeeze(),
    "detach()": lambda t: t.detach(),
    "* 1": lambda t: t * 1,
    "repeat": lambda t: t.repeat(*([1] * t.ndim)),
}


def inplace_programs(max_steps: int = 3) -> Any:
    """Programs ``y = step(...step(x)); y op= operand`` for the in-place aliasing rules.

    A dict: ``shape`` (2-D or 3-D), ``steps`` (names in ``ALIAS_STEPS``, applied in
    order), ``op`` (``"+="``, ``"-="``, ``"*="``, ``"/="``), ``operand`` (``"number"``, or
    ``"row"``: an array of y's last axis, broadcast) and ``seed`` (x's and the operand's
    values). Run it on torch and on tinygrad_mlp and compare x and y after the write: every
    view must carry the write back into x, every copy must not.

    Example::

        @given(st.inplace_programs())
        def test_aliasing(p): ...
    """
    return hs.fixed_dictionaries(
        {
            "shape": shapes(min_dims=2, max_dims=3, min_side=1, max_side=3),
            "steps": hs.lists(hs.sampled_from(sorted(ALIAS_STEPS)), min_size=1, max_size=max_steps),
            "op": hs.sampled_from(["+=", "-=", "*=", "/="]),
            "operand": hs.sampled_from(["number", "row"]),
            "seed": seeds,
        }
    )


def shared_layer_stacks(max_layers: int = 5) -> Any:
    """Stacks of square Linear layers in which later entries may reuse earlier layers.

    A dict: ``width``; ``layers``, each an int ``j`` (reuse the layer first made at entry
    ``j``) or None (a new layer); ``acts``, one after each entry (``"kinked"``: a ReLU,
    ``"smooth"``: a Tanh, ``""``: none); ``nest`` (the first ``nest`` entries go into an
    inner Sequential, 0 for none); and ``seed``. Build it in torch and in tinygrad_mlp with
    the same weights and compare parameter names, state-dict keys and gradients: a shared
    layer is one parameter.

    Example::

        @given(st.shared_layer_stacks())
        def test_tied(spec): ...
    """

    @hs.composite
    def build(draw: Any) -> dict[str, Any]:
        n = draw(hs.integers(1, max_layers))
        layers: list[int | None] = []
        for _ in range(n):
            made = [j for j, v in enumerate(layers) if v is None]
            layers.append(draw(hs.sampled_from([None, *made])) if made else None)
        acts = draw(hs.lists(hs.sampled_from(["kinked", "smooth", ""]), min_size=n, max_size=n))
        return {
            "width": draw(hs.integers(1, 3)),
            "layers": layers,
            "acts": acts,
            "nest": draw(hs.integers(0, n)),
            "seed": draw(seeds),
        }

    return build()
