"""``check_grads``: reverse and forward mode, to any order, against finite differences.

Order 1 checks the map f itself: "rev" its vector-Jacobian product J^T u (reverse mode,
``tm.grad``), "fwd" its Jacobian-vector product J v (forward mode, ``tm.jvp``). Order k
checks the same two products of the order k-1 VJP map x -> J(x)^T u (its gradient built with
``create_graph=True``, so differentiable again): at order 2 "rev" is reverse over reverse
and "fwd" forward over reverse. (The engine's forward mode returns arrays and does not nest,
so forward over forward is not available: every higher order goes through the VJP map.)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..engine.backward import grad
from ..engine.forward_ad import jvp
from ..engine.grad_mode import enable_grad, no_grad
from ..engine.tensor import Tensor
from .check_report import CheckGradsReport, CheckRow
from .kinks import REFINE, OneSided, Verdict, judge
from .report import GradcheckError, GradcheckWarning, disconnected_message
from .tolerances import Tolerances, resolve
from .vjp_map import vjp_map

__all__ = ["check_grads", "CHECK_MODES"]

CHECK_MODES = ("rev", "fwd")
Fn = Callable[..., Tensor]


def check_grads(
    fn: Fn,
    args: Sequence[Any],
    order: int = 1,
    modes: Sequence[str] = CHECK_MODES,
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    *,
    n_directions: int = 2,
    full_limit: int = 16,
    rng: np.random.Generator | None = None,
    names: Sequence[str] | None = None,
    raise_exception: bool = True,
    allow_float32: bool = False,
) -> CheckGradsReport:
    """Check ``fn``'s derivatives up to ``order`` in each of ``modes`` ("rev", "fwd").

    For every input x, along ``n_directions`` random unit directions v (and along every unit
    vector e_i when x has at most ``full_limit`` entries), with D(v) the central difference
    (f(x + eps v) - f(x - eps v)) / (2 eps):

    - "rev": ⟨J^T u, v⟩ against ⟨u, D(v)⟩, for a random output weight u;
    - "fwd": J v against D(v), entry by entry over the output.

    Entrywise rule |a - n| <= atol + rtol |n| with gradcheck's defaults per dtype, and its
    kink handling (one-sided differences, subgradients). Directions and weights come from
    ``rng`` (default ``numpy.random.default_rng(0)``). ``fn`` takes Tensors and returns a
    Tensor of any shape; ``args`` are Tensors or arrays (copied: the caller's are untouched).
    Raises ``GradcheckError`` naming the order, mode, input and worst entry, or, with
    ``raise_exception=False``, returns the report. An output that does not depend on any
    input raises (or warns with ``raise_exception=False``) instead of passing 0 against 0.

    Example::

        >>> x = Tensor(np.array([0.3, -1.2, 2.0]))
        >>> tm.check_grads(lambda x: x.tanh() * x, [x], order=2, modes=("rev", "fwd")).ok
        True
    """
    _check_arguments(args, order, modes, n_directions, full_limit)
    leaves = [_leaf(a, i) for i, a in enumerate(args)]
    dtype, tol = resolve(leaves, eps, atol, rtol, allow_float32, who="check_grads")
    if names is not None and len(names) != len(leaves):
        raise ValueError(f"check_grads: {len(names)} names for {len(leaves)} inputs")
    labels = list(names) if names is not None else [f"input {i}" for i in range(len(leaves))]
    gen = rng if rng is not None else np.random.default_rng(0)

    with enable_grad():
        probe = fn(*leaves)
    if not isinstance(probe, Tensor):
        raise TypeError(f"check_grads: fn must return a Tensor, got {type(probe).__name__}")
    if not probe.requires_grad:
        if raise_exception:
            raise GradcheckError(None, disconnected_message("check_grads"))
        warnings.warn(disconnected_message("check_grads"), GradcheckWarning, stacklevel=2)
        return CheckGradsReport(dtype, tol.eps, tol.atol, tol.rtol, (), disconnected=True)

    rows: list[CheckRow] = []
    f: Fn = fn
    for k in range(1, order + 1):
        base = [x.data.copy() for x in leaves]
        out_shape = _outputs(f, base).shape
        u = gen.standard_normal(out_shape)
        for mode in (m for m in CHECK_MODES if m in modes):
            what = ("VJP" if mode == "rev" else "JVP") + " of VJP" * (k - 1)
            for i, label in enumerate(labels):
                verdicts = _directions(f, base, i, mode, u, tol, gen, n_directions, full_limit)
                rows.append(_row(k, mode, what, label, base[i].shape, verdicts))
        if k < order:
            f = vjp_map(f, gen.standard_normal(out_shape))
    report = CheckGradsReport(dtype, tol.eps, tol.atol, tol.rtol, tuple(rows))
    if raise_exception and not report.ok:
        raise GradcheckError(report)
    return report


def _check_arguments(args: Any, order: Any, modes: Any, n_directions: int, full_limit: int) -> None:
    """check_grads's arguments, each refused with an error that names it."""
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"check_grads: order must be an int >= 1, got {order!r}")
    if isinstance(modes, str) or not modes or any(m not in CHECK_MODES for m in modes):
        raise ValueError(f"check_grads: modes must be a non-empty subset of {CHECK_MODES}")
    if not isinstance(args, Sequence) or isinstance(args, Tensor):
        raise TypeError("check_grads: args must be a list of the inputs, e.g. [x, w]")
    if n_directions < 0 or full_limit < 0:
        raise ValueError("check_grads: n_directions and full_limit must be >= 0")


