"""Gradient-check experiments behind ``tinygrad-mlp gradcheck --sweep-eps`` and ``--kinks``.

- ``eps_sweep``: error of each numerical scheme (forward, central, Richardson, complex
  step) against the closed form as eps shrinks;
- ``kink_stats``: how many entries sit within eps of a ReLU kink as width and batch grow,
  over several seeds (mean, spread, failures);
- ``results``: writing rows as JSON or CSV, atomically;
- ``plots``: the figures (matplotlib, the ``plot`` extra), in the style and the
  format-by-extension of ``figure_style``; ``runner`` ties them to the command;
- ``progress``: progress of a long sweep on stderr.
"""

from .eps_sweep import EpsSweep, sweep_eps
from .kink_stats import KinkRow, kink_stats

__all__ = ["EpsSweep", "sweep_eps", "KinkRow", "kink_stats"]
