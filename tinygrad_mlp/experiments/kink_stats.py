"""How often a gradient check meets a ReLU kink, as the network gets wider and the batch larger.

An entry of W or b sits "at a kink" when moving it by +-eps moves some ReLU input z across
0, so its one-sided differences disagree and :func:`~tinygrad_mlp.gradcheck` checks it as a
subgradient. A weight of a layer touches the ReLUs of its own layer for every sample and,
through them, those of the layers above: the chance grows about like eps x batch x width.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..checks.checker import gradcheck
from ..engine.tensor import Tensor
from ..seed.network import build, loss
from ..utils.table import render_table
from .progress import Progress

__all__ = ["KinkRow", "kink_stats", "format_kinks", "fraction_grid"]


@dataclass(frozen=True)
class KinkRow:
    """One configuration: entries checked, how many sat at kinks, how many failed.

    ``worst_ratio`` is the largest |a - n| / (atol + rtol |n|) over the entries (> 1 fails).
    """

    width: int
    batch: int
    entries: int
    kinks: int
    failed: int
    worst_ratio: float

    @property
    def fraction(self) -> float:
        """kinks / entries."""
        return self.kinks / self.entries if self.entries else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The row with its kink fraction, for a results file."""
        return {**asdict(self), "fraction": self.fraction}


def kink_stats(
    widths: Sequence[int] = (4, 8, 16, 32),
    batches: Sequence[int] = (1, 8, 32),
    eps: float = 1e-2,
    n_in: int = 4,
    n_out: int = 3,
    depth: int = 2,
    seed: int = 0,
    quiet: bool = False,
) -> list[KinkRow]:
    """gradcheck (mode "full", float64) every parameter of N -> width x depth -> K networks.

    Example::

        >>> rows = kink_stats([3], [2], eps=1e-6, quiet=True)
        >>> rows[0].entries, rows[0].failed
        (39, 0)
    """
    rows = []
    progress = Progress(len(widths) * len(batches), "gradcheck --kinks", quiet=quiet)
    for width in widths:
        for batch in batches:
            net = build([n_in, *[width] * depth, n_out], batch, seed)
            tensors = [Tensor(p, requires_grad=True) for p in net.params]
            report = gradcheck(
                lambda *ps, net=net: loss(net.x, net.y, *ps),
                tensors,
                eps=eps,
                raise_exception=False,
                names=net.names,
            )
            rows.append(
                KinkRow(
                    width=width,
                    batch=batch,
                    entries=sum(r.checked for r in report.inputs),
                    kinks=report.kinks,
                    failed=report.failed,
                    worst_ratio=max(r.worst_ratio for r in report.inputs),
                )
            )
            progress.step()
    progress.close()
    return rows


def format_kinks(rows: Sequence[KinkRow]) -> str:
    """The rows as a table: width, batch, entries, kinks, their fraction, failures."""
    head = ("width", "batch", "entries", "kinks", "fraction", "failed", "worst err/tol")
    lines = [head]
    for r in rows:
        lines.append(
            (
                str(r.width),
                str(r.batch),
                str(r.entries),
                str(r.kinks),
                f"{r.fraction:.2%}",
                str(r.failed),
                f"{r.worst_ratio:.1e}",
            )
        )
    return "\n".join(render_table(head, lines[1:], align="right"))


def fraction_grid(rows: Sequence[KinkRow]) -> tuple[list[int], list[int], np.ndarray]:
    """(widths, batches, fraction[width index, batch index]) for a plot.

    Example::

        >>> fraction_grid([KinkRow(4, 1, 10, 2, 0, 0.0)])[2]
        array([[0.2]])
    """
    widths = sorted({r.width for r in rows})
    batches = sorted({r.batch for r in rows})
    grid = np.zeros((len(widths), len(batches)))
    for r in rows:
        grid[widths.index(r.width), batches.index(r.batch)] = r.fraction
    return widths, batches, grid
