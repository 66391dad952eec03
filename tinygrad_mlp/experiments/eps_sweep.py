"""The V-curve: error of central differences against the closed form as eps shrinks.

For each eps (log-spaced from 1e-1 to 1e-12) and dtype, every parameter entry of a seeded
seed network gets (E(w + eps e_i) - E(w - eps e_i)) / (2 eps), computed by the engine in that
dtype; the error is max_i |fd_i - g_i| / max_i |g_i| against the closed form g in float64,
at the same (dtype-rounded) weights. Large eps: truncation, ~ eps^2 (and ReLU kinks the
step crosses). Small eps: round-off, ~ u |E| / eps. The minimum sits near u^(1/3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..checks.numerical import numerical_grad
from ..engine.tensor import Tensor
from ..seed import closed_form
from ..seed.network import build, loss
from ..utils.table import render_table
from .progress import Progress

__all__ = ["EpsSweep", "eps_grid", "sweep_eps", "format_sweep"]


def eps_grid(points: int = 23, largest: float = 1e-1, smallest: float = 1e-12) -> np.ndarray:
    """``points`` steps log-spaced from ``largest`` down to ``smallest``.

    Example::

        >>> eps_grid(3, 1e-1, 1e-3)
        array([0.1  , 0.01 , 0.001])
    """
    if points < 2:
        raise ValueError(f"eps_grid: need at least 2 points, got {points}")
    return np.logspace(np.log10(largest), np.log10(smallest), points)


@dataclass
class EpsSweep:
    """Errors per dtype and eps, and the best eps of each dtype."""

    eps: list[float]
    errors: dict[str, list[float]]
    settings: dict[str, Any] = field(default_factory=dict)

    def best(self, dtype: str) -> tuple[float, float]:
        """(eps, error) at the smallest error for ``dtype``."""
        i = int(np.argmin(self.errors[dtype]))
        return self.eps[i], self.errors[dtype][i]

    def rows(self) -> list[dict[str, Any]]:
        """One row per (dtype, eps): eps, dtype, error, best (true on the minimum)."""
        out = []
        for dtype, errs in self.errors.items():
            best_eps, _ = self.best(dtype)
            for e, err in zip(self.eps, errs, strict=True):
                out.append({"dtype": dtype, "eps": e, "rel_error": err, "best": e == best_eps})
        return out


def sweep_eps(
    sizes: Sequence[int] = (4, 5, 4, 3),
    batch: int = 6,
    seed: int = 0,
    eps: Sequence[float] | None = None,
    dtypes: Sequence[str] = ("float32", "float64"),
    quiet: bool = False,
) -> EpsSweep:
    """Measure the finite-difference error of the seed network's gradient for each eps, dtype.

    Example::

        >>> sweep = sweep_eps((3, 4, 2), batch=2, eps=[1e-2, 1e-6], dtypes=["float64"], quiet=True)
        >>> sweep.best("float64")[0]
        1e-06
    """
    grid = [float(e) for e in (eps_grid() if eps is None else eps)]
    net = build(sizes, batch, seed)
    errors: dict[str, list[float]] = {}
    progress = Progress(len(grid) * len(dtypes), "gradcheck --sweep-eps", quiet=quiet)
    for dtype in dtypes:
        params = [p.astype(dtype) for p in net.params]
        pairs = [
            (params[i].astype(np.float64), params[i + 1].astype(np.float64))
            for i in range(0, len(params), 2)
        ]
        _, grads = closed_form.loss_and_grads(pairs, net.x.astype(dtype).astype(np.float64), net.y)
        ref = np.concatenate([g.reshape(-1) for pair in grads for g in pair])
        tensors = [Tensor(p, requires_grad=True) for p in params]
        errs = []
        for e in grid:
            # the textbook formula, divided by the nominal eps: its failure below the
            # dtype's spacing (the step rounds away) is part of what the sweep shows
            fd = numerical_grad(lambda *ps: loss(net.x, net.y, *ps), tensors, eps=e, step="nominal")
            flat = np.concatenate([g.astype(np.float64).reshape(-1) for g in fd])
            errs.append(float(np.max(np.abs(flat - ref)) / np.max(np.abs(ref))))
            progress.step()
        errors[dtype] = errs
    progress.close()
    settings = {"sizes": list(sizes), "batch": batch, "seed": seed, "dtypes": list(dtypes)}
    return EpsSweep(grid, errors, settings)


def format_sweep(sweep: EpsSweep) -> str:
    """The sweep as a table, one line per eps, the best eps of each dtype marked with ``*``."""
    dtypes = list(sweep.errors)
    best = {d: sweep.best(d)[0] for d in dtypes}
    head = ["eps", *[f"{d} rel error" for d in dtypes]]
    lines = [head]
    for i, e in enumerate(sweep.eps):
        cells = [f"{e:.1e}"]
        for d in dtypes:
            mark = " *" if e == best[d] else ""
            cells.append(f"{sweep.errors[d][i]:.2e}{mark}")
        lines.append(cells)
    out = render_table(head, lines[1:], align="right")
    out.append("* best eps of the column")
    for d in dtypes:
        u = float(np.finfo(d).eps) / 2
        e, err = sweep.best(d)
        out.append(
            f"{d}: best eps {e:.1e}, min rel error {err:.1e} "
            f"(theory: eps ~ u^(1/3) = {u ** (1 / 3):.1e}, u = {u:.1e})"
        )
    return "\n".join(out)
