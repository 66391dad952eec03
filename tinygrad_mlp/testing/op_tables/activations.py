"""Rows for the activations: leaky_relu ... softmin, through methods, ``functional`` and ``nn``.

Each kink row states torch's derivative there (the branch torch's kernels choose), and the
test runner checks it in reverse mode, forward mode, the closed form ``dref`` and the
scalar engine. References are written from the definitions (gelu through the Taylor
series of erf, softplus as log(1 + e^x)), not from the ops' stable forms.
"""

from __future__ import annotations

import math

import numpy as np

from ... import functional as F
from ... import nn
from .elementwise import erf_series
from .row import Kink, OpRow

__all__ = ["ROWS"]

_SELU_A, _SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
_K, _C = math.sqrt(2.0 / math.pi), 0.044715


def _sig(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))  # moderate x only: the rows' domains


def _phi(x: np.ndarray) -> np.ndarray:  # the standard normal density
    return np.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + erf_series(x / math.sqrt(2)))


def _elu_grad(x: np.ndarray, alpha: float, scale: float = 1.0, c: float = 1.0) -> np.ndarray:
    return np.where(x > 0, scale, scale * alpha * c * np.exp(c * np.minimum(x, 0)))


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1 + np.tanh(_K * (x + _C * x**3)))


def _gelu_tanh_grad(x: np.ndarray) -> np.ndarray:
    t = np.tanh(_K * (x + _C * x**3))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _K * (1 + 3 * _C * x * x)


def _mish_grad(x: np.ndarray) -> np.ndarray:
    t = np.tanh(np.log1p(np.exp(x)))
    return t + x * _sig(x) * (1 - t * t)


def _softmin(x: np.ndarray) -> np.ndarray:
    e = np.exp(x.min(axis=-1, keepdims=True) - x)
    return e / e.sum(axis=-1, keepdims=True)


def _kink(at: float, grad: float) -> Kink:
    return Kink(at=(at,), grad=(grad,))


