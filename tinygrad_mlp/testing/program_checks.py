"""Run a fuzzed ``Program`` and check it: torch when importable, FD always.

``check_program`` runs the program on tinygrad_mlp and checks, in float64:

- the value and every leaf's ``.grad`` against torch (the same source on torch tensors);
- a second ``backward`` (the first kept the graph with retain_graph=True): the grads double;
- ``tm.grad`` on a fresh forward equals the ``.grad`` of ``backward``;
- the gradient against central differences along two random directions;
- second order: the gradient built with create_graph=True, differentiated again along a
  random v (a Hessian-vector product) against torch, against ``tm.hvp`` and against
  central differences of the gradient.

Programs whose values leave the region where finite differences are valid (a kinked op's
operand within ``MARGIN`` of its kink, a non-finite or huge value) are
rejected (``hypothesis.reject``), never checked. A failure raises AssertionError whose
message holds a runnable reproducer.

Tolerances and their reasons:

- ``TORCH_TOL`` 1e-8 (relative to 1 + the largest magnitude): the two libraries compute
  the same function with different but correct arithmetic; each of <= 25 ops adds a few
  ulps (1.1e-16) of values bounded by ``BOUND``, so agreement is ~1e-12; a wrong rule is
  wrong by O(1) of the gradient: 1e-8 is 4 orders from either.
- ``FD_STEP`` 1e-6, ``FD_TOL`` 1e-5: central differences carry truncation h^2 |L'''| / 6
  (1e-12 times a third derivative of values bounded by 1e2) and round-off
  u * |L| / h <= 1.1e-16 * 1e3 / 1e-6 ~ 1e-7; 1e-5 (relative to 1 + |<g, u>|) covers both.
- ``HVP_STEP`` 1e-5, ``HVP_TOL`` 1e-4: the same for differences of the gradient: truncation
  h^2 |g'''| ~ 1e-10 * 1e2, round-off u * |g| / h ~ 1e-11 * 1e3.
- exact doubling and tm.grad: the same graph run again sums the same terms in the same
  order, so only 1e-14 (a few ulps) is allowed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import reject

from .program_reference import (
    BOUND,
    Margins,
    admissible,
    as_float64,
    torch_available,
    torch_reference,
)
from .programs import Program, namespace

__all__ = ["check_program", "run_checks", "torch_available", "BOUND"]

TORCH_TOL = 1e-8
FD_STEP, FD_TOL = 1e-6, 1e-5
HVP_STEP, HVP_TOL = 1e-5, 1e-4
# torch's float64 kernels that use float32 constants (measured with torch 2.13, against the
# closed forms): hardsigmoid's backward multiplies by 1/6 rounded to float32
# (0.1666666716337204, 3e-8 relative); celu's first and second derivatives use 1/alpha in
# float32 (5e-9 and 2e-8 relative at alpha = 0.7). torch's error, not ours.
TORCH_TOL_BY_OP = {"hardsigmoid": 1e-6, "celu": 1e-6}
# torch 2.13's float64 binary_cross_entropy double backward is no reference: in two programs
# the exhaustive fuzzer drew, its Hessian-vector product was off by 7e-6 and 5.5e-4 relative
# where ours matched mpmath (50 digits) to 4e-11 and 1e-9. Programs with BCE are checked to
# second order against differences of the gradient only (HVP_TOL), not against torch.
TORCH_HVP_TOL_BY_OP = {"bce": np.inf}
SAME_TOL = 1e-14


def _fail(p: Program, what: str, got: Any, want: Any) -> AssertionError:
    return AssertionError(
        f"{what}\n  got:  {got}\n  want: {want}\nreproducer:\n{p.source()}"
    )


def _close(p: Program, what: str, got: Any, want: Any, tol: float) -> None:
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    scale = 1.0 + (float(np.abs(want).max()) if want.size else 0.0)
    if got.shape != want.shape or not np.all(np.abs(got - want) <= tol * scale):
        raise _fail(p, what, got, want)


def _close_to_torch(p: Program, what: str, got: Any, want: Any, tol: float) -> None:
    """``_close``, except where torch's answer is NaN: torch is no reference there (e.g. its
    BCE gradient for the target at p = 1 is 0 * inf = NaN where the limit is finite), and
    central differences, checked for every entry anyway, judge ours alone."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape == want.shape and np.isnan(want).any():
        keep = ~np.isnan(want)
        got, want = got[keep], want[keep]
    _close(p, what, got, want, tol)


