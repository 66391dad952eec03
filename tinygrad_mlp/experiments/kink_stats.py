"""How often a gradient check meets a ReLU kink, as the network gets wider and the batch larger.

An entry of W or b sits "at a kink" when moving it by +-eps moves some ReLU input z across
0, so its one-sided differences disagree and ``gradcheck`` checks it as a
subgradient. A weight of a layer touches the ReLUs of its own layer for every sample and,
through them, those of the layers above: the chance grows about like eps x batch x width.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..checks.checker import gradcheck
from ..engine.tensor import Tensor
from ..seed.network import build, loss
from ..utils.progress import Progress
from ..utils.table import render_table

__all__ = [
    "KinkRow", "kink_stats", "format_kinks", "failure_causes", "fraction_grid",
    "fraction_range", "KINKS_LEGEND",
]  # fmt: skip


@dataclass(frozen=True)
class KinkRow:
    """One configuration over several seeds: entries checked, kinks and failures per seed.

    ``worst_ratio`` is the largest |a - n| / (atol + rtol |n|) over every entry of every
    seed (> 1 fails).
    """

    width: int
    batch: int
    entries: int
    kinks: tuple[int, ...]
    failed: tuple[int, ...]
    worst_ratio: float

    @property
    def fractions(self) -> np.ndarray:
        """kinks / entries, one per seed."""
        return np.array(self.kinks, dtype=float) / self.entries if self.entries else np.zeros(1)

    @property
    def fraction(self) -> float:
        """The mean kink fraction over the seeds."""
        return float(self.fractions.mean())

    @property
    def spread(self) -> float:
        """The standard deviation of the kink fraction over the seeds (0 for one seed)."""
        return float(self.fractions.std(ddof=1)) if len(self.kinks) > 1 else 0.0

    @property
    def failed_total(self) -> int:
        """Entries that failed, summed over the seeds."""
        return sum(self.failed)

    @property
    def seeds_failed(self) -> int:
        """How many seeds had at least one failed entry."""
        return sum(f > 0 for f in self.failed)

    def as_dict(self) -> dict[str, Any]:
        """The row's statistics, for a results file."""
        fr = self.fractions
        return {
            "width": self.width, "batch": self.batch, "entries": self.entries,
            "seeds": len(self.kinks), "kinks_mean": float(np.mean(self.kinks)),
            "fraction": self.fraction, "fraction_std": self.spread,
            "fraction_min": float(fr.min()), "fraction_max": float(fr.max()),
            "failed": self.failed_total, "seeds_failed": self.seeds_failed,
            "worst_ratio": self.worst_ratio,
        }  # fmt: skip


def kink_stats(
    widths: Sequence[int] = (4, 8, 16, 32),
    batches: Sequence[int] = (1, 8, 32),
    eps: float = 1e-2,
    n_in: int = 4,
    n_out: int = 3,
    depth: int = 2,
    seed: int = 0,
    quiet: bool = False,
    seeds: int = 1,
) -> list[KinkRow]:
    """gradcheck (mode "full", float64) every parameter of N -> width x depth -> K networks,
    for ``seeds`` networks per configuration (seeds ``seed`` .. ``seed + seeds - 1``).

    Example::

        >>> rows = kink_stats([3], [2], eps=1e-6, quiet=True, seeds=2)
        >>> rows[0].entries, rows[0].failed, rows[0].fraction
        (39, (0, 0), 0.0)
    """
    if seeds < 1:
        raise ValueError(f"kink_stats: seeds must be >= 1, got {seeds}")
    rows = []
    progress = Progress(len(widths) * len(batches) * seeds, "gradcheck --kinks", quiet=quiet)
    for width in widths:
        for batch in batches:
            kinks, failed, worst, entries = [], [], 0.0, 0
            for s in range(seed, seed + seeds):
                net = build([n_in, *[width] * depth, n_out], batch, s)
                tensors = [Tensor(p, requires_grad=True) for p in net.flat_params]
                report = gradcheck(
                    lambda *ps, net=net: loss(net.x, net.target, *ps),
                    tensors,
                    eps=eps,
                    raise_exception=False,
                    names=net.names,
                )
                entries = sum(r.checked for r in report.inputs)
                kinks.append(report.kinks)
                failed.append(report.failed)
                worst = max(worst, *(r.worst_ratio for r in report.inputs))
                progress.step()
            rows.append(KinkRow(width, batch, entries, tuple(kinks), tuple(failed), worst))
    progress.close()
    return rows


