"""Every tensor the library returns is a full ``tm.Tensor`` (issue 19: the Tensor split).

The engine holds only ``TensorCore`` and never names the public class: ops, backward's seeds,
``tm.grad``, ``call`` inside a rule and numpy interop make tensors through
``TensorCore._make_output``, which ``tinygrad_mlp/tensor/tensor.py`` sets. These check each
of those paths returns the public class (with its methods), not the bare core.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp.engine.node import call
from tinygrad_mlp.engine.tensor_core import TensorCore
from tinygrad_mlp.ops import Mul


def _x() -> tm.Tensor:
    return tm.Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)


def _paths() -> dict[str, Any]:
    x = _x()
    (g2,) = tm.grad((x**3).sum(), [x], create_graph=True)
    y = x * 2
    y.backward(np.ones(3), create_graph=True)
    return {
        "op output": x * 2,
        "constant op output": tm.Tensor(np.ones(2)) + 1,
        "tm.grad": tm.grad((x * x).sum(), [x])[0],
        "tm.grad create_graph": g2,
        ".grad under create_graph": x.grad,
        "call inside a rule, an array first": call(Mul, np.ones(2), x[:2]),
        "numpy ufunc": np.sin(x),
        "numpy ufunc constant": np.isfinite(x),
        "numpy where with an array condition": np.where(np.array([True, False, True]), x, 0.0),
        "numpy concatenate with an array": np.concatenate([x, np.ones(2)]),
        "numpy zeros_like": np.zeros_like(x),
        "tm.cat of arrays": tm.cat([np.ones(2), np.ones(1)]),
        "tm.rand": tm.rand(2, generator=np.random.default_rng(0)),
        "tm.zeros_like of an array": tm.zeros_like(np.ones(2)),
        "comparison": x > 0,
        "detach": x.detach(),
    }


@pytest.mark.parametrize("name", sorted(_paths()))
def test_every_path_returns_the_public_tensor(name: str) -> None:
    t = _paths()[name]
    assert type(t) is tm.Tensor, f"{name}: {type(t)}"
    assert t.sum().shape == ()  # a method of the public class, absent from the core


def test_the_engine_core_has_no_methods_and_the_public_class_extends_it() -> None:
    assert issubclass(tm.Tensor, TensorCore)
    assert not hasattr(TensorCore, "sum") and not hasattr(TensorCore, "__add__")
    assert TensorCore._make_output == tm.Tensor._make  # set by tinygrad_mlp/tensor/tensor.py


def test_a_traced_subclass_does_not_leak_into_what_the_ops_make() -> None:
    """tm.jit swaps a parameter's class for a guarded subclass while tracing; the ops'
    outputs must stay plain Tensors (a guarded loss would refuse .item() after the step)."""

    class Sub(tm.Tensor):
        __slots__ = ()

    for requires_grad in (True, False):  # recorded, and not
        x = tm.Tensor(np.ones(2), requires_grad=requires_grad)
        x.__class__ = Sub
        assert type(x * 2) is tm.Tensor
        assert type(x > 0) is tm.Tensor  # an op without a gradient (ops/nondiff.py)
