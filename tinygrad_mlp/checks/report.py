"""What a gradient check found: one row per input, printed as a table.

Errors of an entry with analytic value a and numeric value n:

- absolute: |a - n|;
- relative: |a - n| / max(|a|, |n|) (0 when both are 0, at most 2), so it stays finite where
  the gradient is zero;
- against the tolerance: |a - n| / (atol + rtol |n|); the entry fails above 1. The worst
  entry shown is the one with the largest such ratio.

At a kink the numeric "value" is an interval [lo, hi] of one-sided derivatives and n is the
point of it nearest to a (so the error is 0 when a is a subgradient).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..utils.table import render_table

__all__ = [
    "InputReport",
    "GradcheckReport",
    "GradcheckError",
    "GradcheckWarning",
    "disconnected_message",
]


@dataclass(frozen=True)
class InputReport:
    """The check of one input: how many entries (or directions), their errors, the worst one.

    ``worst`` is the worst entry's index (mode "full") or ``(k,)`` for the k-th random
    direction (mode "projection"), None when nothing was checked.
    """

    name: str
    shape: tuple[int, ...]
    checked: int
    kinks: int
    failed: int
    max_abs_err: float
    max_rel_err: float
    worst: tuple[int, ...] | None
    worst_analytic: float
    worst_numeric: float
    worst_ratio: float
    worst_output: tuple[int, ...] | None = None  # its output entry, for a vector output

    @property
    def ok(self) -> bool:
        """True when no entry exceeded the tolerance."""
        return self.failed == 0


@dataclass(frozen=True)
class GradcheckReport:
    """Everything ``gradcheck`` compared; ``print(report)`` shows a table.

    Example::

        >>> x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        >>> report = tm.gradcheck(lambda x: (x * x).sum(), [x])
        >>> report.ok, report.kinks, report.inputs[0].checked
        (True, 0, 2)
    """

    mode: str
    dtype: str
    eps: float
    atol: float
    rtol: float
    inputs: tuple[InputReport, ...]
    kind: str = "gradcheck"  # "gradgradcheck" when the map checked is the gradient
    disconnected: bool = False  # fn's output depends on no input: nothing could be checked

    @property
    def ok(self) -> bool:
        """True when every input passed (never for a disconnected output: 0 vs 0 proves
        nothing)."""
        return not self.disconnected and all(r.ok for r in self.inputs)

    @property
    def kinks(self) -> int:
        """How many entries (or directions) sat within eps of a kink, over all inputs."""
        return sum(r.kinks for r in self.inputs)

    @property
    def failed(self) -> int:
        """How many entries (or directions) failed, over all inputs."""
        return sum(r.failed for r in self.inputs)

    def __str__(self) -> str:
        unit = "directions" if self.mode == "projection" else "entries"
        head = (
            "input",
            "shape",
            unit,
            "kinks",
            "max abs err",
            "max rel err",
            "worst at",
            "analytic",
            "numeric",
            "",
        )
        lines = [head]
        for r in self.inputs:
            worst = "-" if r.worst is None else _index(r.worst, self.mode)
            if r.worst_output is not None:
                worst += " -> out" + _index(r.worst_output, "full")
            lines.append(
                (
                    r.name,
                    "x".join(map(str, r.shape)) or "scalar",
                    str(r.checked),
                    str(r.kinks),
                    f"{r.max_abs_err:.2e}",
                    f"{r.max_rel_err:.2e}",
                    worst,
                    "-" if r.worst is None else f"{r.worst_analytic:.10g}",
                    "-" if r.worst is None else f"{r.worst_numeric:.10g}",
                    "ok" if r.ok else f"FAIL ({r.failed})",
                )
            )
        rows = render_table(head, lines[1:])
        total = sum(r.checked for r in self.inputs)
        verdict = (
            "passed" if self.ok else f"FAILED, {self.failed} of {total} {unit} out of tolerance"
        )
        if self.disconnected:
            verdict = "FAILED, the output does not depend on any input: nothing was checked"
        title = (
            f"{self.kind} ({self.mode}, {self.dtype}, eps {self.eps:g}, "
            f"entrywise |a - n| <= {self.atol:g} + {self.rtol:g} |n|): {verdict}"
        )
        notes = [title, *rows]
        if self.kinks:
            notes.append(
                f"{self.kinks} of {total} {unit} sat at a kink (one-sided differences "
                "disagree): checked as subgradients, analytic within [left, right] derivative"
            )
        return "\n".join(notes)


def _index(index: tuple[int, ...], mode: str) -> str:
    if mode == "projection":
        return f"dir {index[0]}"
    return "(" + ", ".join(map(str, index)) + ")"


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` and ``check_grads`` when a
    gradient is out of tolerance, or when the output does not depend on any input.

    ``err.report`` is the report (a ``GradcheckReport`` or a ``CheckGradsReport``);
    ``str(err)`` contains its table, or ``message`` when given.
    """

    def __init__(self, report: object, message: str | None = None) -> None:
        super().__init__(message if message is not None else f"gradients do not match\n{report}")
        self.report = report


class GradcheckWarning(UserWarning):
    """Warned instead of raising when ``raise_exception=False`` and nothing could be checked."""


def disconnected_message(who: str) -> str:
    """Why a check of a function that ignores its inputs refuses to say "passed"."""
    return (
        f"{who}: fn's output does not depend on any of the inputs (no graph joins them), so "
        "there is no gradient to check: 0 against 0 proves nothing. Check that fn uses its "
        "arguments (not copies made with .numpy() or Tensor(x.data)) and that they require grad"
    )
