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
from .figure_style import (
    ZERO_LABEL,
    PlotUnavailable,
    caption_text,
    check_format,
    draw,
    log_values,
    mark_zeros,
    require_matplotlib,
)  # fmt: skip
from .kink_stats import KinkRow, fraction_grid, fraction_range

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
_SUPERSCRIPT = {1: "¹", 2: "²", 4: "⁴"}


def plot_sweep(sweep: EpsSweep, path: Path) -> Any:
    """Log-log error against eps, one curve per scheme and dtype, best eps starred, with
    reference slopes ε¹, ε², ε⁴ (truncation) and u/ε (round-off); the legend sits outside
    the axes so it hides no point, and an error of exactly 0 is a triangle on the bottom edge.
    """
    caption = caption_text(
        {
            "seed network": sweep.settings.get("sizes", []),
            **{k: v for k, v in sweep.settings.items() if k != "sizes"},
        }
    )

    def build(axes: list[Any]) -> None:
        from matplotlib.lines import Line2D

        ax = axes[0]
        colors: dict[str, Any] = {}
        zeros = False
        for (scheme, dtype), errs in sweep.errors.items():
            (line,) = ax.loglog(
                sweep.eps,
                log_values(errs),
                _LINES.get(dtype, "-"),
                marker="o",
                color=colors.get(scheme),
                label=f"{scheme} {dtype}",
            )
            colors[scheme] = line.get_color()
            zeros |= mark_zeros(ax, sweep.eps, errs, line.get_color())
            e, err = sweep.best(dtype, scheme)
            if err > 0:
                ax.plot([e], [err], "*", ms=13, color=line.get_color(), mec="k", mew=0.5)
        _reference_slopes(ax, sweep)
        ax.invert_xaxis()
        ax.set_xlabel("step ε (smaller to the right)")
        ax.set_ylabel("max |numeric - closed form| / max |closed form|")
        ax.set_title("truncation (left arm) against round-off (right arm)")
        handles, labels = ax.get_legend_handles_labels()
        handles.append(Line2D([], [], ls="", marker="*", ms=11, color="0.5", mec="k", mew=0.5))
        labels.append("best ε of a curve")
        handles.append(Line2D([], [], ls=":", color="0.35"))
        labels.append("reference slope")
        if ("central", "float64") in sweep.errors:
            handles.append(Line2D([], [], ls=":", lw=0.8, color="0.6"))
            labels.append("central's best ε in theory")
        if zeros:
            handles.append(Line2D([], [], ls="", marker="v", mfc="none", mec="0.3"))
            labels.append(ZERO_LABEL)
        ax.figure.legend(handles, labels, loc="outside right upper")

    return draw(path, build, caption, size=(9.0, 5.2))


def _reference_slopes(ax: Any, sweep: EpsSweep) -> None:
    """Dotted grey segments C ε^p along the truncation arm of the curve each describes
    (float64, from the largest eps to the best), and u / ε along the round-off arm."""
    eps = np.array(sweep.eps)
    ylim = ax.get_ylim()  # the references must not stretch the axes beyond the data
    for scheme, p in _SLOPES.items():
        if (scheme, "float64") not in sweep.errors:
            continue
        errs = sweep.errors[(scheme, "float64")]
        best = int(np.argmin(errs))
        if best == 0 or errs[best] == 0:
            continue  # no truncation arm on this grid
        mid = (best + 1) // 2  # anchored half way down the arm, past the kinks at the left
        seg = eps[: best + 1]
        ax.loglog(seg, errs[mid] * (seg / eps[mid]) ** ORDER[scheme], ":", color="0.35", lw=1.2)
        end = errs[mid] * (seg[-1] / eps[mid]) ** ORDER[scheme]
        low = end < ylim[0]  # the segment leaves the axes at the bottom: label it there
        ax.annotate(  # below the segment's small-eps end, where it has left the data
            f"ε{_SUPERSCRIPT[p]}", (seg[-1], max(end, ylim[0])), fontsize=10, color="0.25",
            xytext=(-3, 3 if low else -3), textcoords="offset points", ha="left",
            va="bottom" if low else "top",
        )  # fmt: skip
    if ("central", "float64") in sweep.errors:
        u = float(np.finfo(np.float64).eps) / 2
        best = int(np.argmin(sweep.errors[("central", "float64")]))
        seg = eps[best:]
        ax.loglog(seg, u / seg, ":", color="0.35", lw=1.2)
        ax.annotate(
            "u/ε", (seg[-1], u / seg[-1]), fontsize=10, color="0.25",
            xytext=(0, -8), textcoords="offset points", ha="center", va="top",
        )  # fmt: skip
        ax.axvline(theory("central", u)[0], ls=":", lw=0.8, color="0.6")
    ax.set_ylim(ylim)