def check_program(p: Program, rng_seed: int = 0, use_torch: bool | None = None) -> None:
    """``run_checks``, with any error turned into an AssertionError holding a reproducer.

    Example::

        >>> import numpy as np
        >>> from tinygrad_mlp.testing.programs import Line, Program
        >>> p = Program((np.array(0.5), np.array([1.0, 2.0])),
        ...             (Line("v0", "x0 * x1", "mul", ("x0", "x1")), Line("out", "v0.sum()")))
        >>> check_program(p, use_torch=False)
    """
    try:
        run_checks(p, rng_seed, use_torch)
    except AssertionError:
        raise
    except Exception as exc:
        if type(exc).__name__ in ("UnsatisfiedAssumption", "StopTest"):
            raise
        raise AssertionError(
            f"{type(exc).__name__}: {exc}\nreproducer:\n{p.source()}"
        ) from exc


def run_checks(p: Program, rng_seed: int = 0, use_torch: bool | None = None) -> None:
    """Every check of the module doc on ``p``; AssertionError with a reproducer if one fails.

    Example::

        >>> import numpy as np
        >>> from tinygrad_mlp.testing.programs import Line, Program
        >>> p = Program((np.array(0.5), np.array([1.0, 2.0])),
        ...             (Line("v0", "x0 * x1", "mul", ("x0", "x1")), Line("out", "v0.sum()")))
        >>> check_program(p, use_torch=False)
    """
    from tinygrad_mlp import Tensor

    rng = np.random.default_rng(rng_seed)
    v = [rng.standard_normal(x.shape) for x in p.leaves]
    use_torch = torch_available() if use_torch is None else use_torch
    ref, refused = torch_reference(p, v) if use_torch else (None, None)

    ns = namespace("tinygrad_mlp")
    margins = Margins()
    fn = p.function(ns, margins)
    xs = [Tensor(x.copy(), requires_grad=True) for x in p.leaves]
    if refused is not None:  # then ours must refuse it too, with an error of its own
        try:
            fn(*xs)
        except (ValueError, TypeError, RuntimeError, FloatingPointError):
            reject()  # both refuse: an invalid program, not a finding
        raise AssertionError(f"torch refused the program ({refused}), tinygrad_mlp did not")
    out = fn(*xs)
    if ref is None and not admissible([as_float64(out)], margins):
        reject()
    torch_tol = max([TORCH_TOL] + [TORCH_TOL_BY_OP.get(ln.op, 0.0) for ln in p.lines])
    first = _check_backward(p, out, xs, ref, torch_tol)
    _check_grad_and_differences(p, fn, first, rng)
    _check_second_order(p, fn, v, ref, torch_tol)


def _check_backward(
    p: Program, out: Any, xs: list[Any], ref: Any, torch_tol: float
) -> list[np.ndarray]:
    """backward's gradients (against torch's), and doubled by a second backward."""
    value = float(as_float64(out))
    out.backward(retain_graph=True)
    first = [np.zeros_like(x) if t.grad is None else as_float64(t.grad).copy()
             for t, x in zip(xs, p.leaves, strict=True)]
    if ref is not None:
        _close_to_torch(p, "value against torch", value, ref["out"], torch_tol)
        for i, (g, r) in enumerate(zip(first, ref["grads"], strict=True)):
            _close_to_torch(p, f"x{i}.grad against torch", g, r, torch_tol)
    out.backward()
    for i, (t, g) in enumerate(zip(xs, first, strict=True)):
        second = np.zeros_like(g) if t.grad is None else as_float64(t.grad)
        _close(p, f"x{i}.grad after a second backward (retain_graph): doubled", second, 2 * g,
               SAME_TOL)
    return first


