"""Gradient checks: finite differences, ``gradcheck`` with its report, kinks, tolerances.

- :mod:`.numerical`: ``numerical_grad``, central or one-sided differences;
- :mod:`.checker`: ``gradcheck`` in mode "full" (every entry) or "projection" (random
  directions);
- :mod:`.gradgrad`: ``gradgradcheck``, the same check one order up;
- :mod:`.report`: ``GradcheckReport``, printed as a table, and ``GradcheckError``;
- :mod:`.kinks`: how a kink is told from a smooth point, and checked as a subgradient;
- :mod:`.tolerances`: the default eps, atol and rtol per dtype, with their reasons.
"""

from .checker import gradcheck
from .gradgrad import gradgradcheck
from .numerical import numerical_grad
from .report import GradcheckError, GradcheckReport, InputReport

__all__ = [
    "gradcheck",
    "gradgradcheck",
    "numerical_grad",
    "GradcheckReport",
    "GradcheckError",
    "InputReport",
]
