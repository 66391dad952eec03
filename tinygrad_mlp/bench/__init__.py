"""Benchmarks: what a training step costs, measured side by side with a reference in one run.

- :mod:`.tensor`: the tensor engine's step against a hand-written numpy step;
- :mod:`.scalar`: the scalar engine's step against micrograd's, when it is installed.
"""

__all__: list[str] = []
