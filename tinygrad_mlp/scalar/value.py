"""``Value``: one float in a graph of scalars, and the backward pass over that graph.

A node keeps its parents and the local partial derivatives d(node)/d(parent) as plain
floats, computed in the forward pass. It keeps no closure over itself, so a graph holds no
reference cycle and is freed by reference counting alone, the moment its last node goes.
Backward multiplies each local partial by the node's gradient and adds it to the parent's
(the chain rule, accumulated with ``+=``), visiting nodes in reverse creation order: a node
is always created after its parents, so that order is topological, and no recursion is used.

Ops that are one unit in the seed's diagram are one node with n parents: ``dot`` is a
neuron's sum_j w_j x_j + b, ``vsum`` a sum of n terms.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from operator import attrgetter, mul
from typing import TypeAlias

from .activations import ScalarActivations
from .elementwise import ScalarMath
from .numbers import as_float as _float
from .numbers import power as _power

__all__ = ["Value", "dot", "vsum"]

Number: TypeAlias = "int | float"
Operand: TypeAlias = "Value | int | float"

_ids = itertools.count()  # creation order: parents always get smaller numbers than children
_order_key = attrgetter("_order")


class Value(ScalarMath, ScalarActivations):
    """A scalar node: ``data`` (float), ``grad`` (float, dE/d this), parents and partials.

    Ops: ``+ - * / **`` with Values or numbers on either side, unary ``-``, ``exp``,
    ``log``, ``relu``, ``tanh``; elementwise math (``sqrt``, ``sin``, ``log1p``, ``erf``,
    ``maximum``, ``clamp``, ...: ``elementwise``) and activations (``sigmoid``,
    ``softplus``, ``leaky_relu``, ``gelu``, ...: ``activations``).
    ``backward()`` fills ``grad`` of every node it reaches.

    Example::

        >>> from tinygrad_mlp.scalar import Value
        >>> a, b = Value(2.0), Value(-3.0)
        >>> c = (a * b + a**2).relu() + a / b   # relu(-2) = 0, then 2 / -3
        >>> c.backward()
        >>> round(c.data, 6), round(a.grad, 6), round(b.grad, 6)  # d/da 1/b, d/db -a/b^2
        (-0.666667, -0.333333, -0.222222)
    """

    __slots__ = ("data", "grad", "_prev", "_local", "_op", "_order", "__weakref__")

    data: float
    grad: float
    _prev: tuple[Value, ...]
    _local: tuple[float, ...]
    _op: str
    _order: int

    def __init__(self, data: float) -> None:
        self.data = data if type(data) is float else _float(data, "Value")
        self.grad = 0.0
        self._prev = ()
        self._local = ()
        self._op = ""  # "" marks a leaf the user made; ops name themselves
        self._order = next(_ids)

    @staticmethod
    def _node(data: float, prev: tuple[Value, ...], local: tuple[float, ...], op: str) -> Value:
        """A new node with its parents and d(node)/d(parent) for each; no checks."""
        out = Value.__new__(Value)
        out.data = data
        out.grad = 0.0
        out._prev = prev
        out._local = local
        out._op = op
        out._order = next(_ids)
        return out

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    @property
    def is_leaf(self) -> bool:
        """True for a Value made by ``Value(x)`` (a parameter or input), False for op results."""
        return not self._op

    # --- arithmetic ---------------------------------------------------------------------

    def __add__(self, other: Operand) -> Value:
        if type(other) is Value:
            return Value._node(self.data + other.data, (self, other), (1.0, 1.0), "+")
        return Value._node(self.data + _float(other, "+"), (self,), (1.0,), "+")

    __radd__ = __add__

    def __sub__(self, other: Operand) -> Value:
        if type(other) is Value:
            return Value._node(self.data - other.data, (self, other), (1.0, -1.0), "-")
        return Value._node(self.data - _float(other, "-"), (self,), (1.0,), "-")

    def __rsub__(self, other: Number) -> Value:
        return Value._node(_float(other, "-") - self.data, (self,), (-1.0,), "-")

    def __mul__(self, other: Operand) -> Value:
        if type(other) is Value:
            return Value._node(self.data * other.data, (self, other), (other.data, self.data), "*")
        c = _float(other, "*")
        return Value._node(self.data * c, (self,), (c,), "*")

    __rmul__ = __mul__

    def __truediv__(self, other: Operand) -> Value:
        if type(other) is Value:
            d = other.data
            if d == 0.0:
                raise ZeroDivisionError(f"Value division by zero: {self.data!r} / 0.0")
            q = self.data / d
            return Value._node(q, (self, other), (1.0 / d, -q / d), "/")
        c = _float(other, "/")
        if c == 0.0:
            raise ZeroDivisionError(f"Value division by zero: {self.data!r} / 0")
        return Value._node(self.data / c, (self,), (1.0 / c,), "/")

    def __rtruediv__(self, other: Number) -> Value:
        c, d = _float(other, "/"), self.data
        if d == 0.0:
            raise ZeroDivisionError(f"Value division by zero: {c!r} / 0.0")
        q = c / d
        return Value._node(q, (self,), (-q / d,), "/")

    def __neg__(self) -> Value:
        return Value._node(-self.data, (self,), (-1.0,), "neg")

    def __pow__(self, other: Operand) -> Value:
        """x ** n: d/dx = n x^(n-1); with a Value exponent also d/dn = x^n log x (x > 0)."""
        x = self.data
        if type(other) is Value:
            if x <= 0.0:
                raise ValueError(
                    f"Value ** Value needs a positive base (d/dn x^n = x^n log x), got {x!r}"
                )
            n = other.data
            y = _power(x, n)
            return Value._node(y, (self, other), (n * _power(x, n - 1.0), y * math.log(x)), "**")
        n = _float(other, "**")
        y = _power(x, n)
        if n == 0.0:
            dx = 0.0
        elif x == 0.0 and n < 1.0:
            dx = math.inf  # n x^(n-1) for 0 < n < 1 grows without bound as x -> 0+
        else:
            dx = n * _power(x, n - 1.0)
        return Value._node(y, (self,), (dx,), "**")

    def __rpow__(self, other: Number) -> Value:
        c = _float(other, "**")
        if c <= 0.0:
            raise ValueError(
                f"number ** Value needs a positive base (d/dn c^n = c^n log c), got {c!r}"
            )
        y = _power(c, self.data)
        return Value._node(y, (self,), (y * math.log(c),), "**")

    # --- functions ----------------------------------------------------------------------

    def exp(self) -> Value:
        """e^x; d/dx = e^x."""
        try:
            y = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"Value.exp: exp({self.data!r}) overflows float64") from None
        return Value._node(y, (self,), (y,), "exp")

    def log(self) -> Value:
        """Natural log of x > 0; d/dx = 1/x."""
        x = self.data
        if not x > 0.0:
            raise ValueError(f"Value.log: log needs a positive number, got {x!r}")
        return Value._node(math.log(x), (self,), (1.0 / x,), "log")

    def relu(self) -> Value:
        """max(x, 0); d/dx = 1 if x > 0 else 0 (0 at the kink, as in the closed form)."""
        x = self.data
        if x > 0.0:
            return Value._node(x, (self,), (1.0,), "relu")
        if x != x:  # NaN stays NaN, in the value and in the gradient
            return Value._node(x, (self,), (x,), "relu")
        # the local partial is 0, but the edge is kept: the graph (and a drawing of it) shows
        # every input, as the tensor engine's does
        return Value._node(0.0, (self,), (0.0,), "relu")

    def tanh(self) -> Value:
        """tanh x; d/dx = 1 - tanh^2 x."""
        t = math.tanh(self.data)
        return Value._node(t, (self,), (1.0 - t * t,), "tanh")

    # --- backward -----------------------------------------------------------------------

    def backward(self) -> None:
        """dself/dv into ``v.grad`` for every node v this one depends on (self.grad = 1).

        Leaves (Values made with ``Value(x)``) accumulate, as parameters do in PyTorch: call
        ``zero_grad`` between steps. Op results hold the gradient of this pass alone.
        Iterative: any depth works (a chain of a million nodes, say).
        """
        if not self._op:
            self.grad += 1.0
            return
        seen = {self}
        stack = [self]
        nodes = [self]
        push, add, keep = stack.append, seen.add, nodes.append
        while stack:
            for p in stack.pop()._prev:
                if p._op and p not in seen:
                    add(p)
                    p.grad = 0.0
                    if p._prev:
                        push(p)
                        keep(p)
        nodes.sort(key=_order_key, reverse=True)  # creation order reversed: children first
        self.grad = 1.0
        for v in nodes:
            g = v.grad
            if g:
                for p, d in zip(v._prev, v._local, strict=False):  # equal by construction
                    p.grad += d * g


def vsum(values: Iterable[Operand]) -> Value:
    """sum_i v_i as one node with n parents (local partials all 1); numbers count as constants.

    Example::

        >>> from tinygrad_mlp.scalar import Value, vsum
        >>> a, b = Value(1.5), Value(2.0)
        >>> s = vsum([a, b, 3, a]); s.backward()
        >>> s.data, a.grad, b.grad
        (8.0, 2.0, 1.0)
    """
    prev: list[Value] = []
    total = 0.0
    for v in values:
        if type(v) is Value:
            prev.append(v)
            total += v.data
        else:
            total += _float(v, "vsum")
    return Value._node(total, tuple(prev), (1.0,) * len(prev), "sum")


def dot(w: Sequence[Operand], x: Sequence[Operand], b: Operand = 0.0) -> Value:
    """sum_j w_j x_j + b as one node: d/dw_j = x_j, d/dx_j = w_j, d/db = 1.

    A neuron's pre-activation z = w . a + b (seed section 0.1.2). Either side may hold
    numbers (constants, which get no edge) or Values.

    Example::

        >>> from tinygrad_mlp.scalar import Value, dot
        >>> w, b = [Value(0.5), Value(-1.0)], Value(0.25)
        >>> z = dot(w, [2.0, 3.0], b); z.backward()
        >>> z.data, w[0].grad, w[1].grad, b.grad
        (-1.75, 2.0, 3.0, 1.0)
    """
    if len(w) != len(x):
        raise ValueError(f"dot: {len(w)} weights but {len(x)} inputs")
    prev: list[Value] = []
    local: list[float] = []
    wd = [v.data if type(v) is Value else _float(v, "dot") for v in w]
    xd = [v.data if type(v) is Value else _float(v, "dot") for v in x]
    for j, v in enumerate(w):
        if type(v) is Value:
            prev.append(v)
            local.append(xd[j])
    for j, v in enumerate(x):
        if type(v) is Value:
            prev.append(v)
            local.append(wd[j])
    if type(b) is Value:
        prev.append(b)
        local.append(1.0)
        bias = b.data
    else:
        bias = _float(b, "dot")
    return Value._node(sum(map(mul, wd, xd), bias), tuple(prev), tuple(local), "dot")