def _leaf(a: Any, i: int) -> Tensor:
    arr = a.data if isinstance(a, Tensor) else np.asarray(a)
    if arr.dtype.kind != "f":
        raise TypeError(f"check_grads: input {i} has dtype {arr.dtype}; it needs floats")
    return Tensor.from_numpy(np.array(arr, copy=True), requires_grad=True)


def _outputs(f: Fn, arrays: Sequence[np.ndarray]) -> np.ndarray:
    """f at the arrays, as a float64 array, without a graph; refuses non-finite values."""
    with no_grad():
        out = f(*[Tensor._make(a, False) for a in arrays])
    if not isinstance(out, Tensor):
        raise TypeError(f"check_grads: fn must return a Tensor, got {type(out).__name__}")
    if not np.isfinite(out.data).all():
        raise ValueError("check_grads: fn returned a non-finite value at or near the point")
    return out.data.astype(np.float64)


Found = tuple[str, tuple[int, ...] | None, float, Verdict]


class _Sided(NamedTuple):
    """One-sided differences D+, D- and the central one, one entry per output."""

    plus: np.ndarray
    minus: np.ndarray
    central: np.ndarray


def _directions(
    f: Fn,
    base: list[np.ndarray],
    i: int,
    mode: str,
    u: np.ndarray,
    tol: Tolerances,
    rng: np.random.Generator,
    n_directions: int,
    full_limit: int,
) -> list[Found]:
    """Every direction of input i compared in ``mode``: (label, output entry, a, verdict)."""
    x = base[i]
    dirs: list[tuple[str, np.ndarray]] = []
    for k in range(n_directions if x.size else 0):
        v = rng.standard_normal(x.shape)
        dirs.append((f"rand {k}", v / np.linalg.norm(v)))
    if x.size <= full_limit:
        for flat_i in range(x.size):
            e = np.zeros(x.size)
            e[flat_i] = 1.0
            index = ", ".join(map(str, np.unravel_index(flat_i, x.shape)))
            dirs.append((f"e({index})", e.reshape(x.shape)))
    vjp_i = _vjp(f, base, u)[i] if mode == "rev" and dirs else None
    found: list[Found] = []
    for label, v in dirs:
        for out_index, a, verdict in _compare(f, base, i, v, mode, u, vjp_i, tol):
            found.append((label, out_index, a, verdict))
    return found


