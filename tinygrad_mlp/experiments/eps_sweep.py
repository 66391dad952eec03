"""The V-curves: error of each numerical scheme against the closed form as eps shrinks.

For each eps (log-spaced from 1e-1 to 1e-12), dtype and scheme (``checks.schemes``),
every parameter entry of a seeded seed network gets its numerical derivative; the error is
max_i |fd_i - g_i| / max_i |g_i| against the closed form g in float64, at the same
(dtype-rounded) weights. forward, central and richardson difference the engine's loss in
that dtype; complex steps the closed-form loss (``closed_form.loss``) in the complex dtype of
that precision, since Tensors are real. Large eps: truncation, ~ eps^p (and ReLU kinks the
step crosses). Small eps: round-off, ~ u |E| / eps, except for the complex step, which
subtracts nothing and stays at round-off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..checks.numerical import numerical_grad
from ..checks.schemes import SCHEMES, numerical_grad_arrays, theory
from ..engine.tensor import Tensor
from ..seed import closed_form
from ..seed.network import SeedNetwork, build, loss
from ..utils.progress import Progress
from ..utils.table import render_table

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
    """Errors per (scheme, dtype) and eps, and the best eps of each curve."""

    eps: list[float]
    errors: dict[tuple[str, str], list[float]]
    settings: dict[str, Any] = field(default_factory=dict)

    def best(self, dtype: str, scheme: str = "central") -> tuple[float, float]:
        """(eps, error) at the smallest error of ``scheme`` in ``dtype``."""
        errs = self.errors[(scheme, dtype)]
        i = int(np.argmin(errs))
        return self.eps[i], errs[i]

    def rows(self) -> list[dict[str, Any]]:
        """One row per (scheme, dtype, eps): dtype, scheme, eps, rel_error, best (the min)."""
        out = []
        for (scheme, dtype), errs in self.errors.items():
            best_eps, _ = self.best(dtype, scheme)
            for e, err in zip(self.eps, errs, strict=True):
                out.append(
                    {"dtype": dtype, "scheme": scheme, "eps": e, "rel_error": err,
                     "best": e == best_eps}
                )  # fmt: skip
        return out


def sweep_eps(
    sizes: Sequence[int] = (4, 5, 4, 3),
    batch: int = 6,
    seed: int = 0,
    eps: Sequence[float] | None = None,
    dtypes: Sequence[str] = ("float32", "float64"),
    quiet: bool = False,
    schemes: Sequence[str] = ("central",),
) -> EpsSweep:
    """Measure each scheme's error on the seed network's gradient for each eps and dtype.

    Example::

        >>> sweep = sweep_eps((3, 4, 2), batch=2, eps=[1e-2, 1e-6], dtypes=["float64"], quiet=True)
        >>> sweep.best("float64")[0]
        1e-06
    """
    for s in schemes:
        if s not in SCHEMES:
            raise ValueError(f"sweep_eps: scheme must be one of {', '.join(SCHEMES)}, got {s!r}")
    grid = [float(e) for e in (eps_grid() if eps is None else eps)]
    net = build(sizes, batch, seed)
    errors: dict[tuple[str, str], list[float]] = {}
    progress = Progress(
        len(grid) * len(dtypes) * len(schemes), "gradcheck --sweep-eps", quiet=quiet
    )
    for scheme in schemes:
        for dtype in dtypes:
            errs = []
            ref = _reference(net, dtype)
            for e in grid:
                flat = np.concatenate([g.reshape(-1) for g in _numeric(net, dtype, scheme, e)])
                errs.append(float(np.max(np.abs(flat - ref)) / np.max(np.abs(ref))))
                progress.step()
            errors[(scheme, dtype)] = errs
    progress.close()
    settings = {
        "sizes": list(sizes), "batch": batch, "seed": seed, "dtypes": list(dtypes),
        "schemes": list(schemes),
    }  # fmt: skip
    return EpsSweep(grid, errors, settings)


def _reference(net: SeedNetwork, dtype: str) -> np.ndarray:
    """The closed-form gradient in float64 at the weights and inputs rounded to ``dtype``."""
    params = [p.astype(dtype).astype(np.float64) for p in net.flat_params]
    pairs = list(zip(params[0::2], params[1::2], strict=True))
    _, grads = closed_form.loss_and_grads(pairs, net.x.astype(dtype).astype(np.float64), net.target)
    return np.concatenate([g.reshape(-1) for pair in grads for g in pair])


def _numeric(net: SeedNetwork, dtype: str, scheme: str, e: float) -> list[np.ndarray]:
    params = [p.astype(dtype) for p in net.flat_params]
    if scheme == "complex":
        x = net.x.astype(dtype)

        def oracle(*ps: np.ndarray) -> Any:
            return closed_form.loss(list(zip(ps[0::2], ps[1::2], strict=True)), x, net.target)

        return numerical_grad_arrays(oracle, params, eps=e, scheme="complex")
    tensors = [Tensor(p, requires_grad=True) for p in params]
    # the textbook formula, divided by the nominal eps: its failure below the dtype's
    # spacing (the step rounds away) is part of what the sweep shows
    fd = numerical_grad(
        lambda *ps: loss(net.x, net.target, *ps), tensors, eps=e, kind=scheme, step="nominal"
    )
    return [g.astype(np.float64) for g in fd]


def format_sweep(sweep: EpsSweep) -> str:
    """The sweep as a table, one line per eps, the best eps of each curve marked with ``*``;
    then each curve's best eps and error beside the theory's (constants taken as 1)."""
    curves = list(sweep.errors)
    best = {c: sweep.best(c[1], c[0])[0] for c in curves}
    lines = []
    for i, e in enumerate(sweep.eps):
        cells = [f"{e:.1e}"]
        for c in curves:
            mark = "*" if e == best[c] else " "
            cells.append(f"{sweep.errors[c][i]:.2e}{mark}")
        lines.append(cells)
    # two header lines, scheme over dtype, so eight curves fit in 100 columns
    out = render_table(["", *[s for s, _ in curves]], [["eps", *[d for _, d in curves]], *lines])
    out[:3] = [out[0], out[2], "-" * max(len(line) for line in out)]
    out.append("* best eps of the column; error = max|FD - closed| / max|closed| (normwise)")
    units = {d: float(np.finfo(d).eps) / 2 for _, d in curves}
    for scheme, dtype in curves:
        e, err = sweep.best(dtype, scheme)
        t_eps, t_err = theory(scheme, units[dtype])
        where = f"eps <= {t_eps:.1e}" if scheme == "complex" else f"eps ~ {t_eps:.1e}"
        out.append(
            f"{scheme} {dtype}: best eps {e:.1e}, min rel error {err:.1e} "
            f"(theory: {where}, error ~ {t_err:.1e})"
        )
    out.append(
        "theory: constants taken as 1; unit round-off u = "
        + ", ".join(f"{u:.1e} ({d})" for d, u in units.items())
    )
    return "\n".join(out)
