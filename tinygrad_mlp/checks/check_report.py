"""What ``check_grads`` found: one row per order, mode and input.

Every comparison is entrywise, the rule of ``gradcheck``
(``ENTRYWISE``): |a - n| <= atol + rtol |n|, a analytic, n numeric. The
worst comparison of a row is the one with the largest |a - n| / (atol + rtol |n|).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..utils.table import render_table

__all__ = ["CheckRow", "CheckGradsReport"]


@dataclass(frozen=True)
class CheckRow:
    """One order, one mode, one input: how many directions, kinks, failures, the worst one.

    ``what`` names the map checked: "VJP" (rev, order 1), "JVP" (fwd, order 1), and at
    order k the same of the order k-1 VJP map ("JVP of VJP", "VJP of VJP", ...).
    ``worst_direction`` is "e(i, j)" for a unit direction or "rand k" for a random one;
    ``worst_output`` the output entry (fwd) or None (rev compares one number, ⟨u, J v⟩).
    """

    order: int
    mode: str
    what: str
    input: str
    shape: tuple[int, ...]
    checked: int
    kinks: int
    failed: int
    worst_direction: str
    worst_output: tuple[int, ...] | None
    worst_analytic: float
    worst_numeric: float
    worst_ratio: float

    @property
    def ok(self) -> bool:
        """True when no comparison exceeded the tolerance."""
        return self.failed == 0


@dataclass(frozen=True)
class CheckGradsReport:
    """Everything ``check_grads`` compared; ``print(report)`` shows it.

    Example::

        >>> x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
        >>> report = tm.check_grads(lambda x: (x * x).exp(), [x], order=2)
        >>> report.ok, [(r.order, r.mode) for r in report.rows]
        (True, [(1, 'rev'), (1, 'fwd'), (2, 'rev'), (2, 'fwd')])
    """

    dtype: str
    eps: float
    atol: float
    rtol: float
    rows: tuple[CheckRow, ...]
    disconnected: bool = False  # fn's output depends on no input: nothing could be checked

    @property
    def ok(self) -> bool:
        """True when every row passed (never for a disconnected output: 0 vs 0 proves nothing)."""
        return not self.disconnected and all(r.ok for r in self.rows)

    @property
    def failed(self) -> int:
        """How many comparisons failed, over all rows."""
        return sum(r.failed for r in self.rows)

    @property
    def kinks(self) -> int:
        """How many comparisons sat at a kink (checked as subgradients), over all rows."""
        return sum(r.kinks for r in self.rows)

    def __str__(self) -> str:
        head = (
            "order", "mode", "map", "input", "shape", "directions", "kinks",
            "worst at", "analytic", "numeric", "err/tol", "",
        )  # fmt: skip
        lines = []
        for r in self.rows:
            where = r.worst_direction
            if r.worst_output is not None:
                where += " -> out(" + ", ".join(map(str, r.worst_output)) + ")"
            lines.append(
                (
                    str(r.order),
                    r.mode,
                    r.what,
                    r.input,
                    "x".join(map(str, r.shape)) or "scalar",
                    str(r.checked),
                    str(r.kinks),
                    where if r.checked else "-",
                    f"{r.worst_analytic:.10g}" if r.checked else "-",
                    f"{r.worst_numeric:.10g}" if r.checked else "-",
                    f"{r.worst_ratio:.1e}" if r.checked else "-",
                    "ok" if r.ok else f"FAIL ({r.failed})",
                )
            )
        total = sum(r.checked for r in self.rows)
        verdict = "passed" if self.ok else f"FAILED, {self.failed} of {total} comparisons"
        if self.disconnected:
            verdict = "FAILED, the output does not depend on any input: nothing was checked"
        title = (
            f"check_grads ({self.dtype}, eps {self.eps:g}, entrywise |a - n| <= "
            f"{self.atol:g} + {self.rtol:g} |n|): {verdict}"
        )
        out = [title, *render_table(head, lines)]
        if self.kinks:
            out.append(
                f"{self.kinks} comparisons sat at a kink: checked as subgradients "
                "(analytic within the one-sided derivatives)"
            )
        return "\n".join(out)
