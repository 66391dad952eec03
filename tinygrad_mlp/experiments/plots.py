"""The experiments' figures as PNG files; needs matplotlib (``pip install tinygrad-mlp[plot]``).

matplotlib is imported only here and only when a plot is asked for. Figures are drawn with
the object-oriented API (no pyplot global state) and saved atomically.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..utils.atomic import atomic_write
from .eps_sweep import EpsSweep
from .kink_stats import KinkRow, fraction_grid

__all__ = ["PlotUnavailable", "require_matplotlib", "plot_sweep", "plot_kinks", "plot_table"]

INSTALL_HINT = "pip install 'tinygrad-mlp[plot]' (or pip install matplotlib)"


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


def require_matplotlib() -> Any:
    """matplotlib's Figure class, or PlotUnavailable naming the package to install.

    Example::

        >>> try:
        ...     Figure = require_matplotlib()
        ... except PlotUnavailable as e:
        ...     print(e)  # doctest: +SKIP
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise PlotUnavailable(
            f"--plot needs matplotlib, which is not installed: {INSTALL_HINT}"
        ) from None
    return Figure


def _save(fig: Any, path: str | os.PathLike[str]) -> None:
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=120))


def plot_sweep(sweep: EpsSweep, path: str | os.PathLike[str]) -> None:
    """Log-log error against eps, one line per dtype, the best eps of each marked."""
    Figure = require_matplotlib()
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.add_subplot()
    for dtype, errs in sweep.errors.items():
        (line,) = ax.loglog(sweep.eps, errs, "o-", ms=3, label=dtype)
        e, err = sweep.best(dtype)
        ax.plot([e], [err], "*", ms=14, color=line.get_color())
        ax.annotate(
            f"best {e:.0e}: {err:.1e}",
            (e, err),
            textcoords="offset points",
            xytext=(8, 6),
            fontsize=8,
            color=line.get_color(),
        )
        u = float(np.finfo(dtype).eps) / 2
        ax.axvline(u ** (1 / 3), ls=":", lw=1, color=line.get_color())
    ax.invert_xaxis()
    ax.set_xlabel("eps (dotted: u^(1/3))")
    ax.set_ylabel("max |FD - closed form| / max |closed form|")
    ax.set_title("central differences: truncation (left) vs round-off (right)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    _save(fig, path)


def plot_kinks(rows: Sequence[KinkRow], eps: float, path: str | os.PathLike[str]) -> None:
    """Fraction of entries at kinks against width, one line per batch size."""
    Figure = require_matplotlib()
    widths, batches, grid = fraction_grid(rows)
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.add_subplot()
    for j, batch in enumerate(batches):
        ax.plot(widths, 100 * grid[:, j], "o-", label=f"batch {batch}")
    ax.set_xscale("log", base=2)
    ax.set_xticks(widths, [str(w) for w in widths])
    ax.set_xlabel("hidden width")
    ax.set_ylabel("entries at a kink (%)")
    ax.set_title(f"ReLU kinks within eps/4 of the point, eps = {eps:g}")
    ax.grid(True, alpha=0.3)
    ax.legend()
    _save(fig, path)


def plot_table(rows: Sequence[dict[str, Any]], path: str | os.PathLike[str]) -> None:
    """The three-way table's error columns (keys ``err_*``) as bars per parameter, log scale."""
    Figure = require_matplotlib()
    columns = [k for k in rows[0] if k.startswith("err_") and rows[0][k] is not None]
    fig = Figure(figsize=(7.0, 4.2), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(rows))
    width = 0.8 / max(len(columns), 1)
    floor = 1e-18  # an error of exactly 0 cannot sit on a log axis: drawn at the floor
    for i, key in enumerate(columns):
        values = [max(float(r[key]), floor) for r in rows]
        ax.bar(x + (i - (len(columns) - 1) / 2) * width, values, width, label=key[4:])
    ax.set_yscale("log")
    ax.set_xticks(x, [str(r["name"]) for r in rows], rotation=30)
    ax.set_ylabel("normwise relative error")
    ax.set_title("engine gradient against each reference")
    ax.legend()
    _save(fig, path)