ROWS: tuple[OpRow, ...] = (
    OpRow(
        "leaky_relu(0.1)",
        lambda x: x.leaky_relu(0.1),
        lambda x: np.maximum(x, 0.1 * x),
        smooth=False,
        kinks=(_kink(0.0, 0.1),),  # x > 0 ? 1 : slope (torch)
        dref=lambda x: (np.where(x > 0, 1.0, 0.1),),
        scalar=lambda v: v.leaky_relu(0.1),
    ),
    OpRow(
        "nn.LeakyReLU()",
        nn.LeakyReLU(),
        lambda x: np.maximum(x, 0.01 * x),
        smooth=False,
        kinks=(_kink(0.0, 0.01),),
    ),
    OpRow(
        "elu(alpha=1.5)",
        lambda x: x.elu(1.5),
        lambda x: np.where(x > 0, x, 1.5 * (np.exp(x) - 1)),
        kinks=(_kink(0.0, 1.5),),  # x <= 0 branch at 0 (torch): alpha e^0
        dref=lambda x: (_elu_grad(x, 1.5),),
        scalar=lambda v: v.elu(1.5),
    ),
    OpRow(
        "F.selu",
        F.selu,
        lambda x: _SELU_S * np.where(x > 0, x, _SELU_A * (np.exp(x) - 1)),
        kinks=(_kink(0.0, _SELU_S * _SELU_A),),
        dref=lambda x: (_elu_grad(x, _SELU_A, _SELU_S),),
        scalar=lambda v: v.selu(),
    ),
    OpRow(
        "celu(alpha=0.7)",
        lambda x: x.celu(0.7),
        lambda x: np.where(x > 0, x, 0.7 * (np.exp(x / 0.7) - 1)),
        kinks=(_kink(0.0, 1.0),),  # C^1: both sides give 1
        dref=lambda x: (_elu_grad(x, 0.7, 1.0, 1 / 0.7),),
        scalar=lambda v: v.celu(0.7),
    ),
    OpRow(
        "gelu",
        lambda x: x.gelu(),
        lambda x: x * _cdf(x),
        domain=(-3.0, 3.0),
        dref=lambda x: (_cdf(x) + x * _phi(x),),
        scalar=lambda v: v.gelu(),
    ),
    OpRow(
        "gelu(approximate='tanh')",
        lambda x: F.gelu(x, approximate="tanh"),
        _gelu_tanh,
        domain=(-3.0, 3.0),
        dref=lambda x: (_gelu_tanh_grad(x),),
        scalar=lambda v: v.gelu("tanh"),
    ),
    OpRow(
        "silu",
        lambda x: x.silu(),
        lambda x: x * _sig(x),
        domain=(-4.0, 4.0),
        dref=lambda x: (_sig(x) * (1 + x * (1 - _sig(x))),),
        scalar=lambda v: v.silu(),
    ),
    OpRow(
        "F.mish",
        F.mish,
        lambda x: x * np.tanh(np.log(1 + np.exp(x))),
        domain=(-4.0, 4.0),
        dref=lambda x: (_mish_grad(x),),
        scalar=lambda v: v.mish(),
    ),
    OpRow(
        "softplus",
        lambda x: x.softplus(),
        lambda x: np.log(1 + np.exp(x)),
        domain=(-4.0, 4.0),
        dref=lambda x: (_sig(x),),
        scalar=lambda v: v.softplus(),
    ),
    OpRow(
        "softplus(beta=2, threshold=1)",
        lambda x: x.softplus(2.0, 1.0),
        lambda x: np.where(2 * x > 1, x, np.log(1 + np.exp(2 * x)) / 2),
        kinks=(_kink(0.5, 1 / (1 + math.exp(-1.0))),),  # beta x = threshold: not past it
        dref=lambda x: (np.where(2 * x > 1, 1.0, _sig(2 * x)),),
        scalar=lambda v: v.softplus(2.0, 1.0),
    ),
    OpRow(
        "softsign",
        lambda x: x.softsign(),
        lambda x: x / (1 + np.abs(x)),
        kinks=(_kink(0.0, 1.0),),  # C^1 at 0 (the second derivative jumps there)
        dref=lambda x: (1 / (1 + np.abs(x)) ** 2,),
        scalar=lambda v: v.softsign(),
    ),
    OpRow(
        "hardtanh",
        lambda x: x.hardtanh(),
        lambda x: np.minimum(np.maximum(x, -1.0), 1.0),
        smooth=False,
        kinks=(_kink(-1.0, 0.0), _kink(1.0, 0.0)),  # 0 at the bounds (torch)
        dref=lambda x: ((np.abs(x) < 1) * 1.0,),
        scalar=lambda v: v.hardtanh(),
    ),
    OpRow(
        "F.hardtanh(-0.5, 1.5)",
        lambda x: F.hardtanh(x, -0.5, 1.5),
        lambda x: np.minimum(np.maximum(x, -0.5), 1.5),
        smooth=False,
        kinks=(_kink(-0.5, 0.0), _kink(1.5, 0.0)),
    ),
    OpRow(
        "relu6",
        lambda x: x.relu6(),
        lambda x: np.minimum(np.maximum(x, 0.0), 6.0),
        domain=(-2.0, 8.0),
        smooth=False,
        kinks=(_kink(0.0, 0.0), _kink(6.0, 0.0)),
        dref=lambda x: (((x > 0) & (x < 6)) * 1.0,),
        scalar=lambda v: v.relu6(),
    ),
    OpRow(
        "hardsigmoid",
        lambda x: x.hardsigmoid(),
        lambda x: np.minimum(np.maximum(x / 6 + 0.5, 0), 1),
        domain=(-4.0, 4.0),
        smooth=False,
        kinks=(_kink(-3.0, 0.0), _kink(3.0, 0.0)),
        dref=lambda x: ((np.abs(x) < 3) / 6.0,),
        scalar=lambda v: v.hardsigmoid(),
    ),
    OpRow(
        "hardswish",
        lambda x: x.hardswish(),
        lambda x: np.where(x < -3, 0.0, np.where(x > 3, x, x * (x + 3) / 6)),
        domain=(-4.0, 4.0),
        kinks=(_kink(-3.0, -0.5), _kink(3.0, 1.5)),  # the middle branch at both (torch)
        dref=lambda x: (np.where(x < -3, 0.0, np.where(x > 3, 1.0, x / 3 + 0.5)),),
        scalar=lambda v: v.hardswish(),
    ),
    OpRow(
        "F.logsigmoid",
        F.logsigmoid,
        lambda x: -np.log(1 + np.exp(-x)),
        domain=(-4.0, 4.0),
        dref=lambda x: (_sig(-x),),
        scalar=lambda v: v.logsigmoid(),
    ),
    OpRow("softmin", lambda x: x.softmin(), _softmin),
    OpRow("nn.Softmin(dim=0)", nn.Softmin(dim=0), lambda x: _softmin(x.T).T),
)
