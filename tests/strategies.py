"""The test suite's one strategies module: the public ones, plus the table of ops.

Everything general lives in :mod:`tinygrad_mlp.testing.strategies` (users import it too);
this file adds only what is specific to this suite's tests.
"""

from tinygrad_mlp.testing.strategies import (
    ALIAS_STEPS,
    SeedNetwork,
    arrays,
    broadcastable_shapes,
    float_arrays,
    inplace_programs,
    kinked_arrays,
    logits,
    one_hot_targets,
    probability_targets,
    seed_networks,
    seeds,
    shapes,
    shared_layer_stacks,
    targets,
)

__all__ = [
    "ALIAS_STEPS",
    "SeedNetwork",
    "arrays",
    "broadcastable_shapes",
    "float_arrays",
    "inplace_programs",
    "kinked_arrays",
    "logits",
    "one_hot_targets",
    "probability_targets",
    "seed_networks",
    "seeds",
    "shapes",
    "shared_layer_stacks",
    "targets",
]
