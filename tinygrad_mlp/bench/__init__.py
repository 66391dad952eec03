"""Benchmarks: what a training step costs, measured side by side with a reference in one run.

- ``tensor``: the tensor engine's step against a hand-written numpy step;
- ``scalar``: the scalar engine's step against micrograd's, when it is installed.
"""

__all__: list[str] = []
