"""The op surface the program fuzzer composes: each op as a line of PyTorch-style source.

An op is a template over its operands' names (``"{0}.exp()"``, ``"{0} @ {1}"``), chosen from
its operands' shapes, so one generated line runs unchanged on tinygrad_mlp Tensors and on
torch tensors (the two libraries share the method names). Ops with a restricted domain carry
their guard in the template itself (``({0}.square() + 0.25).log()``), so the printed program
is exactly what ran; ops with kinks or poles carry a ``margin`` function, the distance of
their operands from the nearest kink, which the fuzzer keeps away from finite differences.

Example::

    >>> [op.name for op in OPS][:3]
    ['add', 'sub', 'mul']
    >>> OPS_BY_NAME["matmul"].code(((2, 3), (3,)))
    '{0} @ {1}'
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .program_spec import Code, OpSpec, Shape

__all__ = ["Shape", "OpSpec", "OPS", "OPS_BY_NAME", "FAMILIES"]

def _same(s: tuple[Shape, ...]) -> Shape:
    return s[0]


def _bcast(s: tuple[Shape, ...]) -> Shape:
    return tuple(np.broadcast_shapes(*s))


def _broadcasts(s: tuple[Shape, ...]) -> bool:
    try:
        np.broadcast_shapes(*s)
    except ValueError:
        return False
    return True


def _fixed(template: str) -> Code:
    return lambda s: template


def _binary(template: str) -> Code:
    return lambda s: template if _broadcasts(s) else None


def _min_abs(*points: float) -> Callable[..., float]:
    """Distance of the first operand's entries from the kinks at ``points``."""

    def margin(x: np.ndarray, *rest: np.ndarray) -> float:
        x = np.asarray(x)
        if x.size == 0:
            return np.inf
        return float(min(np.abs(x - p).min() for p in points))

    return margin


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    d = np.abs(np.asarray(a) - np.asarray(b))
    return float(d.min()) if d.size else np.inf


def _bce_margin(x: np.ndarray, *rest: np.ndarray) -> float:
    """BCE of p = sigmoid(x): how far |x| stays below 10. The loss holds log(1 - p), and 1 - p
    carries p's round-off (1e-16) relative to itself, about 1e-16 e^|x|, which central
    differences at h = 1e-6 multiply by 1/h: at |x| = 10 that is 2e-6, past 12 more than
    FD_TOL. (Further out, past |x| = 27, p (1 - p) < 1e-12 meets the floor torch's gradient
    puts there, which ours follows: ops/bce.py.)"""
    x = np.asarray(x)
    return float(10.0 - np.abs(x).max()) if x.size else np.inf


def _top_two_gap(x: np.ndarray, *rest: np.ndarray) -> float:
    """max(): the gap between the two largest entries (and min(): the two smallest)."""
    v = np.sort(np.asarray(x).ravel())
    if v.size < 2:
        return np.inf
    return float(min(v[-1] - v[-2], v[1] - v[0]))


def _where_margin(c: np.ndarray, *rest: np.ndarray) -> float:
    return _min_abs(0.0)(c)


def _unary(name: str, template: str, margin: Callable[..., float] | None = None,
           fresh: bool = False) -> OpSpec:
    return OpSpec(name, 1, _fixed(template), _same, margin, fresh=fresh)


def _reduce(name: str, template: str, margin: Callable[..., float] | None = None,
            empty_ok: bool = True, min_size: int = 1) -> OpSpec:
    def code(s: tuple[Shape, ...]) -> str | None:
        size = int(np.prod(s[0]))
        return template if (size >= min_size or (empty_ok and size == 0)) else None

    return OpSpec(name, 1, code, lambda s: (), margin, empty_ok=empty_ok)


def _last_axis(name: str, template: str, keep: bool, min_side: int = 1,
               empty_ok: bool = False) -> OpSpec:
    def code(s: tuple[Shape, ...]) -> str | None:
        return template if len(s[0]) >= 1 and s[0][-1] >= min_side else None

    return OpSpec(name, 1, code, lambda s: s[0] if keep else s[0][:-1], empty_ok=empty_ok)


