"""Grad mode: whether ops record a graph, per thread; ``no_grad`` and ``enable_grad``.

The flag itself, and the forward-mode tangent table ``tinygrad_mlp.jvp`` fills, are per-thread
state kept with the engine's other state in ``engine/state.py``; this module only reads and
sets them. Randomness never lives there.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from . import state as _shared

__all__ = ["no_grad", "enable_grad", "is_grad_enabled"]

_grad_mode = _shared.grad_mode  # the per-thread flag (engine/state.py), by its older name

F = TypeVar("F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """True when ops record a graph for backward (the default), in the calling thread."""
    return _grad_mode.enabled


class _SetGradMode:
    """Sets the calling thread's grad mode on entry and restores it on exit.

    The saved modes are kept per thread: one object entered by two threads at once (a
    module-level ``no_grad()`` shared by workers) restores each thread's own mode.
    """

    def __init__(self, mode: bool) -> None:
        self.mode = mode
        self._saved = threading.local()

    def _stack(self) -> list[bool]:
        stack: list[bool] | None = getattr(self._saved, "stack", None)
        if stack is None:
            stack = self._saved.stack = []
        return stack

    def __enter__(self) -> None:
        self._stack().append(_grad_mode.enabled)
        _grad_mode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        stack = self._stack()
        if not stack:
            raise RuntimeError(
                f"{'enable_grad' if self.mode else 'no_grad'}: __exit__ without a matching "
                "__enter__ in this thread"
            )
        _grad_mode.enabled = stack.pop()

    def __call__(self, fn: F) -> F:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _SetGradMode(mode):  # a fresh one per call: safe across threads and recursion
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def no_grad(fn: F | None = None) -> Any:
    """Context manager and decorator (``@no_grad`` or ``@no_grad()``): ops build no graph.

    Example::

        >>> x = Tensor(np.ones(2), requires_grad=True)
        >>> with no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """
    return _SetGradMode(False) if fn is None else _SetGradMode(False)(fn)


def enable_grad(fn: F | None = None) -> Any:
    """Context manager and decorator that turns graph recording back on inside ``no_grad``."""
    return _SetGradMode(True) if fn is None else _SetGradMode(True)(fn)