def _compare(
    f: Fn,
    base: list[np.ndarray],
    i: int,
    v: np.ndarray,
    mode: str,
    u: np.ndarray,
    vjp_i: np.ndarray | None,
    tol: Tolerances,
) -> list[tuple[tuple[int, ...] | None, float, Verdict]]:
    """Input i along v: one verdict for "rev" (⟨u, J v⟩), one per output entry for "fwd"."""
    cache: dict[float, _Sided] = {}
    steps: list[np.ndarray] = []

    def measure(h: float) -> _Sided:
        if h not in cache:  # the finer step is measured only when judge asks for it
            cache[h], step = _one_sided(f, base, i, v, h)
            steps.append(step)
        return cache[h]

    coarse = measure(tol.eps)
    moved = steps[0]  # the direction actually taken, after rounding x +- eps v

    def finer() -> _Sided:
        return measure(tol.eps / REFINE)

    if mode == "rev":
        assert vjp_i is not None
        a = float(np.sum(vjp_i * moved))
        verdict = judge(a, _project(coarse, u), lambda: _project(finer(), u), tol.atol, tol.rtol)
        return [(None, a, verdict)]
    tangents = [moved if j == i else np.zeros_like(b) for j, b in enumerate(base)]
    _, jv = jvp(f, [Tensor._make(b, False) for b in base], tangents)
    out: list[tuple[tuple[int, ...] | None, float, Verdict]] = []
    for j, a in enumerate(np.asarray(jv, dtype=np.float64).reshape(-1)):

        def finer_j(j: int = j) -> OneSided:
            return _entry(finer(), j)

        verdict = judge(float(a), _entry(coarse, j), finer_j, tol.atol, tol.rtol)
        index = tuple(int(k) for k in np.unravel_index(j, coarse.plus.shape))
        out.append((index, float(a), verdict))
    return out


def _one_sided(
    f: Fn, base: list[np.ndarray], i: int, v: np.ndarray, h: float
) -> tuple[_Sided, np.ndarray]:
    """One-sided differences of f's outputs (arrays) along v at step h, and the step taken."""
    x = base[i]
    up, down = x + h * v, x - h * v
    if not (up - x).any() or not (x - down).any():
        raise ValueError(f"check_grads: step {h:g} vanishes in {x.dtype}; use a larger eps")
    f0 = _outputs(f, base)
    f_up = _outputs(f, [up if j == i else b for j, b in enumerate(base)])
    f_down = _outputs(f, [down if j == i else b for j, b in enumerate(base)])
    moved = (up - down) / (2 * h)
    return _Sided((f_up - f0) / h, (f0 - f_down) / h, (f_up - f_down) / (2 * h)), moved


def _project(s: _Sided, u: np.ndarray) -> OneSided:
    return OneSided(
        float(np.sum(u * s.plus)), float(np.sum(u * s.minus)), float(np.sum(u * s.central))
    )


def _entry(s: _Sided, j: int) -> OneSided:
    return OneSided(float(s.plus.flat[j]), float(s.minus.flat[j]), float(s.central.flat[j]))


def _vjp(f: Fn, base: list[np.ndarray], u: np.ndarray) -> list[np.ndarray]:
    """J^T u for each input, by reverse mode (zeros for inputs the output does not use)."""
    xs = [Tensor.from_numpy(b.copy(), requires_grad=True) for b in base]
    with enable_grad():
        out = f(*xs)
    if not out.requires_grad:  # a constant map (the gradient of an affine f): J = 0
        return [np.zeros(b.shape) for b in base]
    grads = grad(out, xs, grad_outputs=u.astype(out.dtype), allow_unused=True)
    return [
        np.zeros(b.shape) if g is None else g.data.astype(np.float64)
        for g, b in zip(grads, base, strict=True)
    ]


def _row(
    order: int, mode: str, what: str, label: str, shape: tuple[int, ...], found: list[Found]
) -> CheckRow:
    """Summarise one input's comparisons; a direction counts once however many outputs."""
    by_dir: dict[str, list[Found]] = {}
    for item in found:
        by_dir.setdefault(item[0], []).append(item)
    failed = sum(any(not v.ok for *_, v in items) for items in by_dir.values())
    kinks = sum(any(v.kink for *_, v in items) for items in by_dir.values())
    if not found:
        return CheckRow(order, mode, what, label, shape, 0, 0, 0, "-", None, 0.0, 0.0, 0.0)

    def ratio(v: Verdict) -> float:
        return v.err / v.bound if v.bound > 0 else (np.inf if v.err > 0 else 0.0)

    worst = max(found, key=lambda item: ratio(item[3]))
    label_w, out_w, a, v = worst
    return CheckRow(
        order, mode, what, label, tuple(shape), len(by_dir), kinks, failed,
        label_w, out_w, a, v.numeric, float(ratio(v)),
    )  # fmt: skip
