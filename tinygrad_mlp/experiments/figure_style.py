"""One style for every figure the package draws: fonts, sizes, the caption line, the format.

The format follows the file's extension: ``.png`` (raster, 200 dpi), ``.pdf`` and ``.svg``
(vector, for papers). Anything else is refused before any work is done
(``check_format``), so the command line can turn it into a usage error (exit 2).
matplotlib is imported only when a figure is drawn (``pip install 'tinygrad-mlp[plot]'``);
figures use the object-oriented API (no pyplot global state) inside ``rc_context``, so the
style does not leak into the caller's matplotlib settings.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

from ..utils.atomic import atomic_write

__all__ = [
    "FORMATS", "INSTALL_HINT", "PlotUnavailable", "STYLE", "check_format", "require_matplotlib",
    "caption_text", "draw", "log_values", "mark_zeros", "ZERO_LABEL",
]  # fmt: skip

FORMATS = (".png", ".pdf", ".svg")
INSTALL_HINT = "pip install 'tinygrad-mlp[plot]' (or pip install matplotlib)"
STYLE: dict[str, Any] = {
    "font.size": 11,  # readable at a column's width in print
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 9,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "lines.linewidth": 1.6,
    "lines.markersize": 4,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "svg.fonttype": "none",  # SVG text stays text: searchable, editable, small
    "pdf.fonttype": 42,  # TrueType in PDF, as journals ask
    "svg.hashsalt": "tinygrad-mlp",  # the same figure gives the same SVG bytes
}


ZERO_LABEL = "exactly 0 (on the bottom edge)"


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


def check_format(path: str | os.PathLike[str]) -> str:
    """The format ("png", "pdf" or "svg") for ``path``'s extension; ValueError otherwise.

    Example::

        >>> check_format("figure.SVG"), check_format("sweep.pdf")
        ('svg', 'pdf')
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"{str(path)!r}: a figure must end in {', '.join(FORMATS)} (the format follows "
            "the extension)"
        )
    return suffix[1:]


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


def caption_text(settings: Mapping[str, Any]) -> str:
    """The run's settings as one caption line: ``key value; key value; ...``.

    Example::

        >>> caption_text({"sizes": [4, 5, 3], "seed": 0, "eps": 0.01})
        'sizes 4-5-3; seed 0; eps 0.01'
    """
    parts = []
    for key, value in settings.items():
        if isinstance(value, (list, tuple)):
            sep = "-" if all(isinstance(v, int) for v in value) else ", "
            value = sep.join(map(str, value))
        elif isinstance(value, float):
            value = f"{value:g}"
        parts.append(f"{key} {value}")
    return "; ".join(parts)


def draw(
    path: str | os.PathLike[str],
    build: Callable[[Any], None],
    caption: str,
    size: tuple[float, float] = (6.4, 4.4),
    ncols: int = 1,
) -> Any:
    """Make a figure of ``ncols`` axes in the shared style, let ``build`` draw on the list of
    axes, add the caption line at the bottom, save it atomically in the extension's format
    and return the matplotlib Figure (for a caller that wants to inspect or redraw it).
    """
    fmt = check_format(path)
    Figure = require_matplotlib()
    import matplotlib

    with matplotlib.rc_context(cast(Any, STYLE)):
        fig = Figure(figsize=size, layout="constrained")
        axes = list(fig.subplots(1, ncols, squeeze=False)[0])
        build(axes)
        fig.supxlabel(caption, fontsize=8, color="0.35")  # the run, under every panel
        metadata = {"Date": None} if fmt == "svg" else {}  # reproducible SVG bytes
        atomic_write(
            path,
            lambda f: fig.savefig(
                f, format=fmt, dpi=200 if fmt == "png" else None, metadata=metadata
            ),
        )
    return fig


def log_values(values: Any) -> Any:
    """``values`` as floats with exact zeros replaced by NaN, so a log axis leaves a gap
    there instead of inventing a tiny number; ``mark_zeros`` then shows them.

    Example::

        >>> log_values([1e-3, 0.0]).tolist()
        [0.001, nan]
    """
    import numpy as np

    out = np.array(values, dtype=float)
    out[out == 0] = np.nan
    return out


def mark_zeros(ax: Any, x: Any, values: Any, color: Any, label: str | None = None) -> bool:
    """Draw each exact zero of ``values`` at its ``x`` as a hollow triangle on the bottom edge
    of the (log-scaled) axes: the place below every positive number. True if any was drawn.
    """
    import numpy as np
    from matplotlib.transforms import blended_transform_factory

    values = np.asarray(values, dtype=float)
    xs = np.asarray(x, dtype=float)[values == 0]
    if xs.size == 0:
        return False
    edge = blended_transform_factory(ax.transData, ax.transAxes)  # x in data, y in axes
    ax.plot(
        xs, np.full(xs.shape, 0.0), "v", transform=edge, clip_on=False, ms=7, mfc="none",
        mec=color, mew=1.4, label=label, zorder=5,
    )  # fmt: skip
    return True
