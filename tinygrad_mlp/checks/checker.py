"""``gradcheck``: the engine's gradient against finite differences, entry by entry or along
random directions, with a report instead of a bare yes or no."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np

from ..engine.backward import grad
from ..engine.grad_mode import enable_grad
from ..engine.tensor import Tensor
from .kinks import REFINE, OneSided, Verdict, judge
from .numerical import evaluate, flat_view
from .report import GradcheckError, GradcheckReport, InputReport
from .tolerances import Tolerances, resolve

__all__ = ["gradcheck", "MODES", "DEFAULT_SEED"]

MODES = ("full", "projection")
DEFAULT_SEED = 0  # the directions of mode="projection" when no rng is given: reproducible


def gradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Tensor],
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    mode: str = "full",
    *,
    raise_exception: bool = True,
    allow_float32: bool = False,
    n_directions: int = 3,
    rng: np.random.Generator | None = None,
    names: Sequence[str] | None = None,
) -> GradcheckReport:
    """Check the gradient of the scalar ``fn(*inputs)`` against finite differences.

    mode="full": every entry i of every input, analytic g_i against the central difference
    (f(x + eps e_i) - f(x - eps e_i)) / (2 eps); 2 evaluations of fn per entry.
    mode="projection": for ``n_directions`` random unit directions v per input, <g, v>
    against (f(x + eps v) - f(x - eps v)) / (2 eps) (fn is scalar, so the output weight u is
    1): the cost does not grow with the input's size. Directions come from ``rng``, or from
    ``numpy.random.default_rng(0)`` when it is None.

    An entry passes when |a - n| <= atol + rtol |n|. Defaults (eps, atol, rtol) are
    (1e-6, 1e-6, 1e-5) for float64; float32 inputs raise TypeError unless
    ``allow_float32=True``, which uses (1e-3, 1e-2, 1e-2) (see :mod:`.tolerances`).
    Entries whose one-sided differences disagree sit at a kink; they pass when the analytic
    value lies between the two (see :mod:`.kinks`) and are counted in the report.
    A failure raises :class:`GradcheckError` (its message holds the report's table) unless
    ``raise_exception=False``. Inputs are perturbed in place and restored; their ``.grad``
    is left as it was.

    Example::

        >>> x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
        >>> w = Tensor(np.array([2.0, 3.0]), requires_grad=True)
        >>> tm.gradcheck(lambda x, w: (x * w).exp().sum(), [x, w]).ok
        True
        >>> tm.gradcheck(lambda x: x.relu().sum(), [Tensor(np.zeros(3), requires_grad=True)]).kinks
        3
    """
    if mode not in MODES:
        raise ValueError(f"gradcheck: mode must be 'full' or 'projection', got {mode!r}")
    if not isinstance(inputs, Sequence) or isinstance(inputs, Tensor):
        raise TypeError("gradcheck: inputs must be a list of Tensors, e.g. [x, w]")
    dtype, tol = resolve(inputs, eps, atol, rtol, allow_float32)
    if names is not None and len(names) != len(inputs):
        raise ValueError(f"gradcheck: {len(names)} names for {len(inputs)} inputs")
    if n_directions < 1:
        raise ValueError(f"gradcheck: n_directions must be >= 1, got {n_directions}")
    labels = list(names) if names is not None else [f"input {i}" for i in range(len(inputs))]
    analytic = _analytic(fn, inputs)
    f0 = evaluate(fn, inputs)
    rows = []
    for x, g, label in zip(inputs, analytic, labels, strict=True):
        if mode == "full":
            verdicts = _full(fn, inputs, x, g, f0, tol)
        else:
            gen = rng if rng is not None else np.random.default_rng(DEFAULT_SEED)
            verdicts = _projection(fn, inputs, x, g, f0, tol, n_directions, gen)
        rows.append(_summarise(label, x.shape, verdicts, mode))
    report = GradcheckReport(mode, dtype, tol.eps, tol.atol, tol.rtol, tuple(rows))
    if raise_exception and not report.ok:
        raise GradcheckError(report)
    return report


def _analytic(fn: Callable[..., Tensor], inputs: Sequence[Tensor]) -> list[np.ndarray]:
    """The engine's gradient of fn at the inputs, in float64, by ``tm.grad``: no ``.grad``
    is touched, and inputs may be intermediate tensors (whose graph is kept)."""
    with enable_grad():
        out = fn(*inputs)
    evaluate(lambda *_: out, inputs)  # the same checks: a finite, one-element Tensor
    if not out.requires_grad:
        return [np.zeros(x.shape) for x in inputs]
    grads = grad(out, list(inputs), allow_unused=True)
    return [
        np.zeros(x.shape) if g is None else g.data.astype(np.float64)
        for g, x in zip(grads, inputs, strict=True)
    ]


Measure = Callable[[float], OneSided]


def _full(
    fn: Callable[..., Tensor],
    inputs: Sequence[Tensor],
    x: Tensor,
    g: np.ndarray,
    f0: float,
    tol: Tolerances,
) -> list[tuple[tuple[int, ...], float, Verdict]]:
    flat = flat_view(x)
    out = []
    for i in range(flat.size):
        orig = flat[i]

        def measure(h: float, i: int = i, orig: np.floating = orig) -> OneSided:
            try:
                flat[i] = orig + h
                up, h_up = evaluate(fn, inputs), float(flat[i]) - float(orig)
                flat[i] = orig - h
                down, h_down = evaluate(fn, inputs), float(orig) - float(flat[i])
            finally:
                flat[i] = orig
            if h_up == 0 or h_down == 0:
                raise ValueError(
                    f"gradcheck: step {h:g} vanishes at entry {i} (value {float(orig):g}) in "
                    f"{x.dtype}: x + eps == x; use a larger eps"
                )
            return OneSided((up - f0) / h_up, (f0 - down) / h_down, (up - down) / (h_up + h_down))

        a = float(g.reshape(-1)[i])
        verdict = _judge(a, measure, tol)
        out.append((tuple(int(k) for k in np.unravel_index(i, x.shape)), a, verdict))
    return out


def _projection(
    fn: Callable[..., Tensor],
    inputs: Sequence[Tensor],
    x: Tensor,
    g: np.ndarray,
    f0: float,
    tol: Tolerances,
    n_directions: int,
    rng: np.random.Generator,
) -> list[tuple[tuple[int, ...], float, Verdict]]:
    if x.size == 0:
        return []
    flat = flat_view(x)
    base = flat.copy()
    out: list[tuple[tuple[int, ...], float, Verdict]] = []
    for k in range(n_directions):
        v = rng.standard_normal(x.size)
        v /= np.linalg.norm(v)
        moved: list[np.ndarray] = []

        def measure(h: float, v: np.ndarray = v, moved: list[np.ndarray] = moved) -> OneSided:
            try:
                flat[:] = base + h * v
                up, d_up = evaluate(fn, inputs), flat.astype(np.float64) - base
                flat[:] = base - h * v
                down, d_down = evaluate(fn, inputs), base - flat.astype(np.float64)
            finally:
                flat[:] = base
            if not d_up.any() or not d_down.any():
                raise ValueError(
                    f"gradcheck: step {h:g} vanishes in {x.dtype} (x + eps v == x); "
                    "use a larger eps"
                )
            moved[:] = [(d_up + d_down) / (2 * h)]  # the direction actually taken
            return OneSided((up - f0) / h, (f0 - down) / h, (up - down) / (2 * h))

        coarse = measure(tol.eps)
        a = float(g.reshape(-1) @ moved[0])
        finer = functools.partial(measure, tol.eps / REFINE)
        verdict = judge(a, coarse, finer, tol.atol, tol.rtol)
        out.append(((k,), a, verdict))
    return out


def _judge(analytic: float, measure: Measure, tol: Tolerances) -> Verdict:
    return judge(analytic, measure(tol.eps), lambda: measure(tol.eps / REFINE), tol.atol, tol.rtol)


def _summarise(
    label: str,
    shape: tuple[int, ...],
    verdicts: list[tuple[tuple[int, ...], float, Verdict]],
    mode: str,
) -> InputReport:
    if not verdicts:
        return InputReport(label, shape, 0, 0, 0, 0.0, 0.0, None, 0.0, 0.0, 0.0)
    errs = np.array([v.err for _, _, v in verdicts])
    scale = np.array([max(abs(a), abs(v.numeric)) for _, a, v in verdicts])
    rel = np.divide(errs, scale, out=np.zeros_like(errs), where=scale > 0)
    ratio = np.array([v.err / v.bound if v.bound > 0 else np.inf * v.err for _, _, v in verdicts])
    ratio = np.nan_to_num(ratio, nan=0.0)
    w = int(np.argmax(ratio))
    index, a, verdict = verdicts[w]
    return InputReport(
        name=label,
        shape=tuple(shape),
        checked=len(verdicts),
        kinks=sum(v.kink for _, _, v in verdicts),
        failed=sum(not v.ok for _, _, v in verdicts),
        max_abs_err=float(errs.max()),
        max_rel_err=float(rel.max()),
        worst=index,
        worst_analytic=a,
        worst_numeric=verdict.numeric,
        worst_ratio=float(ratio[w]),
    )
