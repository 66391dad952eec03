"""The rows of the seed network's checks (``seed_network``): tolerances, rows, tables.

Each tolerance states its reason next to it; a row is one parameter (first order) or one
comparison (second order) with its error against its reference, and ``ok`` against its bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..utils.table import render_table

__all__ = [
    "CLOSED_FORM_RTOL",
    "FD_RTOL",
    "HESSIAN_RTOL",
    "HVP_RTOL",
    "HVP_EPS",
    "ENGINES",
    "LEGEND",
    "ParamCheck",
    "Order2Check",
    "normwise_error",
    "format_table",
    "format_table2",
]

CLOSED_FORM_RTOL = 1e-12  # same sums in float64, other order: ~n * 1.1e-16, with 100x margin
ENGINES = ("tensor", "scalar", "both")
FD_RTOL = 1e-6  # round-off u|E|/eps ~ 1e-10 and truncation eps^2 |E'''| ~ 1e-12, vs |dE| >~ 1e-3
LEGEND = (
    "error columns: normwise relative error max|a - r| / max|r| over a parameter's array; "
    f"PASS when vs closed <= {CLOSED_FORM_RTOL:g} and vs FD <= {FD_RTOL:g} (FD over the "
    "entries no kink touches)"
)
HESSIAN_RTOL = 1e-12  # float64, a handful of operations per entry; error bounded by term size
HVP_RTOL = 1e-6  # truncation eps^2 |E''''| ~ 1e-10, round-off u |g| / eps ~ 1e-11, |Hv| ~ 1e-1
HVP_EPS = 1e-5  # near u^(1/3) ~ 5e-6, the best step for a central difference


@dataclass
class ParamCheck:
    """One row of the first-order table: a parameter and its errors against two references."""

    name: str
    shape: tuple[int, ...]
    err_closed_form: float
    err_fd: float
    fd_checked: int
    kinks: int
    err_scalar: float | None = None  # scalar engine vs closed form, with engine="both"

    @property
    def ok(self) -> bool:
        """Within both tolerances, with at least one entry compared to finite differences
        (a row whose every entry sat at a kink checked nothing, and does not pass)."""
        scalar_ok = self.err_scalar is None or self.err_scalar <= CLOSED_FORM_RTOL
        fd_ok = self.fd_checked > 0 and self.err_fd <= FD_RTOL
        return self.err_closed_form <= CLOSED_FORM_RTOL and fd_ok and scalar_ok


@dataclass
class Order2Check:
    """One second-order row: what was compared, against what, the error and its bound."""

    name: str
    shape: tuple[int, ...]
    reference: str
    error: float
    tolerance: float
    redraws: int = 0

    @property
    def ok(self) -> bool:
        """The error is within the bound."""
        return self.error <= self.tolerance


def normwise_error(actual: np.ndarray, expected: np.ndarray) -> float:
    """max|actual - expected| / max|expected|: relative error in the max norm (0 if both 0)."""
    diff = float(np.max(np.abs(actual - expected), initial=0.0))
    scale = float(np.max(np.abs(expected), initial=0.0))
    return diff / scale if scale > 0 else diff


def format_table(rows: Sequence[ParamCheck], engine: str = "tensor") -> str:
    """The first-order rows as an aligned text table; ``engine`` as given to the check."""
    who = "scalar" if engine == "scalar" else "engine"
    extra = any(r.err_scalar is not None for r in rows)
    head: tuple[str, ...] = (
        "parameter", "shape", f"{who} vs closed", f"{who} vs FD",
        *(["scalar vs closed"] if extra else []), "FD entries", "kinks", "",
    )  # fmt: skip
    lines = [
        (
            r.name,
            "x".join(map(str, r.shape)),
            f"{r.err_closed_form:.2e}",
            f"{r.err_fd:.2e}" if r.fd_checked else "- (all kinks)",
            *([f"{r.err_scalar:.2e}" if r.err_scalar is not None else "-"] if extra else []),
            str(r.fd_checked),
            str(r.kinks),
            "PASS" if r.ok else "FAIL",
        )
        for r in rows
    ]
    return "\n".join(render_table(head, lines))


def format_table2(rows: Sequence[Order2Check]) -> str:
    """The second-order rows as an aligned text table."""
    head = ("check", "shape", "against", "error", "bound", "")
    lines = [
        (
            r.name,
            "x".join(map(str, r.shape)),
            r.reference,
            f"{r.error:.2e}",
            f"{r.tolerance:.0e}",
            "PASS" if r.ok else "FAIL",
        )
        for r in rows
    ]
    return "\n".join(render_table(head, lines))
