"""The two ways ``gradcheck`` measures a Jacobian: entry by entry, or along directions.

- ``full_entries``: every J[k, i] of one input, analytic (a row of reverse passes) against
  the central difference (f_k(x + eps e_i) - f_k(x - eps e_i)) / (2 eps);
- ``projection_entries``: ⟨J^T u, v⟩ against ⟨u, D(v)⟩ for random unit directions v.

Each entry is judged with the kink rules of ``kinks`` (a finer step where the gap asks for
it); the result is a list of ``Found`` tuples that ``checker`` summarises per input.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np

from ..engine.grad_mode import enable_grad
from ..engine.tensor import Tensor
from .jacobian import Sided, outputs, vjp_rows
from .kinks import REFINE, OneSided, Verdict, judge
from .numerical import flat_view
from .tolerances import Tolerances

__all__ = ["Found", "full_entries", "projection_entries"]

Fn = Callable[..., Tensor]
# (input index, output index or None for a scalar output or a projection, analytic, verdict)
Found = tuple[tuple[int, ...], tuple[int, ...] | None, float, Verdict]


def full_entries(
    fn: Fn,
    inputs: Sequence[Tensor],
    x: Tensor,
    rows: list[np.ndarray],
    f0: np.ndarray,
    tol: Tolerances,
    who: str,
) -> list[Found]:
    """Every J[k, i] of input x against its central difference; ``rows[k]`` is row k of J
    restricted to x. x's array is perturbed in place and put back entry by entry."""
    flat = flat_view(x, who)
    found: list[Found] = []
    for i in range(flat.size):
        found.extend(_full_entry(fn, inputs, flat, i, x.shape, rows, f0, tol, who))
    return found


def _full_entry(
    fn: Fn,
    inputs: Sequence[Tensor],
    flat: np.ndarray,
    i: int,
    shape: tuple[int, ...],
    rows: list[np.ndarray],
    f0: np.ndarray,
    tol: Tolerances,
    who: str,
) -> list[Found]:
    """Column i of J: every output's derivative in entry i, judged one by one."""
    coarse = _entry_step(fn, inputs, flat, i, f0, who, tol.eps)
    cache: list[Sided] = []

    def finer() -> Sided:  # measured once, and only when some output's gap asks for it
        if not cache:
            cache.append(_entry_step(fn, inputs, flat, i, f0, who, tol.eps / REFINE))
        return cache[0]

    index = tuple(int(k) for k in np.unravel_index(i, shape))
    found: list[Found] = []
    for k in range(f0.size):
        a = float(rows[k].reshape(-1)[i])

        def finer_k(k: int = k) -> OneSided:
            return _at(finer(), k)

        verdict = judge(a, _at(coarse, k), finer_k, tol.atol, tol.rtol)
        out_index = None if f0.size == 1 else tuple(int(j) for j in np.unravel_index(k, f0.shape))
        found.append((index, out_index, a, verdict))
    return found


def _entry_step(
    fn: Fn,
    inputs: Sequence[Tensor],
    flat: np.ndarray,
    i: int,
    f0: np.ndarray,
    who: str,
    h: float,
) -> Sided:
    """One-sided differences of every output along e_i at step h (the realised steps)."""
    orig = flat[i]
    try:
        flat[i] = orig + h
        up, h_up = outputs(fn, inputs, who), float(flat[i]) - float(orig)
        flat[i] = orig - h
        down, h_down = outputs(fn, inputs, who), float(orig) - float(flat[i])
    finally:
        flat[i] = orig
    if h_up == 0 or h_down == 0:
        raise ValueError(
            f"{who}: step {h:g} vanishes at entry {i} (value {float(orig):g}) in "
            f"{flat.dtype}: x + eps == x; use a larger eps"
        )
    return Sided((up - f0) / h_up, (f0 - down) / h_down, (up - down) / (h_up + h_down))


def _at(s: Sided, k: int) -> OneSided:
    return OneSided(float(s.plus.flat[k]), float(s.minus.flat[k]), float(s.central.flat[k]))


def projection_entries(
    fn: Fn,
    inputs: Sequence[Tensor],
    n: int,
    g: np.ndarray | None,
    f0: np.ndarray,
    tol: Tolerances,
    n_directions: int,
    rng: np.random.Generator,
    who: str,
) -> list[Found]:
    """⟨J^T u, v⟩ against ⟨u, D(v)⟩ for random unit directions v of input n. For a scalar fn
    u = 1 and ``g`` is its gradient; otherwise u is drawn after each v, J^T u computed anew."""
    x = inputs[n]
    if x.numel() == 0:
        return []
    flat = flat_view(x, who)
    base = flat.copy()
    found: list[Found] = []
    for k in range(n_directions):
        v = rng.standard_normal(x.numel())
        v /= np.linalg.norm(v)
        u = np.ones(f0.shape) if f0.size == 1 else rng.standard_normal(f0.shape)
        moved: list[np.ndarray] = []

        def measure(
            h: float, v: np.ndarray = v, u: np.ndarray = u, moved: list[np.ndarray] = moved
        ) -> OneSided:
            try:
                flat[:] = base + h * v
                up, d_up = outputs(fn, inputs, who), flat.astype(np.float64) - base
                flat[:] = base - h * v
                down, d_down = outputs(fn, inputs, who), base - flat.astype(np.float64)
            finally:
                flat[:] = base
            if not d_up.any() or not d_down.any():
                raise ValueError(
                    f"{who}: step {h:g} vanishes in {x.dtype} (x + eps v == x); use a larger eps"
                )
            moved[:] = [(d_up + d_down) / (2 * h)]  # the direction actually taken
            dot = functools.partial(np.vdot, u)
            return OneSided(
                float(dot(up - f0)) / h, float(dot(f0 - down)) / h, float(dot(up - down)) / (2 * h)
            )

        coarse = measure(tol.eps)
        if g is None:
            with enable_grad():
                out = fn(*inputs)
            g = vjp_rows(out, inputs, [u])[0][n]  # J^T u, by one reverse pass
            del out
            a = float(g.reshape(-1) @ moved[0])
            g = None
        else:
            a = float(g.reshape(-1) @ moved[0])
        finer = functools.partial(measure, tol.eps / REFINE)
        verdict = judge(a, coarse, finer, tol.atol, tol.rtol)
        found.append(((k,), None, a, verdict))
    return found