def _matmul_shape(s: tuple[Shape, ...]) -> Shape:
    a, b = s
    if len(a) == 1 and len(b) == 1:
        return ()
    if len(b) == 1:
        return a[:-1]
    if len(a) == 1:
        return b[:-2] + b[-1:]
    return (*np.broadcast_shapes(a[:-2], b[:-2]), a[-2], b[-1])


def _matmul_code(s: tuple[Shape, ...]) -> str | None:
    a, b = s
    if not a or not b or a[-1] != b[-2 if len(b) > 1 else -1]:
        return None
    if len(a) > 1 and len(b) > 1 and not _broadcasts((a[:-2], b[:-2])):
        return None
    return "{0} @ {1}"


def _cat_code(s: tuple[Shape, ...]) -> str | None:
    a, b = s
    ok = len(a) >= 1 and len(a) == len(b) and a[1:] == b[1:]
    return "tm.cat([{0}, {1}], dim=0)" if ok else None


def _stack_code(s: tuple[Shape, ...]) -> str | None:
    return "tm.stack([{0}, {1}], dim=-1)" if s[0] == s[1] else None


def _need_dims(n: int, template: str) -> Code:
    return lambda s: template if len(s[0]) >= n else None


def _same_shapes(template: str) -> Code:
    return lambda s: template if s[0] == s[1] else None


_ELEMENTWISE: tuple[OpSpec, ...] = (
    _unary("neg", "-{0}", fresh=True),
    _unary("x * 2.5", "{0} * 2.5", fresh=True),
    _unary("1.5 - x", "1.5 - {0}", fresh=True),
    _unary("x / 4.0", "{0} / 4.0", fresh=True),
    _unary("3 * x + 1", "3 * {0} + 1", fresh=True),
    _unary("x ** 2", "{0} ** 2"),
    _unary("x ** 3", "{0} ** 3"),
    _unary("square", "{0}.square()"),
    _unary("exp", "{0}.exp()"),
    _unary("expm1", "{0}.expm1()"),
    _unary("2.0 ** x", "2.0 ** {0}"),
    _unary("log", "({0}.square() + 0.25).log()"),
    _unary("log2", "({0}.square() + 0.5).log2()"),
    _unary("log1p", "({0}.square() - 0.5).log1p()"),
    _unary("sqrt", "({0}.square() + 0.25).sqrt()"),
    _unary("x ** 0.5", "({0}.square() + 0.5) ** 0.5"),
    _unary("rsqrt", "({0}.square() + 0.5).rsqrt()"),
    _unary("reciprocal", "({0}.square() + 0.5).reciprocal()"),
    _unary("c / x", "2.0 / {0}", margin=_min_abs(0.0)),
    _unary("tanh", "{0}.tanh()"),
    _unary("sigmoid", "{0}.sigmoid()"),
    _unary("sin", "{0}.sin()"),
    _unary("cos", "{0}.cos()"),
    _unary("tan", "{0}.tanh().tan()"),
    _unary("asin", "({0}.tanh() * 0.9).asin()"),
    _unary("acos", "({0}.tanh() * 0.9).acos()"),
    _unary("atan", "{0}.atan()"),
    _unary("atanh", "({0}.tanh() * 0.9).atanh()"),
    _unary("sinh", "{0}.sinh()"),
    _unary("cosh", "{0}.cosh()"),
    _unary("asinh", "{0}.asinh()"),
    _unary("acosh", "({0}.square() + 1.5).acosh()"),
    _unary("erf", "{0}.erf()"),
    _unary("relu", "{0}.relu()", margin=_min_abs(0.0)),
    _unary("abs", "{0}.abs()", margin=_min_abs(0.0)),
    _unary("leaky_relu", "F.leaky_relu({0}, 0.1)", margin=_min_abs(0.0)),
    _unary("elu", "F.elu({0}, alpha=1.5)", margin=_min_abs(0.0)),
    _unary("selu", "F.selu({0})", margin=_min_abs(0.0)),
    _unary("celu", "F.celu({0}, alpha=0.7)", margin=_min_abs(0.0)),
    _unary("gelu", "F.gelu({0})"),
    _unary("gelu tanh", "F.gelu({0}, approximate='tanh')"),
    _unary("silu", "F.silu({0})"),
    _unary("mish", "F.mish({0})"),
    _unary("softplus", "F.softplus({0})"),
    _unary("softplus beta", "F.softplus({0}, beta=2.0, threshold=1.0)", margin=_min_abs(0.5)),
    _unary("softsign", "F.softsign({0})", margin=_min_abs(0.0)),
    _unary("logsigmoid", "F.logsigmoid({0})"),
    _unary("hardtanh", "F.hardtanh({0})", margin=_min_abs(-1.0, 1.0)),
    _unary("relu6", "F.relu6({0} * 4.0)", margin=lambda x: _min_abs(0.0, 1.5)(x)),
    _unary("hardsigmoid", "F.hardsigmoid({0} * 2.0)", margin=_min_abs(-1.5, 1.5)),
    _unary("hardswish", "F.hardswish({0} * 2.0)", margin=_min_abs(-1.5, 1.5)),
    _unary("clamp", "{0}.clamp(-0.5, 1.0)", margin=_min_abs(-0.5, 1.0)),
)

