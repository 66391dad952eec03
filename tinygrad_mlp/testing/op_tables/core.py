"""Rows for the engine's first ops: arithmetic, powers, exp and log, relu, tanh, sigmoid,
softmax, sum, mean, max, reshape, transpose, indexing, matmul and the fused linear layers.

Rows with a ``scalar`` version run on the scalar engine too (``Value``), entry by entry, so
one row checks both engines. The scalar engine has ``a ** b`` and ``c ** x``; the tensor
engine writes them as exp(b log a), the same function, so the two can be compared.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ... import functional as F
from ...ops import CrossEntropyGrad
from ...seed import closed_form
from .row import Kink, OpRow

__all__ = ["ROWS"]

Inputs = Callable[[np.random.Generator], tuple[np.ndarray, ...]]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # the same function written another way


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _signed(rng: np.random.Generator, shape: tuple[int, ...], low: float) -> np.ndarray:
    """|x| uniform in [low, 2], either sign: a divisor or a pole kept ``low`` away from 0."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, 2.0, size=shape)


def _away_from_zero(*shapes: tuple[int, ...], low: float = 0.2) -> Inputs:
    return lambda rng: tuple(_signed(rng, s, low) for s in shapes)


def _divide_inputs(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    return rng.uniform(-2.0, 2.0, size=(2, 3, 4)), _signed(rng, (3, 1), 0.3)


def _pow_inputs(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    return rng.uniform(0.1, 3.0, size=(3, 4)), rng.uniform(-2.0, 2.0, size=(3, 4))


def _tied_max(shape: tuple[int, ...]) -> Inputs:
    """Rows (last axis) whose maximum appears exactly twice: a tie of two.

    At a tie of two, a central difference moves the max up on one side only, so it sees
    half the slope: the equal split of the backward rule, checked by finite differences too.
    """

    def make(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        x = rng.uniform(-2.0, 2.0, size=shape).reshape(-1, shape[-1])
        for r in x:
            i, j = rng.choice(shape[-1], size=2, replace=False)
            r[i] = r[j] = r.max() + 0.5
        return (x.reshape(shape),)

    return make


def _linear_inputs(away: float) -> Inputs:
    """x (5, 3), W (4, 3), b (4,), redrawn until every |z| >= ``away`` (off relu's kink)."""

    def make(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        while True:
            x, w, b = (rng.uniform(-2.0, 2.0, size=s) for s in ((5, 3), (4, 3), (4,)))
            if np.abs(x @ w.T + b).min() >= away:
                return x, w, b

    return make


_RELU_KINK = (Kink(at=(0.0,), grad=(0.0,)),)  # relu'(0) = 0: the seed's convention, torch's
_LN2 = math.log(2.0)

ARITHMETIC: tuple[OpRow, ...] = (
    OpRow("add", lambda a, b: a + b, np.add, shapes=((3, 4), (4,)),
          dref=lambda a, b: (np.ones_like(a), np.ones_like(b)), scalar=lambda a, b: a + b),
    OpRow("sub", lambda a, b: a - b, np.subtract, shapes=((3, 1), (4,)),
          dref=lambda a, b: (np.ones_like(a), -np.ones_like(b)), scalar=lambda a, b: a - b),
    OpRow("mul", lambda a, b: a * b, np.multiply, shapes=((3, 4), (3, 1)),
          dref=lambda a, b: (b, a), scalar=lambda a, b: a * b),
    OpRow("div", lambda a, b: a / b, np.divide, shapes=((2, 3, 4), (3, 1)),
          make_inputs=_divide_inputs, dref=lambda a, b: (1 / b, -a / b**2),
          scalar=lambda a, b: a / b),
    OpRow("a**b (exp b log a)", lambda a, b: (b * a.log()).exp(), np.power,
          make_inputs=_pow_inputs, shapes=((3, 4), (3, 4)),
          dref=lambda a, b: (b * a ** (b - 1), a**b * np.log(a)), scalar=lambda a, b: a**b),
    OpRow("neg", lambda x: -x, np.negative, dref=lambda x: (-np.ones_like(x),),
          scalar=lambda v: -v),
    OpRow("x + c", lambda x: x + 2.5, lambda x: x + 2.5, dref=lambda x: (np.ones_like(x),),
          scalar=lambda v: v + 2.5),
    OpRow("c + x", lambda x: 2.5 + x, lambda x: 2.5 + x, scalar=lambda v: 2.5 + v),
    OpRow("x - c", lambda x: x - 1.5, lambda x: x - 1.5, scalar=lambda v: v - 1.5),
    OpRow("c - x", lambda x: 1.5 - x, lambda x: 1.5 - x, dref=lambda x: (-np.ones_like(x),),
          scalar=lambda v: 1.5 - v),
    OpRow("x * c", lambda x: x * -3.0, lambda x: x * -3.0, scalar=lambda v: v * -3.0),
    OpRow("c * x", lambda x: -3.0 * x, lambda x: -3.0 * x, scalar=lambda v: -3.0 * v),
    OpRow("x / c", lambda x: x / 4.0, lambda x: x / 4.0, scalar=lambda v: v / 4.0),
    OpRow("c / x", lambda x: 2.0 / x, lambda x: 2.0 / x, make_inputs=_away_from_zero((3, 4)),
          dref=lambda x: (-2.0 / x**2,), scalar=lambda v: 2.0 / v),
    OpRow("int * x + int", lambda x: 3 * x + 1, lambda x: 3 * x + 1,
          scalar=lambda v: 3 * v + 1),
    OpRow("2**x (exp x ln 2)", lambda x: (x * _LN2).exp(), lambda x: np.power(2.0, x),
          dref=lambda x: (np.power(2.0, x) * _LN2,), scalar=lambda v: 2.0**v),
)  # fmt: skip

POWERS: tuple[OpRow, ...] = (
    OpRow("x**2", lambda x: x**2, np.square, dref=lambda x: (2 * x,), scalar=lambda v: v**2),
    OpRow("x**3", lambda x: x**3, lambda x: x**3, dref=lambda x: (3 * x**2,),
          scalar=lambda v: v**3),
    OpRow("x**0.5", lambda x: x**0.5, np.sqrt, domain=(0.2, 3.0),
          dref=lambda x: (0.5 / np.sqrt(x),), scalar=lambda v: v**0.5),
    OpRow("x**-1", lambda x: x**-1, lambda x: 1 / x, make_inputs=_away_from_zero((3, 4)),
          dref=lambda x: (-1 / x**2,), scalar=lambda v: v**-1),
)  # fmt: skip

ELEMENTWISE: tuple[OpRow, ...] = (
    OpRow("exp", lambda x: x.exp(), np.exp, dref=lambda x: (np.exp(x),),
          scalar=lambda v: v.exp()),
    OpRow("log", lambda x: x.log(), np.log, domain=(0.2, 3.0), dref=lambda x: (1 / x,),
          scalar=lambda v: v.log()),
    OpRow("relu", lambda x: x.relu(), lambda x: np.maximum(x, 0), smooth=False,
          kinks=_RELU_KINK, dref=lambda x: ((x > 0).astype(float),), scalar=lambda v: v.relu()),
    OpRow("F.relu", F.relu, lambda x: np.maximum(x, 0), smooth=False, kinks=_RELU_KINK,
          dref=lambda x: ((x > 0).astype(float),)),
    OpRow("tanh", lambda x: x.tanh(), np.tanh, domain=(-3.0, 3.0),
          dref=lambda x: (1 - np.tanh(x) ** 2,), scalar=lambda v: v.tanh()),
    OpRow("sigmoid", lambda x: x.sigmoid(), _sigmoid, domain=(-6.0, 6.0),
          dref=lambda x: (_sigmoid(x) * (1 - _sigmoid(x)),)),
    OpRow("F.sigmoid", F.sigmoid, _sigmoid, domain=(-6.0, 6.0)),
)  # fmt: skip

SOFTMAX: tuple[OpRow, ...] = (
    OpRow("softmax", lambda x: x.softmax(), _softmax, domain=(-3.0, 3.0)),
    OpRow("F.softmax axis 0", lambda x: F.softmax(x, axis=0), lambda x: _softmax(x.T).T,
          domain=(-3.0, 3.0)),
    OpRow("log_softmax", lambda x: x.log_softmax(), lambda x: np.log(_softmax(x)),
          shapes=((2, 2, 3),), domain=(-3.0, 3.0)),
    OpRow("F.log_softmax", F.log_softmax, lambda x: np.log(_softmax(x)), domain=(-3.0, 3.0)),
)  # fmt: skip

REDUCTIONS: tuple[OpRow, ...] = (
    OpRow("sum()", lambda x: x.sum(), np.sum),
    OpRow("sum(axis=0)", lambda x: x.sum(axis=0), lambda x: x.sum(axis=0)),
    OpRow("sum(axis=-1, keepdims)", lambda x: x.sum(axis=-1, keepdims=True),
          lambda x: x.sum(axis=-1, keepdims=True), shapes=((2, 3, 4),)),
    OpRow("mean()", lambda x: x.mean(), np.mean),
    OpRow("mean(axis=-1)", lambda x: x.mean(axis=-1), lambda x: x.mean(axis=-1)),
    # max is piecewise linear: no second derivative to check (0 almost everywhere)
    OpRow("max()", lambda x: x.max(), np.max, smooth=False),
    OpRow("max(axis=-1)", lambda x: x.max(axis=-1), lambda x: x.max(axis=-1), smooth=False),
    OpRow("max(axis=-1) at ties", lambda x: x.max(axis=-1), lambda x: x.max(axis=-1),
          smooth=False, make_inputs=_tied_max((3, 4))),
    OpRow("max() at a tie", lambda x: x.max(), np.max, smooth=False,
          make_inputs=_tied_max((8,))),
)  # fmt: skip

SHAPES: tuple[OpRow, ...] = (
    OpRow("reshape(-1)", lambda x: x.reshape(-1), lambda x: x.reshape(-1)),
    OpRow("reshape(2, 6)", lambda x: x.reshape(2, 6), lambda x: x.reshape(2, 6)),
    OpRow("transpose()", lambda x: x.transpose(), np.transpose, shapes=((2, 3, 4),)),
    OpRow(".T", lambda x: x.T, lambda x: x.T),
    OpRow("transpose(0, 2)", lambda x: x.transpose(0, 2), lambda x: x.swapaxes(0, 2),
          shapes=((2, 3, 4),)),
    OpRow("permute(2, 0, 1)", lambda x: x.permute(2, 0, 1),
          lambda x: x.transpose(2, 0, 1), shapes=((2, 3, 4),)),
    OpRow("x[0]", lambda x: x[0], lambda x: x[0]),
    OpRow("x[..., 1:]", lambda x: x[..., 1:], lambda x: x[..., 1:], shapes=((2, 3, 4),)),
    # a repeated index: its gradient must add up (np.add.at), not overwrite
    OpRow("x[..., [0, 0, -1]]", lambda x: x[..., [0, 0, -1]], lambda x: x[..., [0, 0, -1]]),
    OpRow("x[[0, 2, 0], [1, 1, 3]]", lambda x: x[[0, 2, 0], [1, 1, 3]],
          lambda x: x[[0, 2, 0], [1, 1, 3]]),
    OpRow("x[x > 0]", lambda x: x[x > 0], lambda x: x[x > 0],
          make_inputs=_away_from_zero((3, 4), low=0.1)),
)  # fmt: skip

PRODUCTS: tuple[OpRow, ...] = (
    OpRow("matmul", lambda a, b: a @ b, np.matmul, shapes=((3, 4), (4, 2))),
    OpRow("matmul batch broadcast", lambda a, b: a @ b, np.matmul,
          shapes=((2, 1, 2, 3), (2, 3, 2))),
    OpRow("vector @ matrix", lambda a, b: a @ b, np.matmul, shapes=((4,), (4, 3))),
    OpRow("matrix @ vector", lambda a, b: a @ b, np.matmul, shapes=((3, 4), (4,))),
    OpRow("vector @ vector", lambda a, b: a @ b, np.matmul, shapes=((4,), (4,))),
    OpRow("F.linear", F.linear, lambda x, w, b: x @ w.T + b, shapes=((5, 3), (4, 3), (4,))),
    OpRow("F.linear no bias", F.linear, lambda x, w: x @ w.T, shapes=((2, 2, 3), (2, 3))),
    OpRow("F.linear_relu", F.linear_relu, lambda x, w, b: np.maximum(x @ w.T + b, 0),
          shapes=((5, 3), (4, 3), (4,)), smooth=False, make_inputs=_linear_inputs(1e-2)),
)  # fmt: skip

_LABELS = np.array([0, 2, 1])
_UNNORMALISED = np.array([[0.4, 0.6, 0.2, 0.8], [0.0, 3.0, 0.0, 0.0], [0.5, 0.0, 0.5, 0.2]])


def _ce_grad(labels: np.ndarray | None, probs: np.ndarray | None) -> OpRow:
    """The fused cross-entropy's gradient node d = (g / B)(a sum(t) - t) as an op of (z, g).

    It is what ``backward(create_graph=True)`` records for ``F.cross_entropy``, so its own
    backward and tangent rule give the loss's higher derivatives; the rows check them directly.
    """
    target = closed_form.one_hot(labels, 4) if labels is not None else probs
    assert target is not None

    def fn(z: Any, g: Any) -> Any:
        a = closed_form.softmax(z.data)  # the forward pass's saved softmax, at this z
        return CrossEntropyGrad.apply(z, g, softmax=a, labels=labels, probs=probs)

    def ref(z: np.ndarray, g: np.ndarray) -> np.ndarray:
        a = closed_form.softmax(z)
        return g / 3 * (a * target.sum(axis=1, keepdims=True) - target)

    kind = "labels" if labels is not None else "unnormalised targets"
    return OpRow(f"CrossEntropyGrad, {kind}", fn, ref, shapes=((3, 4), ()))


LOSS_NODES: tuple[OpRow, ...] = (_ce_grad(_LABELS, None), _ce_grad(None, _UNNORMALISED))

ROWS: tuple[OpRow, ...] = (
    *ARITHMETIC,
    *POWERS,
    *ELEMENTWISE,
    *SOFTMAX,
    *REDUCTIONS,
    *SHAPES,
    *PRODUCTS,
    *LOSS_NODES,
)
