"""Anomaly mode: find the op that made the first NaN or inf, and the user's line that made it.

While ``detect_anomaly`` is on (per thread, like grad mode), every op records where the
user's code created it: the file and line of the first stack frame outside this package.
The first non-finite value then raises ``FloatingPointError``:

- in forward, when an op's output holds a NaN or inf while all its inputs are finite;
- in backward, when a rule returns a non-finite gradient while the incoming one is finite.

Either message names the op, the direction, the inputs' shapes and the creation site.
numpy's RuntimeWarnings are silenced inside the checked region, so the error is the one
report (they would point into ``ops/``, not at the user's line). Off by default; when off,
``tinygrad_mlp.ops.Op.apply`` pays one module-attribute test per op and the backward loop
one per pass.

Errors raised by a backward rule itself (a gradient of the wrong shape, the wrong count of
gradients) are renamed whether the mode is on or off: ``raise_in_backward`` puts the op's
name, its inputs' shapes and, when known, its creation site in front of the message.
"""

from __future__ import annotations

import functools
import linecache
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeVar

import numpy as np

from . import state as _shared
from .chain import listed
from .tensor_core import TensorCore

__all__ = ["detect_anomaly", "is_anomaly_enabled", "on_in_this_thread"]

F = TypeVar("F", bound=Callable[..., Any])

_state = _shared.anomaly_mode  # this thread's flags (engine/state.py), by their older name

# Frames whose file lies under this folder belong to the library; the first other frame up
# the stack is where the user's code created the op.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
# Frames in these parts make up the ops themselves; a frame elsewhere in the package (the
# training loop, say) is worth naming too.
_CORE = tuple(
    _PACKAGE_DIR + part + os.sep for part in ("engine", "ops", "tensor", "functional", "nn")
)
_SITE = "_anomaly_site"  # the op attribute holding "file:line"; Op.release drops it
_NAMED = "_tm_backward_context"  # set on an exception already renamed: never wrap twice


def _set_enabled(mode: bool) -> None:
    """Set this thread's flag, keeping ``state.anomaly_active`` in step."""
    if mode != _state.enabled:
        with _shared.anomaly_lock:
            _shared.anomaly_active += 1 if mode else -1
    _state.enabled = mode


def on_in_this_thread() -> bool:
    """True when anomaly mode is on in the calling thread (cheap when it is off everywhere)."""
    return _shared.anomaly_active > 0 and _state.enabled


def is_anomaly_enabled() -> bool:
    """True while ``detect_anomaly`` is on in the calling thread."""
    return _state.enabled