_BINARY: tuple[OpSpec, ...] = (
    OpSpec("add", 2, _binary("{0} + {1}"), _bcast, fresh=True),
    OpSpec("sub", 2, _binary("{0} - {1}"), _bcast, fresh=True),
    OpSpec("mul", 2, _binary("{0} * {1}"), _bcast, fresh=True),
    OpSpec("div", 2, _binary("{0} / {1}"), _bcast, margin=lambda a, b: _min_abs(0.0)(b)),
    OpSpec("div guarded", 2, _binary("{0} / ({1}.square() + 0.5)"), _bcast, fresh=True),
    OpSpec("pow tensor", 2, _binary("({0}.square() + 0.5) ** {1}"), _bcast),
    OpSpec("maximum", 2, _binary("{0}.maximum({1})"), _bcast, margin=_gap),
    OpSpec("minimum", 2, _binary("{0}.minimum({1})"), _bcast, margin=_gap),
    OpSpec("lerp 0.3", 2, _binary("{0}.lerp({1}, 0.3)"), _bcast),
    OpSpec("where", 2, _binary("F.where({0} > 0, {0}, {1})"), _bcast, margin=_where_margin),
    OpSpec("matmul", 2, _matmul_code, _matmul_shape),
    OpSpec("cat", 2, _cat_code, lambda s: (s[0][0] + s[1][0], *s[0][1:])),
    OpSpec("stack", 2, _stack_code, lambda s: (*s[0], 2)),
    OpSpec("mse_loss", 2, _same_shapes("F.mse_loss({0}, {1})"), lambda s: (), empty_ok=False),
    OpSpec("bce", 2, _same_shapes("F.binary_cross_entropy({0}.sigmoid(), {1}.sigmoid())"),
           lambda s: (), _bce_margin, empty_ok=False),
)

