"""Run an experiment for the command line: print its table, write its results, draw its plot."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

from .results import write_results

__all__ = ["run_sweep", "run_kinks", "emit_table_rows"]

Path = str | os.PathLike[str] | None


def run_sweep(
    sizes: Sequence[int],
    batch: int,
    seed: int,
    points: int,
    out: Path,
    plot: Path,
    schemes: Sequence[str] = ("central",),
    command: Sequence[str] | None = None,
) -> int:
    """``gradcheck --sweep-eps``: the V-curves' table, then the results (with ``command`` in
    their provenance) and the plot; returns 0.

    Example (progress goes to stderr)::

        >>> run_sweep([3, 2], 2, 0, 3, None, None)  # doctest: +ELLIPSIS
        seed network 3-2, batch 2, seed 0: ...
        0
    """
    from .eps_sweep import eps_grid, format_sweep, sweep_eps

    print(
        f"seed network {'-'.join(map(str, sizes))}, batch {batch}, seed {seed}: relative error "
        f"of the\n{', '.join(schemes)} derivatives against the closed form"
    )
    sweep = sweep_eps(sizes, batch, seed, [float(e) for e in eps_grid(points)], schemes=schemes)
    print(format_sweep(sweep))
    best = {
        f"{s} {d}": {"scheme": s, "dtype": d, "eps": e, "rel_error": err}
        for (s, d) in sweep.errors
        for e, err in [sweep.best(d, s)]
    }
    if out is not None:
        write_results(out, "sweep-eps", {**sweep.settings, "best": best}, sweep.rows(), command)
        print(f"results written to {out}")
    if plot is not None:
        from .plots import plot_sweep

        plot_sweep(sweep, plot)
        print(f"plot written to {plot}")
    return 0


def run_kinks(
    sizes: Sequence[int],
    widths: Sequence[int],
    batches: Sequence[int],
    eps: float,
    seed: int,
    out: Path,
    plot: Path,
    seeds: int = 1,
    command: Sequence[str] | None = None,
) -> int:
    """``gradcheck --kinks``: kink statistics per width and batch over ``seeds`` networks
    each (mean, spread, failures); returns 0 (a measurement).

    Entries that fail are part of the finding (several kinks within eps of the point defeat
    any finite difference), so they are counted in the table, not turned into an exit status.

    Example::

        >>> run_kinks([3, 4, 2], [2], [1], 1e-2, 0, None, None)  # doctest: +ELLIPSIS
        networks 3 -> width x 1 -> 2, ...
        0
    """
    from .kink_stats import failure_causes, format_kinks, kink_stats

    depth = len(sizes) - 2
    print(
        f"networks {sizes[0]} -> width x {depth} -> {sizes[-1]}, seeds {seed}..{seed + seeds - 1}, "
        f"eps {eps:g}, float64:\nentries whose ±eps/4 step crosses a ReLU kink"
    )
    rows = kink_stats(widths, batches, eps, sizes[0], sizes[-1], depth, seed, seeds=seeds)
    print(format_kinks(rows))
    at_kinks, elsewhere = failure_causes(rows)
    if at_kinks:
        print(
            f"{at_kinks} entries failed in networks with entries at kinks: mostly several kinks\n"
            "within eps of the point, which defeat any finite difference (a smaller eps, e.g.\n"
            "the default 1e-6, avoids them)"
        )
    if elsewhere:
        print(
            f"{elsewhere} entries failed in networks with no entry at a kink: not kinks, but the\n"
            f"difference's own error at eps {eps:g} (truncation ~ eps^2; try a smaller eps)"
        )
    settings = {"sizes": list(sizes), "eps": eps, "seed": seed, "seeds": seeds}
    if out is not None:
        write_results(out, "kinks", settings, [r.as_dict() for r in rows], command)
        print(f"results written to {out}")
    if plot is not None:
        from .plots import plot_kinks

        plot_kinks(
            rows,
            eps,
            plot,
            {"networks": f"{sizes[0]} -> {depth} x width -> {sizes[-1]}", "seed": seed},
        )
        print(f"plot written to {plot}")
    return 0


def emit_table_rows(
    rows: Sequence[Any],
    settings: dict[str, Any],
    out: Path,
    plot: Path,
    command: Sequence[str] | None = None,
) -> None:
    """Write the three-way table's rows (dataclasses with an ``ok``) and draw their errors;
    ``command``, the command line, goes into the results file's provenance."""
    dicts = [{**dataclasses.asdict(r), "ok": r.ok} for r in rows]
    if out is not None:
        write_results(out, "three-way", settings, dicts, command)
        print(f"results written to {out}")
    if plot is not None:
        from .plots import plot_table

        plot_table(dicts, plot, settings)
        print(f"plot written to {plot}")
