"""``gradcheck``: the engine's derivatives against finite differences, entry by entry of the
Jacobian or along random directions, with a report instead of a bare yes or no."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np

from ..engine.grad_mode import enable_grad
from ..engine.writes import writing
from ..tensor import Tensor
from .entries import Found, full_entries, projection_entries
from .jacobian import unit_weights, values_of, vjp_rows
from .report import (
    GradcheckError,
    GradcheckReport,
    GradcheckWarning,
    InputReport,
    disconnected_message,
)
from .tolerances import leaves_of, resolve

__all__ = ["gradcheck", "MODES", "DEFAULT_SEED"]

MODES = ("full", "projection")
DEFAULT_SEED = 0  # the directions of mode="projection" when no rng is given: reproducible
Fn = Callable[..., Tensor]


def gradcheck(
    fn: Fn,
    inputs: Sequence[Tensor | np.ndarray],
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
    """Check the derivatives of ``fn(*inputs)`` (a scalar or any shape) by finite differences.

    ``inputs`` are Tensors that require grad, or float numpy arrays (each copied into a new
    leaf that requires grad, as ``check_grads`` takes them: the caller's array is left
    as it is).

    mode="full": every entry J[k, i] of the Jacobian (output k, input entry i), analytic
    (one reverse pass per output entry) against the central difference
    (f_k(x + eps e_i) - f_k(x - eps e_i)) / (2 eps); 2 evaluations of fn per input entry.
    mode="projection": for ``n_directions`` random unit directions v per input and, for a
    vector output, random output weights u, ⟨J^T u, v⟩ against
    ⟨u, f(x + eps v) - f(x - eps v)⟩ / (2 eps) (u = 1 for a scalar output): the cost does
    not grow with the sizes. Directions come from ``rng``, or from
    ``numpy.random.default_rng(0)`` when it is None.

    An entry passes when |a - n| <= atol + rtol |n| (the entrywise rule,
    ``tolerances.ENTRYWISE``). Defaults (eps, atol, rtol) are (1e-6, 1e-6, 1e-5) for
    float64; float32 inputs raise TypeError unless ``allow_float32=True``, which uses
    (1e-3, 1e-2, 1e-2) (see ``tolerances``). Entries whose one-sided differences
    disagree sit at a kink; they pass when the analytic value lies between the two (see
    ``kinks``) and are counted in the report. A failure raises ``GradcheckError``
    (its message holds the report's table) unless ``raise_exception=False``. An output that
    depends on no input (no graph joins them) raises too, or with ``raise_exception=False``
    warns (``GradcheckWarning``) and returns a report that is not ok: 0 against 0 is
    no check. Inputs are perturbed in place and restored; their ``.grad`` is left as it was.

    Example::

        >>> x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
        >>> w = Tensor(np.array([2.0, 3.0]), requires_grad=True)
        >>> tm.gradcheck(lambda x, w: (x * w).exp().sum(), [x, w]).ok
        True
        >>> tm.gradcheck(lambda x, w: (x * w).exp(), [x, w]).inputs[0].checked  # 2 x 2 J
        4
        >>> tm.gradcheck(lambda x: x.relu().sum(), [Tensor(np.zeros(3), requires_grad=True)]).kinks
        3
    """
    return _gradcheck(
        fn, leaves_of(inputs, "gradcheck"), eps, atol, rtol, mode, raise_exception=raise_exception,
        allow_float32=allow_float32, n_directions=n_directions, rng=rng, names=names,
    )  # fmt: skip


def _gradcheck(
    fn: Fn,
    inputs: Sequence[Tensor],
    eps: float | None,
    atol: float | None,
    rtol: float | None,
    mode: str,
    *,
    raise_exception: bool = True,
    allow_float32: bool = False,
    n_directions: int = 3,
    rng: np.random.Generator | None = None,
    names: Sequence[str] | None = None,
    kind: str = "gradcheck",
    constant_ok: bool = False,
) -> GradcheckReport:
    """``gradcheck``, with the report's ``kind`` ("gradgradcheck" one order up).

    ``constant_ok``: an output without a graph is a constant map, its derivative 0, checked
    against finite differences like any other (gradgradcheck: the gradient of an affine fn).
    """
    _check_arguments(kind, mode, inputs)
    dtype, tol = resolve(inputs, eps, atol, rtol, allow_float32, who=kind)
    labels = _labels(kind, names, len(inputs), n_directions)
    gen = rng if rng is not None else np.random.default_rng(DEFAULT_SEED)

    def report_of(rows: tuple[InputReport, ...], disconnected: bool = False) -> GradcheckReport:
        return GradcheckReport(
            mode, dtype, tol.eps, tol.atol, tol.rtol, rows, kind=kind, disconnected=disconnected
        )

    with enable_grad():
        out = fn(*inputs)
    f0 = values_of(out, kind)  # a finite float Tensor, or a clear error
    if not out.requires_grad and not constant_ok:
        if raise_exception:
            raise GradcheckError(None, disconnected_message(kind))
        warnings.warn(disconnected_message(kind), GradcheckWarning, stacklevel=3)
        return report_of((), disconnected=True)
    if mode == "full":
        jac = vjp_rows(out, inputs, unit_weights(out.shape))  # jac[k][input]: row k of J
    elif f0.size == 1:
        (grads,) = vjp_rows(out, inputs, [np.ones(out.shape)])  # u = 1: one pass serves all
    del out  # the graph is released: the inputs' arrays may be perturbed now
    rows = []
    for n, (x, label) in enumerate(zip(inputs, labels, strict=True)):
        # perturbed in place, every value put back: not a change, so no version bump
        with writing([x.data], undone=True):
            if mode == "full":
                found = full_entries(fn, inputs, x, [row[n] for row in jac], f0, tol, kind)
            else:
                g = grads[n] if f0.size == 1 else None
                found = projection_entries(fn, inputs, n, g, f0, tol, n_directions, gen, kind)
        rows.append(_summarise(label, x.shape, found))
    report = report_of(tuple(rows))
    if raise_exception and not report.ok:
        raise GradcheckError(report)
    return report


def _check_arguments(kind: str, mode: str, inputs: object) -> None:
    """gradcheck's mode and inputs, each refused with an error that names it."""
    if mode not in MODES:
        raise ValueError(f"{kind}: mode must be 'full' or 'projection', got {mode!r}")
    if not isinstance(inputs, Sequence) or isinstance(inputs, Tensor):
        raise TypeError(f"{kind}: inputs must be a list of Tensors, e.g. [x, w]")


def _labels(kind: str, names: Sequence[str] | None, n: int, n_directions: int) -> list[str]:
    """The inputs' names in the report ("input 0", ... unless given)."""
    if names is not None and len(names) != n:
        raise ValueError(f"{kind}: {len(names)} names for {n} inputs")
    if n_directions < 1:
        raise ValueError(f"{kind}: n_directions must be >= 1, got {n_directions}")
    return list(names) if names is not None else [f"input {i}" for i in range(n)]


def _summarise(label: str, shape: tuple[int, ...], found: list[Found]) -> InputReport:
    if not found:
        return InputReport(label, shape, 0, 0, 0, 0.0, 0.0, None, 0.0, 0.0, 0.0)
    errs = np.array([v.err for *_, v in found])
    scale = np.array([max(abs(a), abs(v.numeric)) for _, _, a, v in found])
    rel = np.divide(errs, scale, out=np.zeros_like(errs), where=scale > 0)
    ratio = np.array([v.err / v.bound if v.bound > 0 else np.inf * v.err for *_, v in found])
    ratio = np.nan_to_num(ratio, nan=0.0)
    w = int(np.argmax(ratio))
    index, out_index, a, verdict = found[w]
    return InputReport(
        name=label,
        shape=tuple(shape),
        checked=len(found),
        kinks=sum(v.kink for *_, v in found),
        failed=sum(not v.ok for *_, v in found),
        max_abs_err=float(errs.max()),
        max_rel_err=float(rel.max()),
        worst=index,
        worst_analytic=a,
        worst_numeric=verdict.numeric,
        worst_ratio=float(ratio[w]),
        worst_output=out_index,
    )
