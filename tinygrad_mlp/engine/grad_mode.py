"""Grad mode: whether ops record a graph, per thread; ``no_grad`` and ``enable_grad``.

It also holds the forward-mode tangent table while ``tinygrad_mlp.jvp`` runs. This is
the engine's only module-level state; randomness never lives here.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["no_grad", "enable_grad", "is_grad_enabled"]

F = TypeVar("F", bound=Callable[..., Any])


class _GradMode(threading.local):
    """Whether ops record the graph: per thread, like torch's grad mode (not randomness).

    ``tangents`` is set only inside ``tinygrad_mlp.forward_ad.jvp``: the tangent of each
    tensor computed there, by id (``alive`` keeps those tensors, so no id is reused).
    """

    enabled = True
    tangents: dict[int, np.ndarray] | None = None
    alive: list[Tensor] | None = None


_grad_mode = _GradMode()


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