def _check_grad_and_differences(
    p: Program, fn: Any, first: list[np.ndarray], rng: np.random.Generator
) -> None:
    """tm.grad against backward's gradients; <grad, u> against central differences."""
    import tinygrad_mlp as tm
    from tinygrad_mlp import Tensor

    fresh = [Tensor(x.copy(), requires_grad=True) for x in p.leaves]
    gs = tm.grad(fn(*fresh), fresh, allow_unused=True)
    for i, (g, want) in enumerate(zip(gs, first, strict=True)):
        _close(p, f"tm.grad for x{i} against backward", np.zeros_like(want) if g is None
               else as_float64(g), want, SAME_TOL)

    def loss(arrays: list[np.ndarray]) -> float:
        with tm.no_grad():
            return float(as_float64(fn(*[Tensor(a) for a in arrays])))

    for _ in range(2):
        u = [rng.standard_normal(x.shape) for x in p.leaves]
        plus = loss([x + FD_STEP * d for x, d in zip(p.leaves, u, strict=True)])
        minus = loss([x - FD_STEP * d for x, d in zip(p.leaves, u, strict=True)])
        fd = (plus - minus) / (2 * FD_STEP)
        exact = sum(float(np.vdot(g, d)) for g, d in zip(first, u, strict=True))
        _close(p, "<grad, u> against central differences", exact, fd, FD_TOL)


def _check_second_order(
    p: Program, fn: Any, v: list[np.ndarray], ref: Any, torch_tol: float
) -> None:
    import tinygrad_mlp as tm
    from tinygrad_mlp import Tensor

    def grad_at(arrays: list[np.ndarray]) -> list[np.ndarray]:
        ts = [Tensor(a, requires_grad=True) for a in arrays]
        gs = tm.grad(fn(*ts), ts, allow_unused=True)
        return [np.zeros_like(a) if g is None else as_float64(g) for g, a in zip(gs, arrays,
                                                                              strict=True)]

    xs = [Tensor(x.copy(), requires_grad=True) for x in p.leaves]
    gs = tm.grad(fn(*xs), xs, create_graph=True, allow_unused=True)
    terms = [(g * Tensor(vi)).sum() for g, vi in zip(gs, v, strict=True) if g is not None]
    hv = [np.zeros_like(x) for x in p.leaves]
    if terms:
        s = terms[0]
        for t in terms[1:]:
            s = s + t
        if s.requires_grad:
            hs = tm.grad(s, xs, allow_unused=True)
            hv = [np.zeros_like(x) if h is None else as_float64(h) for h, x in zip(hs, p.leaves,
                                                                                strict=True)]
    plus = grad_at([x + HVP_STEP * d for x, d in zip(p.leaves, v, strict=True)])
    minus = grad_at([x - HVP_STEP * d for x, d in zip(p.leaves, v, strict=True)])
    for i, h in enumerate(hv):
        if ref is not None and ref["hv"] is not None and not any(
            TORCH_HVP_TOL_BY_OP.get(ln.op) == np.inf for ln in p.lines
        ):
            hvp_tol = max([torch_tol] + [TORCH_HVP_TOL_BY_OP.get(ln.op, 0.0) for ln in p.lines])
            _close_to_torch(
                p, f"Hessian-vector product, x{i}, against torch", h, ref["hv"][i], hvp_tol
            )
        fd = (plus[i] - minus[i]) / (2 * HVP_STEP)
        _close(p, f"Hessian-vector product, x{i}, against differences of the gradient", h, fd,
               HVP_TOL)
    via = tm.hvp(lambda *a: fn(*a), [x.copy() for x in p.leaves], v)
    for i, (a, b) in enumerate(zip(via, hv, strict=True)):
        _close(p, f"tm.hvp, x{i}, against grad of grad", a, b, SAME_TOL * 1e2)
