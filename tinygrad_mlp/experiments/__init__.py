"""Gradient-check experiments behind ``tinygrad-mlp gradcheck --sweep-eps`` and ``--kinks``.

- :mod:`.eps_sweep`: error of finite differences against the closed form as eps shrinks;
- :mod:`.kink_stats`: how many entries sit within eps of a ReLU kink as width and batch grow;
- :mod:`.seednet`: the seeded seed network both experiments use;
- :mod:`.results`: writing rows as JSON or CSV, atomically;
- :mod:`.plots`: the PNG figures (matplotlib, the ``plot`` extra);
- :mod:`.progress`: progress of a long sweep on stderr.
"""

from .eps_sweep import EpsSweep, sweep_eps
from .kink_stats import KinkRow, kink_stats

__all__ = ["EpsSweep", "sweep_eps", "KinkRow", "kink_stats"]
