"""The default random Generator: what ``tm.randn(2, 3)`` or ``nn.Linear(3, 4)`` draw from
when no ``generator=`` / ``rng=`` is passed.

It is one documented ``numpy.random.Generator``, ``tm.default_generator``, seeded with
``DEFAULT_SEED`` when the library is imported, so a script that passes no generator gives
the same numbers on every run (as torch's default generator starts from a fixed seed).
``manual_seed`` reseeds it in place. An explicit ``generator=`` / ``rng=`` never touches it:
pass one wherever two parts of a program must not share a stream.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["DEFAULT_SEED", "default_generator", "manual_seed", "generator_or_default"]

DEFAULT_SEED = 0  # the default Generator's seed at import: runs without rng= repeat exactly

default_generator = np.random.Generator(np.random.PCG64(DEFAULT_SEED))


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the default Generator in place (torch's ``manual_seed``); returns it.

    Equivalent to starting again from ``numpy.random.default_rng(seed)``.

    Example::

        >>> _ = tm.manual_seed(3)
        >>> a = tm.randn(2).numpy()
        >>> _ = tm.manual_seed(3)
        >>> bool((a == tm.randn(2).numpy()).all())
        True
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TypeError(f"manual_seed: seed must be a non-negative int, got {seed!r}")
    default_generator.bit_generator.state = np.random.PCG64(int(seed)).state
    return default_generator


def generator_or_default(generator: Any, who: str) -> np.random.Generator:
    """``generator``, or the default Generator when it is None; anything else is a TypeError.

    Example: ``generator_or_default(None, "randn") is tm.default_generator`` is True.
    """
    if generator is None:
        return default_generator
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"{who}: generator must be a numpy.random.Generator, e.g. "
            f"numpy.random.default_rng(0), got {type(generator).__name__}"
        )
    return generator