def plot_kinks(
    rows: Sequence[KinkRow], eps: float, path: Path, settings: Mapping[str, Any] | None = None
) -> Any:
    """Two panels against the hidden width, one line per batch: the mean fraction of entries
    at kinks with bars from the smallest to the largest over the seeds (a fraction, so never
    below 0), and the entries that failed the check, summed over the seeds."""
    widths, batches, grid, _ = fraction_grid(rows)
    low, high = fraction_range(rows)
    by = {(r.width, r.batch): r for r in rows}
    seeds = max(len(r.kinks) for r in rows) if rows else 0
    caption = caption_text({**(settings or {}), "eps": eps, "seeds per point": seeds})

    def build(axes: list[Any]) -> None:
        left, right = axes
        for j, batch in enumerate(batches):
            shift = 2 ** (0.05 * (j - (len(batches) - 1) / 2))  # side by side, bars apart
            xs = [w * shift for w in widths]
            below, above = grid[:, j] - low[:, j], high[:, j] - grid[:, j]
            bars = left.errorbar(
                xs, 100 * grid[:, j], yerr=100 * np.array([below, above]), marker="o",
                capsize=3, label=f"batch {batch}", clip_on=False,
            )  # fmt: skip
            failed = [by[w, batch].failed_total for w in widths]
            right.plot(xs, failed, marker="o", color=bars.lines[0].get_color(), clip_on=False)
        for ax in axes:
            ax.set_xscale("log", base=2)
            ax.set_xticks(widths, [str(w) for w in widths])
            ax.minorticks_off()
            ax.set_xlabel("hidden width")
        left.set_ylim(bottom=0)
        left.set_ylabel("entries at a kink (%)")
        left.set_title(
            f"kinks within ε/4 of the point (ε = {eps:g})\nmean; bars: min to max over seeds"
        )
        left.legend()
        right.set_ylim(bottom=0)
        right.set_ylabel(f"failed entries (sum over {seeds} seeds)")
        right.set_title("entries failing the check\n(mostly several kinks within ε)")

    return draw(path, build, caption, size=(10.0, 4.6), ncols=2)


_REFERENCES = {  # the table's error columns: (label, which threshold applies)
    "err_closed_form": ("{who} vs closed form", "closed"),
    "err_fd": ("{who} vs finite differences", "fd"),
    "err_scalar": ("scalar vs closed form", "closed"),
}


def plot_table(
    rows: Sequence[dict[str, Any]], path: Path, settings: Mapping[str, Any] | None = None
) -> Any:
    """The three-way table's error columns (keys ``err_*``) as points per parameter on a log
    scale, with the pass thresholds as lines; an error of exactly 0 is a triangle on the
    bottom edge (a log axis has no 0). ``settings["engine"] == "scalar"`` names the engine."""
    from ..checks.seed_network import CLOSED_FORM_RTOL, FD_RTOL

    columns = [k for k in rows[0] if k.startswith("err_") and rows[0][k] is not None]
    engine = (settings or {}).get("engine", "tensor")
    who = "scalar" if engine == "scalar" else "engine"
    limits = {"closed": CLOSED_FORM_RTOL, "fd": FD_RTOL}

    def build(axes: list[Any]) -> None:
        from matplotlib.lines import Line2D

        ax = axes[0]
        x = np.arange(len(rows))
        colors: dict[str, Any] = {}
        for i, key in enumerate(columns):
            label, kind = _REFERENCES.get(key, (key[4:], "closed"))
            values = [float(r[key]) for r in rows]
            dx = x + (i - (len(columns) - 1) / 2) * 0.22
            (line,) = ax.plot(
                dx, log_values(values), "osD"[i % 3], ls="", ms=7, label=label.format(who=who)
            )
            colors.setdefault(kind, line.get_color())
            mark_zeros(ax, dx, values, line.get_color())
        ax.set_yscale("log")
        for kind, limit in limits.items():
            if kind in colors:
                ax.axhline(limit, ls="--", lw=1.2, color=colors[kind])
                name = "closed form" if kind == "closed" else "finite differences"
                ax.annotate(
                    f"pass threshold vs {name}: {limit:g}", (1, limit),
                    xycoords=("axes fraction", "data"), xytext=(-4, 3),
                    textcoords="offset points", ha="right", fontsize=8, color=colors[kind],
                )  # fmt: skip
        ax.set_xticks(x, [str(r["name"]) for r in rows], rotation=30)
        ax.set_xlim(-0.6, len(rows) - 0.4)
        ax.set_ylabel("normwise relative error max|a - r| / max|r|")
        ax.set_title(f"{who} gradient against each reference")
        handles, labels = ax.get_legend_handles_labels()
        if any(float(r[k]) == 0 for r in rows for k in columns):
            handles.append(Line2D([], [], ls="", marker="v", mfc="none", mec="0.3"))
            labels.append(ZERO_LABEL)
        ax.figure.legend(handles, labels, loc="outside right upper")

    return draw(path, build, caption_text(settings or {}), size=(8.4, 4.4))


def plot_training(history: Any, path: Path, settings: Mapping[str, Any]) -> Any:
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

    return draw(path, build, caption_text(settings), size=(9.0, 4.0), ncols=2)
