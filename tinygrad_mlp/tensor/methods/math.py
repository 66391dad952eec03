"""Tensor methods for elementwise math and activations: each one applies one op.

Formulas, derivatives and the convention at each kink are in the op classes
(``tinygrad_mlp.ops``) and in ``tinygrad_mlp.functional``, whose functions these
methods are; names and defaults follow torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ... import ops as _ops
from .base import TensorMixin
from .dims import pick_axis, torch_dims

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["MathMethods", "along"]


def along(op: Any, x: Any, dim: int | None, axis: int | None, who: str) -> Tensor:
    """``op`` (softmax or log-softmax) along torch's ``dim`` or numpy's ``axis`` (default -1).

    As torch, dim 0 or -1 of a 0-d tensor is its one element; numpy's ``axis=`` keeps numpy's
    rule (a 0-d array has no axis 0).

    Example::

        >>> along(_ops.Softmax, Tensor(np.zeros(2)), None, None, "softmax").numpy()
        array([0.5, 0.5])
    """
    a = pick_axis(axis, dim, who)
    a = -1 if a is None else a
    if axis is None and x.ndim == 0:
        torch_dims(a, 0, who)  # only 0 and -1 are in range
        return _ops.Reshape.apply(op.apply(_ops.Reshape.apply(x, shape=(1,)), axis=0), shape=())
    return op.apply(x, axis=a)


def _number_or_none(b: Any) -> bool:
    return b is None or isinstance(b, (int, float, np.integer, np.floating))


class MathMethods(TensorMixin):
    """Elementwise math and activations, mixed into ``Tensor``."""

    __slots__ = ()

    def exp(self) -> Tensor:
        """Elementwise e**x."""
        return _ops.Exp.apply(self)

    def log(self) -> Tensor:
        """Elementwise natural logarithm."""
        return _ops.Log.apply(self)

    # --- unary math --------------------------------------------------------------------
    def abs(self) -> Tensor:
        """Elementwise |x|; its derivative at 0 is taken as 0 (sign(0), as torch)."""
        return _ops.Abs.apply(self)

    def __abs__(self) -> Tensor:
        return _ops.Abs.apply(self)

    def sign(self) -> Tensor:
        """Elementwise sign in {-1, 0, 1}; its derivative is 0 everywhere."""
        return _ops.Sign.apply(self)

    def sqrt(self) -> Tensor:
        """Elementwise square root."""
        return _ops.Sqrt.apply(self)

    def rsqrt(self) -> Tensor:
        """Elementwise 1 / sqrt(x)."""
        return _ops.Rsqrt.apply(self)

    def square(self) -> Tensor:
        """Elementwise x * x (integers stay integers)."""
        return _ops.Square.apply(self)

    def reciprocal(self) -> Tensor:
        """Elementwise 1 / x, a true division (integers give floats, as torch)."""
        return _ops.Reciprocal.apply(self)

    def exp2(self) -> Tensor:
        """Elementwise 2**x."""
        return _ops.Exp2.apply(self)

    def log2(self) -> Tensor:
        """Elementwise base-2 logarithm."""
        return _ops.Log2.apply(self)

    def log10(self) -> Tensor:
        """Elementwise base-10 logarithm."""
        return _ops.Log10.apply(self)

    def log1p(self) -> Tensor:
        """Elementwise log(1 + x), exact for tiny x."""
        return _ops.Log1p.apply(self)

    def expm1(self) -> Tensor:
        """Elementwise e**x - 1, exact for tiny x."""
        return _ops.Expm1.apply(self)

    def erf(self) -> Tensor:
        """Elementwise error function."""
        return _ops.Erf.apply(self)

    def erfc(self) -> Tensor:
        """Elementwise complementary error function 1 - erf(x)."""
        return _ops.Erfc.apply(self)

    def sin(self) -> Tensor:
        """Elementwise sine."""
        return _ops.Sin.apply(self)

    def cos(self) -> Tensor:
        """Elementwise cosine."""
        return _ops.Cos.apply(self)

    def tan(self) -> Tensor:
        """Elementwise tangent."""
        return _ops.Tan.apply(self)

    def asin(self) -> Tensor:
        """Elementwise arcsine."""
        return _ops.Asin.apply(self)

    def acos(self) -> Tensor:
        """Elementwise arccosine."""
        return _ops.Acos.apply(self)

    def atan(self) -> Tensor:
        """Elementwise arctangent."""
        return _ops.Atan.apply(self)

    def sinh(self) -> Tensor:
        """Elementwise hyperbolic sine."""
        return _ops.Sinh.apply(self)

    def cosh(self) -> Tensor:
        """Elementwise hyperbolic cosine."""
        return _ops.Cosh.apply(self)

    def asinh(self) -> Tensor:
        """Elementwise inverse hyperbolic sine."""
        return _ops.Asinh.apply(self)

    def acosh(self) -> Tensor:
        """Elementwise inverse hyperbolic cosine (x >= 1)."""
        return _ops.Acosh.apply(self)

    def atanh(self) -> Tensor:
        """Elementwise inverse hyperbolic tangent (|x| < 1)."""
        return _ops.Atanh.apply(self)

    # --- several tensors ----------------------------------------------------------------
    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """min(max(x, min), max); either bound may be None, a number or a Tensor."""
        if _number_or_none(min) and _number_or_none(max):
            return _ops.Clamp.apply(self, min=min, max=max)
        bounds = [self._lift(b) for b in (min, max) if b is not None]
        return _ops.ClampTensor.apply(
            self, *bounds, has_min=min is not None, has_max=max is not None
        )

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        """The same as ``clamp`` (torch's alias)."""
        return self.clamp(min, max)

    def maximum(self, other: Any) -> Tensor:
        """Elementwise max(self, other); a tie splits the gradient equally (as torch)."""
        return _ops.Maximum.apply(self, self._lift(other))

    def minimum(self, other: Any) -> Tensor:
        """Elementwise min(self, other); a tie splits the gradient equally (as torch)."""
        return _ops.Minimum.apply(self, self._lift(other))

    def where(self, condition: Any, other: Any) -> Tensor:
        """self where ``condition`` (a bool tensor) holds, else ``other`` (torch's order)."""
        return _ops.Where.apply(self._lift(condition), self, self._lift(other))

    def lerp(self, end: Any, weight: Any) -> Tensor:
        """self + weight * (end - self); ``weight`` a number or a Tensor."""
        return _ops.Lerp.apply(self, self._lift(end), self._lift(weight))

    # --- activations --------------------------------------------------------------------
    def relu(self) -> Tensor:
        """Elementwise max(x, 0); its derivative at 0 is taken as 0."""
        return _ops.ReLU.apply(self)

    def tanh(self) -> Tensor:
        """Elementwise tanh; its derivative is 1 - tanh(x)^2."""
        return _ops.Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        """Elementwise 1 / (1 + e^-x), without overflow; its derivative is s (1 - s)."""
        return _ops.Sigmoid.apply(self)

    def softmax(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """exp(x) / sum(exp(x)) along ``dim`` (torch) or ``axis`` (numpy), -1 by default,
        computed stably. On a 0-d tensor dim 0 or -1 is its one element (softmax is 1).

        Example::

            >>> Tensor(np.zeros((1, 2))).softmax(dim=1).numpy()
            array([[0.5, 0.5]])
            >>> Tensor(np.array(3.0)).softmax(0).item()
            1.0
        """
        return along(_ops.Softmax, self, dim, axis, "softmax")

    def log_softmax(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """x - log(sum(exp(x))) along ``dim`` (or ``axis``), -1 by default, by log-sum-exp
        (never log(0)); the axis rules of ``softmax``."""
        return along(_ops.LogSoftmax, self, dim, axis, "log_softmax")

    def softmin(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """softmax(-x) along ``dim`` (or ``axis``), -1 by default."""
        return along(_ops.Softmax, _ops.Neg.apply(self), dim, axis, "softmin")

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """x if x > 0 else negative_slope * x; the derivative at 0 is the slope (as torch)."""
        return _ops.LeakyReLU.apply(self, negative_slope=negative_slope)

    def elu(self, alpha: float = 1.0) -> Tensor:
        """x if x > 0 else alpha (e^x - 1); the derivative at 0 is alpha (as torch)."""
        return _ops.ELU.apply(self, alpha=alpha)

    def selu(self) -> Tensor:
        """scale * elu(x, alpha) with selu's fixed alpha and scale."""
        return _ops.ELU.apply(self, alpha=_ops.SELU_ALPHA, scale=_ops.SELU_SCALE)

    def celu(self, alpha: float = 1.0) -> Tensor:
        """x if x > 0 else alpha (e^(x/alpha) - 1); its derivative is continuous (1 at 0)."""
        if alpha == 0:
            raise ValueError("celu: alpha must not be 0 (it divides x)")
        return _ops.ELU.apply(self, alpha=alpha, input_scale=1.0 / alpha)

    def gelu(self, approximate: str = "none") -> Tensor:
        """x Phi(x) (Phi the normal CDF); ``approximate="tanh"`` for the tanh form."""
        return _ops.GELU.apply(self, approximate=approximate)

    def silu(self) -> Tensor:
        """x sigmoid(x)."""
        return _ops.SiLU.apply(self)

    def mish(self) -> Tensor:
        """x tanh(softplus(x))."""
        return _ops.Mish.apply(self)

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
        """log(1 + e^(beta x)) / beta, and x where beta x > threshold; never overflows."""
        return _ops.Softplus.apply(self, beta=beta, threshold=threshold)

    def softsign(self) -> Tensor:
        """x / (1 + |x|)."""
        return _ops.Softsign.apply(self)

    def hardtanh(self, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
        """clip(x, min_val, max_val); the derivative at either bound is 0 (as torch)."""
        return _ops.Hardtanh.apply(self, min_val=min_val, max_val=max_val)

    def relu6(self) -> Tensor:
        """hardtanh(x, 0, 6); the derivative at 0 and at 6 is 0 (as torch)."""
        return _ops.Hardtanh.apply(self, min_val=0.0, max_val=6.0)

    def hardsigmoid(self) -> Tensor:
        """min(max(x + 3, 0), 6) / 6; the derivative at +-3 is 0 (as torch)."""
        return _ops.Hardsigmoid.apply(self)

    def hardswish(self) -> Tensor:
        """x * hardsigmoid(x); the derivative at -3 is -1/2, at 3 it is 3/2 (as torch)."""
        return _ops.Hardswish.apply(self)

    def logsigmoid(self) -> Tensor:
        """log(sigmoid(x)), stable for any x."""
        return _ops.LogSigmoid.apply(self)
