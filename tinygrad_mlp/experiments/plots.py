"""The figures: eps sweep, kink statistics, the three-way table, a training run.

Each takes the path to write; its extension picks the format (png, pdf, svg) and anything
else is refused (``figure_style``, which also holds the shared style and caption line).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..checks.schemes import ORDER, theory
from .eps_sweep import EpsSweep
from .figure_style import PlotUnavailable, caption_text, check_format, draw, require_matplotlib
from .kink_stats import KinkRow, fraction_grid

__all__ = [
    "PlotUnavailable",
    "require_matplotlib",
    "check_format",
    "plot_sweep",
    "plot_kinks",
    "plot_table",
    "plot_training",
]

Path = str | os.PathLike[str]
_SLOPES = {"forward": 1, "central": 2, "richardson": 4}  # the scheme each reference slope fits
_LINES = {"float64": "-", "float32": "--"}


def plot_sweep(sweep: EpsSweep, path: Path) -> None:
    """Log-log error against eps, one curve per scheme and dtype, best eps starred, with
    reference slopes eps^1, eps^2, eps^4 (truncation) and 1/eps (round-off)."""
    caption = caption_text(
        {
            "seed network": sweep.settings.get("sizes", []),
            **{k: v for k, v in sweep.settings.items() if k != "sizes"},
        }
    )

    def build(axes: list[Any]) -> None:
        ax = axes[0]
        colors: dict[str, Any] = {}
        for (scheme, dtype), errs in sweep.errors.items():
            floor = np.maximum(errs, 1e-18)  # an exact 0 cannot sit on a log axis
            (line,) = ax.loglog(
                sweep.eps,
                floor,
                _LINES.get(dtype, "-"),
                marker="o",
                color=colors.get(scheme),
                label=f"{scheme} {dtype}",
            )
            colors[scheme] = line.get_color()
            e, err = sweep.best(dtype, scheme)
            ax.plot([e], [max(err, 1e-18)], "*", ms=12, color=line.get_color())
        _reference_slopes(ax, sweep)
        ax.invert_xaxis()
        ax.set_xlabel("step eps (smaller to the right)")
        ax.set_ylabel("max |numeric - closed form| / max |closed form|")
        ax.set_title("truncation (left arm) against round-off (right arm)")
        ax.legend(ncols=2, loc="lower left")

    draw(path, build, caption, size=(7.2, 5.2))


def _reference_slopes(ax: Any, sweep: EpsSweep) -> None:
    """Dotted grey segments C eps^p along the truncation arm of the curve each describes
    (float64, from the largest eps to the best), and u / eps along the round-off arm."""
    eps = np.array(sweep.eps)
    ylim = ax.get_ylim()  # the references must not stretch the axes beyond the data
    for scheme, p in _SLOPES.items():
        if (scheme, "float64") not in sweep.errors:
            continue
        errs = sweep.errors[(scheme, "float64")]
        best = int(np.argmin(errs))
        if best == 0:
            continue  # no truncation arm on this grid
        mid = (best + 1) // 2  # anchored half way down the arm, past the kinks at the left
        seg = eps[: best + 1]
        ax.loglog(seg, errs[mid] * (seg / eps[mid]) ** ORDER[scheme], ":", color="0.35", lw=1.2)
        ax.annotate(  # at the anchor, a point of the data: always inside the axes
            f"eps^{p}", (eps[mid], errs[mid]), fontsize=9, color="0.3",
            xytext=(-6, -14), textcoords="offset points", ha="right",
        )  # fmt: skip
    if ("central", "float64") in sweep.errors:
        u = float(np.finfo(np.float64).eps) / 2
        best = int(np.argmin(sweep.errors[("central", "float64")]))
        seg = eps[best:]
        ax.loglog(seg, u / seg, ":", color="0.35", lw=1.2)
        ax.annotate(
            "u/eps",
            (seg[-1], u / seg[-1]),
            fontsize=9,
            color="0.3",
            xytext=(0, -12),
            textcoords="offset points",
            ha="center",
        )
        ax.axvline(theory("central", u)[0], ls=":", lw=0.8, color="0.6")
    ax.set_ylim(ylim)


def plot_kinks(
    rows: Sequence[KinkRow], eps: float, path: Path, settings: Mapping[str, Any] | None = None
) -> None:
    """Mean fraction of entries at kinks against width, one line per batch, +- one standard
    deviation over the seeds as error bars, failed entries written beside each point."""
    widths, batches, grid, spread = fraction_grid(rows)
    failed = {(r.width, r.batch): (r.failed_total, r.seeds_failed, len(r.kinks)) for r in rows}
    seeds = max(len(r.kinks) for r in rows) if rows else 0
    caption = caption_text({**(settings or {}), "eps": eps, "seeds per point": seeds})

    def build(axes: list[Any]) -> None:
        ax = axes[0]
        for j, batch in enumerate(batches):
            bars = ax.errorbar(
                widths,
                100 * grid[:, j],
                yerr=100 * spread[:, j],
                marker="o",
                capsize=3,
                label=f"batch {batch}",
            )
            for w in widths:
                n, s, total = failed.get((w, batch), (0, 0, 0))
                if n:
                    ax.annotate(
                        f"{n} failed ({s}/{total} seeds)",
                        (w, 100 * grid[widths.index(w), j]),
                        fontsize=8,
                        color=bars.lines[0].get_color(),
                        xytext=(5, -10),
                        textcoords="offset points",
                    )
        ax.set_xscale("log", base=2)
        ax.set_xticks(widths, [str(w) for w in widths])
        ax.set_xlabel("hidden width")
        ax.set_ylabel("entries at a kink (%), mean +- sd")
        ax.set_title(f"ReLU kinks within eps/4 of the point, eps = {eps:g}")
        ax.legend()

    draw(path, build, caption)


def plot_table(
    rows: Sequence[dict[str, Any]], path: Path, settings: Mapping[str, Any] | None = None
) -> None:
    """The three-way table's error columns (keys ``err_*``) as bars per parameter, log scale."""
    columns = [k for k in rows[0] if k.startswith("err_") and rows[0][k] is not None]

    def build(axes: list[Any]) -> None:
        ax = axes[0]
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

    draw(path, build, caption_text(settings or {}), size=(7.0, 4.4))


def plot_training(history: Any, path: Path, settings: Mapping[str, Any]) -> None:
    """Loss (train, test; log scale) and accuracy (train, test) per epoch, side by side,
    with the run's settings (data set, sizes, optimizer, seed, ...) in the caption."""
    cols = history.to_dict()

    def build(axes: list[Any]) -> None:
        ax1, ax2 = axes
        ax1.plot(cols["epoch"], cols["train_loss"], marker="o", label="train")
        ax1.plot(cols["epoch"], cols["test_loss"], marker="o", label="test")
        ax1.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title="loss")
        ax2.plot(cols["epoch"], 100 * cols["train_accuracy"], marker="o", label="train")
        ax2.plot(cols["epoch"], 100 * cols["test_accuracy"], marker="o", label="test")
        ax2.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
        for ax in axes:
            ax.legend()

    draw(path, build, caption_text(settings), size=(9.0, 4.0), ncols=2)