KINKS_LEGEND = (
    "kinks: entries at a kink, mean per network; fraction: kinks / entries, mean over the\n"
    "seeds, its sd and min-max; failing: seeds with a failed entry; worst: the largest\n"
    "|a - n| / (atol + rtol |n|) over every entry (> 1 fails)"
)


def format_kinks(rows: Sequence[KinkRow]) -> str:
    """The rows as a table (within 100 columns; ``KINKS_LEGEND`` names the columns):
    kink fraction mean, sd and min-max over the seeds, failures, the worst error ratio."""
    head = (
        "width", "batch", "entries", "seeds", "kinks", "fraction", "sd", "min-max", "failed",
        "failing", "worst",
    )  # fmt: skip
    lines = []
    for r in rows:
        fr = r.fractions
        lines.append(
            (
                str(r.width), str(r.batch), str(r.entries), str(len(r.kinks)),
                f"{np.mean(r.kinks):.1f}", f"{r.fraction:.2%}", f"{r.spread:.2%}",
                f"{fr.min():.1%}-{fr.max():.1%}", str(r.failed_total),
                f"{r.seeds_failed}/{len(r.kinks)}", f"{r.worst_ratio:.1e}",
            )
        )  # fmt: skip
    return "\n".join([*render_table(head, lines, align="right"), KINKS_LEGEND])


def failure_causes(rows: Sequence[KinkRow]) -> tuple[int, int]:
    """(entries that failed in networks with some entry at a kink, entries that failed in
    networks with none), summed over every row and seed: only the first can be blamed on
    kinks; the second are the difference's own error at this eps (truncation, round-off).

    Example::

        >>> failure_causes([KinkRow(4, 1, 10, (2, 0), (3, 1), 9.0)])
        (3, 1)
    """
    at_kinks = sum(f for r in rows for k, f in zip(r.kinks, r.failed, strict=True) if k > 0)
    return at_kinks, sum(r.failed_total for r in rows) - at_kinks


def fraction_grid(rows: Sequence[KinkRow]) -> tuple[list[int], list[int], np.ndarray, np.ndarray]:
    """(widths, batches, mean fraction[width, batch], spread[width, batch]) for a plot.

    Example::

        >>> fraction_grid([KinkRow(4, 1, 10, (2, 4), (0, 0), 0.0)])[2]
        array([[0.3]])
    """
    widths = sorted({r.width for r in rows})
    batches = sorted({r.batch for r in rows})
    grid = np.zeros((len(widths), len(batches)))
    spread = np.zeros_like(grid)
    for r in rows:
        grid[widths.index(r.width), batches.index(r.batch)] = r.fraction
        spread[widths.index(r.width), batches.index(r.batch)] = r.spread
    return widths, batches, grid, spread


def fraction_range(rows: Sequence[KinkRow]) -> tuple[np.ndarray, np.ndarray]:
    """(smallest, largest) kink fraction over the seeds, [width, batch] as in
    ``fraction_grid``: the figure's error bars, which (unlike mean - sd) stay in [0, 1].

    Example::

        >>> fraction_range([KinkRow(4, 1, 10, (0, 4), (0, 0), 0.0)])
        (array([[0.]]), array([[0.4]]))
    """
    widths, batches, grid, _ = fraction_grid(rows)
    low, high = np.zeros_like(grid), np.zeros_like(grid)
    for r in rows:
        at = widths.index(r.width), batches.index(r.batch)
        low[at], high[at] = r.fractions.min(), r.fractions.max()
    return low, high