_REDUCTIONS: tuple[OpSpec, ...] = (
    _reduce("sum", "{0}.sum()"),
    _reduce("mean", "{0}.mean()", empty_ok=False),
    _reduce("max", "{0}.max()", margin=_top_two_gap, empty_ok=False),
    _reduce("min", "{0}.min()", margin=_top_two_gap, empty_ok=False),
    _reduce("prod", "{0}.prod()", empty_ok=False),
    _reduce("var", "{0}.var()", empty_ok=False, min_size=2),
    _reduce("std", "{0}.std()", empty_ok=False, min_size=2,
            margin=lambda x: float(np.std(x)) if np.size(x) else np.inf),
    _reduce("logsumexp", "{0}.reshape(-1).logsumexp(dim=0)", empty_ok=False),
    OpSpec("sum(dim=0)", 1, _need_dims(1, "{0}.sum(dim=0)"), lambda s: s[0][1:]),
    OpSpec("mean(dim=-1, keepdim)", 1,
           lambda s: "{0}.mean(dim=-1, keepdim=True)" if s[0] and s[0][-1] else None,
           lambda s: (*s[0][:-1], 1)),
    _last_axis("softmax", "{0}.softmax(-1)", keep=True),
    _last_axis("log_softmax", "{0}.log_softmax(-1)", keep=True),
    _last_axis("logsumexp(dim=-1)", "{0}.logsumexp(dim=-1)", keep=False),
    _last_axis("var(dim=-1, correction=0)", "{0}.var(dim=-1, correction=0)", keep=False,
               min_side=2),
    _last_axis("cumsum", "{0}.cumsum(dim=-1)", keep=True, empty_ok=True),
)


def _perm(s: tuple[Shape, ...]) -> str | None:
    n = len(s[0])
    return "{0}.permute(" + ", ".join(str(i) for i in reversed(range(n))) + ")" if n >= 2 else None


def _repeat(s: tuple[Shape, ...]) -> str | None:
    return "{0}.repeat(" + ", ".join(["2"] + ["1"] * len(s[0])) + ")"


_SHAPES: tuple[OpSpec, ...] = (
    OpSpec("reshape(-1)", 1, _fixed("{0}.reshape(-1)"), lambda s: (int(np.prod(s[0])),)),
    OpSpec("unsqueeze(0)", 1, _fixed("{0}.unsqueeze(0)"), lambda s: (1, *s[0])),
    OpSpec("transpose(0, -1)", 1, _need_dims(2, "{0}.transpose(0, -1)"),
           lambda s: (s[0][-1], *s[0][1:-1], s[0][0])),
    OpSpec("permute", 1, _perm, lambda s: s[0][::-1]),
    OpSpec("flip(0)", 1, _need_dims(1, "{0}.flip(0)"), _same),
    OpSpec("expand", 1, _fixed("{0}.expand(2, *{0}.shape)"), lambda s: (2, *s[0])),
    OpSpec("repeat", 1, _repeat, lambda s: (2, *s[0])),  # one more leading axis, of 2 copies
    OpSpec("x[0]", 1, lambda s: "{0}[0]" if s[0] and s[0][0] else None, lambda s: s[0][1:]),
    OpSpec("x[..., [0, 0, -1]]", 1,
           lambda s: "{0}[..., [0, 0, -1]]" if s[0] and s[0][-1] else None,
           lambda s: (*s[0][:-1], 3)),
    OpSpec("x[..., 1:]", 1, _need_dims(1, "{0}[..., 1:]"),
           lambda s: (*s[0][:-1], max(s[0][-1] - 1, 0))),
    OpSpec("split last", 1, lambda s: "{0}.split(2, dim=-1)[-1]" if s[0] and s[0][-1] else None,
           lambda s: (*s[0][:-1], s[0][-1] - 2 * ((s[0][-1] - 1) // 2))),
    OpSpec("chunk last", 1, lambda s: "{0}.chunk(2, dim=-1)[-1]" if s[0] and s[0][-1] > 1
           else None, lambda s: (*s[0][:-1], s[0][-1] - -(-s[0][-1] // 2))),
)

OPS: tuple[OpSpec, ...] = (*_BINARY[:3], *_ELEMENTWISE, *_BINARY[3:], *_REDUCTIONS, *_SHAPES)
OPS_BY_NAME = {op.name: op for op in OPS}
# families, drawn first so the few arithmetic ops users chain most are not drowned by the
# many activations (programs.py draws elementwise twice as often, for its many ops):
# arithmetic, elementwise, other binary, reductions, shapes
FAMILIES: tuple[tuple[OpSpec, ...], ...] = (
    _BINARY[:3], _ELEMENTWISE, _BINARY[3:], _REDUCTIONS, _SHAPES
)
