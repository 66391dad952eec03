"""Second review of what a jitted step makes (6000c88..74dd2ba): cases found from outside.

Each compares the jitted step with the eager one on the same inputs, call after call: the
same values (bit for bit), the same errors, or a JitError where the jit cannot follow.
"""

from __future__ import annotations

import numpy as np

from tinygrad_mlp import Tensor, jit

from .test_jit_sound import same


def test_a_tensor_wrapping_an_array_argument_is_returned_as_a_tensor():
    """``return Tensor.from_numpy(x)`` of an array argument: the trace names it as the
    argument, and a replay returned the argument itself, a numpy array, where the eager step
    returns a Tensor sharing it; the check of call 2 then refused the step, saying the
    replay did not match. It is a Tensor sharing the argument's memory, as eagerly."""
    step = jit(lambda x: Tensor.from_numpy(x))
    for i in range(5):
        x = np.random.default_rng(i).standard_normal(3)
        out = step(x)
        assert isinstance(out, Tensor) and not out.requires_grad, f"call {i}"
        assert same(out.numpy(), x) and np.shares_memory(out.numpy(), x), f"call {i}"
    assert (step.traces, step.replays) == (2, 4)
