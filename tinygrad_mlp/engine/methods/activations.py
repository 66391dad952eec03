"""Tensor methods of the activations (relu, tanh, sigmoid, gelu, softplus, hardswish, ...).

Each method applies one op (``tinygrad_mlp.ops``). At a kink each states its derivative:
relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) = alpha, hardtanh' = 0 at both bounds,
hardsigmoid'(+-3) = 0 (torch's choices, all), and hardswish'(-3) = -1/2, hardswish'(3) = 3/2
(the middle branch; torch 2.14 gives 0 and 1). ``tinygrad_mlp.functional`` makes
``F.<name>`` from every method that takes only the tensor, with the same docstring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ops as _ops

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["ActivationMethods"]


class ActivationMethods:
    """Activations, mixed into ``Tensor`` (through ``MathMethods``)."""

    __slots__ = ()

    def relu(self) -> Tensor:
        """max(x, 0) elementwise; the derivative at 0 is 0.

        >>> Tensor(np.array([-1.0, 2.0])).relu().numpy()
        array([0., 2.])
        """
        return _ops.ReLU.apply(self)

    def tanh(self) -> Tensor:
        """tanh(x) elementwise; d/dx = 1 - tanh(x)^2.

        >>> Tensor(np.array([0.0])).tanh().numpy()
        array([0.])
        """
        return _ops.Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        """1 / (1 + e^-x) elementwise, finite for any x; d/dx = s (1 - s).

        >>> Tensor(np.array([0.0])).sigmoid().numpy()
        array([0.5])
        """
        return _ops.Sigmoid.apply(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """x for x > 0, negative_slope * x otherwise; d/dx = 1 for x > 0, else the slope,
        the slope at 0 too (torch: ``x > 0 ? 1 : slope``).

        >>> Tensor(np.array([-2.0, 3.0])).leaky_relu(0.1).numpy()
        array([-0.2,  3. ])
        """
        return _ops.LeakyReLU.apply(self, negative_slope=negative_slope)

    def elu(self, alpha: float = 1.0) -> Tensor:
        """x for x > 0, alpha (e^x - 1) otherwise; d/dx = 1 for x > 0, else alpha e^x, which
        is alpha at the kink x = 0 (torch takes the x <= 0 branch there).

        >>> Tensor(np.array([-1e3, 2.0])).elu().numpy()
        array([-1.,  2.])
        """
        return _ops.ELU.apply(self, alpha=alpha)

    def selu(self) -> Tensor:
        """scale * elu(x, alpha), alpha = 1.6732..., scale = 1.0507... (self-normalising);
        d/dx = scale for x > 0, else scale alpha e^x (scale * alpha at 0, as torch).

        >>> Tensor(np.array([1.0])).selu().numpy()
        array([1.05070099])
        """
        return _ops.ELU.apply(self, alpha=_ops.SELU_ALPHA, scale=_ops.SELU_SCALE)

    def celu(self, alpha: float = 1.0) -> Tensor:
        """x for x > 0, alpha (e^(x/alpha) - 1) otherwise (alpha != 0); d/dx = 1 for x > 0,
        else e^(x/alpha): continuous, 1 at 0.

        >>> Tensor(np.array([-1e3, 2.0])).celu(alpha=0.5).numpy()
        array([-0.5,  2. ])
        """
        if alpha == 0:
            raise ValueError("celu: alpha must not be 0 (it divides x)")
        return _ops.ELU.apply(self, alpha=alpha, input_scale=1.0 / alpha)

    def gelu(self, approximate: str = "none") -> Tensor:
        """x Phi(x), Phi the standard normal CDF; d/dx = Phi(x) + x phi(x). With
        ``approximate="tanh"``: x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2, as torch.
        Finite for every x, with no overflow in x^3.

        >>> Tensor(np.array([-1e6, 0.0, 1e6])).gelu().numpy()
        array([     -0.,       0., 1000000.])
        """
        return _ops.GELU.apply(self, approximate=approximate)

    def silu(self) -> Tensor:
        """x sigmoid(x) (swish); d/dx = s (1 + x (1 - s)), s = sigmoid(x).

        >>> Tensor(np.array([0.0, 1e3])).silu().numpy()
        array([   0., 1000.])
        """
        return _ops.SiLU.apply(self)

    def mish(self) -> Tensor:
        """x tanh(softplus(x)); d/dx = tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2).

        >>> Tensor(np.array([0.0, 1e3])).mish().numpy()
        array([   0., 1000.])
        """
        return _ops.Mish.apply(self)

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
        """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (torch's switch);
        d/dx = sigmoid(beta x), and 1 past the threshold. Computed as max(z, 0) +
        log1p(e^-|z|), so no threshold is needed against overflow.

        >>> Tensor(np.array([-1e3, 0.0, 1e3])).softplus().numpy()
        array([0.00000000e+00, 6.93147181e-01, 1.00000000e+03])
        """
        return _ops.Softplus.apply(self, beta=beta, threshold=threshold)

    def softsign(self) -> Tensor:
        """x / (1 + |x|); d/dx = 1 / (1 + |x|)^2.

        >>> Tensor(np.array([-1.0, 3.0])).softsign().numpy()
        array([-0.5 ,  0.75])
        """
        return _ops.Softsign.apply(self)

    def hardtanh(self, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
        """clip(x, min_val, max_val); d/dx = 1 strictly inside, 0 outside and at both bounds
        (torch's hardtanh_backward; clamp, by contrast, passes the gradient at its bounds).

        >>> Tensor(np.array([-2.0, 0.5, 2.0])).hardtanh().numpy()
        array([-1. ,  0.5,  1. ])
        """
        return _ops.Hardtanh.apply(self, min_val=min_val, max_val=max_val)

    def relu6(self) -> Tensor:
        """min(max(x, 0), 6) = hardtanh(x, 0, 6), as torch; d/dx = 1 on (0, 6), 0 at 0 and 6.

        >>> Tensor(np.array([-1.0, 3.0, 9.0])).relu6().numpy()
        array([0., 3., 6.])
        """
        return _ops.Hardtanh.apply(self, min_val=0.0, max_val=6.0)

    def hardsigmoid(self) -> Tensor:
        """min(max(x + 3, 0), 6) / 6; d/dx = 1/6 on (-3, 3), else 0 (0 at +-3, as torch).

        >>> Tensor(np.array([-4.0, 0.0, 4.0])).hardsigmoid().numpy()
        array([0. , 0.5, 1. ])
        """
        return _ops.Hardsigmoid.apply(self)

    def hardswish(self) -> Tensor:
        """x * hardsigmoid(x); d/dx = 0 below -3, x/3 + 1/2 on [-3, 3], 1 above: -1/2 at -3
        and 3/2 at 3 (torch's convention takes the middle branch at both kinks).

        >>> Tensor(np.array([-4.0, 0.0, 4.0])).hardswish().numpy()
        array([-0.,  0.,  4.])
        """
        return _ops.Hardswish.apply(self)

    def logsigmoid(self) -> Tensor:
        """log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|), finite for any x; d/dx = sigmoid(-x).

        >>> Tensor(np.array([-1e3, 0.0])).logsigmoid().numpy()
        array([-1.00000000e+03, -6.93147181e-01])
        """
        return _ops.LogSigmoid.apply(self)
