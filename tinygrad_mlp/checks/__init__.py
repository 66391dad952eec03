"""Gradient checks: finite differences, ``gradcheck`` with its report, kinks, tolerances.

- ``check_grads``: ``check_grads``, reverse and forward mode to any order (JAX's way),
  its report in ``check_report``, the higher orders' VJP map in ``vjp_map``;
- ``numerical``: ``numerical_grad``, central, one-sided or Richardson differences;
- ``schemes``: every scheme's error terms, and the complex step on numpy functions;
- ``checker``: ``gradcheck`` in mode "full" (every entry of the Jacobian) or
  "projection" (random directions and output weights), its Jacobians in ``jacobian``;
- ``gradgrad``: ``gradgradcheck``, the same check one order up;
- ``report``: ``GradcheckReport``, printed as a table, and ``GradcheckError``;
- ``kinks``: how a kink is told from a smooth point, and checked as a subgradient;
- ``tolerances``: the default eps, atol and rtol per dtype, with their reasons.
"""

from .check_grads import check_grads
from .check_report import CheckGradsReport, CheckRow
from .checker import gradcheck
from .gradgrad import gradgradcheck
from .numerical import numerical_grad
from .report import GradcheckError, GradcheckReport, GradcheckWarning, InputReport
from .schemes import SCHEMES, numerical_grad_arrays

__all__ = [
    "check_grads",
    "CheckGradsReport",
    "CheckRow",
    "numerical_grad_arrays",
    "SCHEMES",
    "GradcheckWarning",
    "gradcheck",
    "gradgradcheck",
    "numerical_grad",
    "GradcheckReport",
    "GradcheckError",
    "InputReport",
]