class _SetAnomaly:
    """The object ``detect_anomaly`` returns: a context manager and a decorator."""

    def __init__(self, mode: bool) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        _state.saved.append(_state.enabled)  # per thread: entering in two threads is safe
        _set_enabled(self.mode)

    def __exit__(self, *exc: object) -> None:
        _set_enabled(_state.saved.pop())

    def __call__(self, fn: F) -> F:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _SetAnomaly(mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def detect_anomaly(fn: F | None = None) -> Any:
    """Context manager and decorator (``@detect_anomaly`` or ``@detect_anomaly()``): raise
    FloatingPointError at the first op that turns finite numbers into NaN or inf.

    Formula: in forward, raise when isfinite(inputs) holds and isfinite(output) does not; in
    backward, when isfinite(dE/d out) holds and isfinite(dE/d input) does not. The message
    names the op and the ``file:line`` where the user's code created it.

    Example::

        >>> x = Tensor(np.array([1.0, 0.0]), requires_grad=True)
        >>> with tm.detect_anomaly():
        ...     y = x.log()  # log(0) = -inf from a finite input
        Traceback (most recent call last):
        FloatingPointError: anomaly in forward: Log turned finite inputs into -inf; ...(2,); ...
    """
    return _SetAnomaly(True) if fn is None else _SetAnomaly(True)(fn)


def creation_site() -> str:
    """``file:line`` of the first frame outside the package, with that line's source; and,
    when library code other than the engine stands between (the training loop behind
    ``tinygrad-mlp train``), the innermost such frame after "via"."""
    frame: Any = sys._getframe(1)
    via = None
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        if via is None and not frame.f_code.co_filename.startswith(_CORE):
            via = frame
        frame = frame.f_back
    if frame is None and via is None:
        return "inside tinygrad_mlp (no caller outside the package)"
    site = _describe(frame) if frame is not None else "tinygrad_mlp"
    return site if via is None else f"{site}, via {_describe(via)}"


def _describe(frame: Any) -> str:
    path, line = frame.f_code.co_filename, frame.f_lineno
    source = linecache.getline(path, line).strip()
    return f"{path}:{line}" + (f" ({source})" if source else "")


def _array(a: Any) -> np.ndarray:
    """The numbers behind an array, a numpy scalar or a Tensor (under create_graph)."""
    return a.data if isinstance(a, TensorCore) else np.asarray(a)


def _finite(a: Any) -> bool:
    """True when every number of ``a`` is finite; integer and boolean data always are."""
    arr = _array(a)
    return arr.dtype.kind not in "fc" or bool(np.isfinite(arr).all())


def _what(a: Any) -> str:
    arr = _array(a)
    found = (("NaN", np.isnan(arr)), ("inf", np.isposinf(arr)), ("-inf", np.isneginf(arr)))
    kinds = [k for k, where in found if where.any()]
    return " and ".join(kinds) if kinds else "non-finite values"


def _shapes(arrays: Sequence[Any]) -> str:
    return ", ".join(str(_array(a).shape) for a in arrays)


def checked_forward(op: Any, arrays: Sequence[np.ndarray], attrs: dict[str, Any]) -> np.ndarray:
    """``op.forward`` with numpy's warnings silenced, its site recorded and its output checked
    (a plain ``op.forward`` when anomaly mode is on in another thread only)."""
    if not _state.enabled:
        return op.forward(*arrays, **attrs)
    site = creation_site()
    op.__dict__[_SITE] = site
    with np.errstate(all="ignore"):  # the check below reports it, at the user's line
        data = op.forward(*arrays, **attrs)
    if not _finite(data) and all(_finite(a) for a in arrays):
        inside = _state.in_backward_of
        where = f" (recorded by the backward rule of {inside})" if inside else ""
        err = FloatingPointError(
            f"anomaly in forward: {type(op).__name__}{where} turned finite inputs into "
            f"{_what(data)}; input shapes {_shapes(arrays)}; created at {site}"
        )
        setattr(err, _NAMED, True)  # complete as it is, even when raised inside a rule
        raise err
    return data


def checked_backward(
    op: Any, g: Any, parents: Sequence[TensorCore], node: TensorCore, create_graph: bool
) -> Sequence[Any]:
    """``op.backward`` (on Tensors or on their arrays) with numpy's warnings silenced and
    each gradient checked."""
    name = type(op).__name__
    before, _state.in_backward_of = _state.in_backward_of, name
    inputs: Sequence[Any] = parents if create_graph else [p.data for p in parents]
    try:
        with np.errstate(all="ignore"):  # the check below reports it, at the user's line
            if create_graph:
                grads = op.backward(g, parents, node)
            else:
                grads = op.backward(np.asarray(g), inputs, node.data)
    finally:
        _state.in_backward_of = before
    grads = listed(op, grads)  # checked as without anomaly mode (a generator read once)
    if _finite(g):
        for i, pg in enumerate(grads):
            if pg is not None and not _finite(pg):
                err = FloatingPointError(
                    f"anomaly in backward: {name} returned {_what(pg)} in the gradient of its "
                    f"input {i} from a finite incoming gradient; input shapes "
                    f"{_shapes(inputs)}; {_where(op)}"
                )
                setattr(err, _NAMED, True)
                raise err
    return grads


def _where(op: Any) -> str:
    """Where the op was created, or how to find out (its forward ran outside anomaly mode)."""
    site = getattr(op, "__dict__", {}).get(_SITE)
    if site:
        return f"created at {site}"
    return "created outside anomaly mode: run the forward pass under tm.detect_anomaly() too"


def raise_in_backward(op: Any, parents: Sequence[Any] | None, exc: Exception) -> NoReturn:
    """Raise ``exc`` (from running ``op``'s backward) again, with the op's name, its inputs'
    shapes and its creation site in front.

    A built-in exception type is raised again as a new exception of that type with the
    longer message (the original stays attached as its ``__cause__``). Other types may give
    their constructor's argument another meaning, so the exception itself is kept and the
    context is added as a note (shown under its traceback).
    """
    if getattr(exc, _NAMED, False):
        raise exc  # already says everything (an anomaly found by the checks above)
    where = _where(op)
    shapes = _shapes(parents) if parents is not None else "unknown"
    detail = str(exc)
    context = f"in the backward of {type(op).__name__} (input shapes {shapes}; {where})"
    if type(exc).__module__ != "builtins":
        add_note = getattr(exc, "add_note", None)  # Python 3.11+; 3.10 keeps exc unchanged
        if add_note is not None:
            add_note(context)
        raise exc
    try:
        new = type(exc)(f"{context}: {detail}")
    except Exception:  # a built-in type whose constructor wants more than a message
        new = RuntimeError(f"{context}: {detail}")
    raise new from exc
