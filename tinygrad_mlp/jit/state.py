"""The state a step changes, snapshotted, restored and compared bit for bit.

Verifying a trace (``api``) runs the step twice from the same state, once eagerly and
once replayed, and compares the results: every parameter's data and grad, every optimizer's
state, every random Generator an op used, and what the step returned. This module holds
those snapshots.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine.writes import writing
from ..tensor import Tensor
from .trace import StepRec, Trace, same_bits

__all__ = ["Snapshot", "touched", "take", "look", "restore", "compare", "compare_outputs"]


@dataclass
class Snapshot:
    """Copies of the tensors' data and grads, the optimizers' state, the generators' state."""

    tensors: list[tuple[Tensor, np.ndarray, np.ndarray, Any, np.ndarray | None]]
    opts: list[tuple[Any, list[dict[str, Any]], dict[str, Any]]]
    rngs: list[tuple[np.random.Generator, dict[str, Any]]]


def touched(trace: Trace, args: Sequence[Any]) -> tuple[list[Tensor], list[Any], list[Any]]:
    """The tensors (leaves and Tensor arguments), optimizers and generators of a trace."""
    seen: set[int] = set()
    tensors: list[Tensor] = []
    for t in [e.tensor for e in trace.externs] + [a for a in args if isinstance(a, Tensor)]:
        if t is not None and id(t) not in seen:
            seen.add(id(t))
            tensors.append(t)
    opts: list[Any] = []
    for r in trace.records:
        if isinstance(r, StepRec) and all(o is not r.opt for o in opts):
            opts.append(r.opt)
    rngs = [k for k in trace.keep if isinstance(k, np.random.Generator)]
    return tensors, opts, rngs


def _grad_copy(g: Any) -> np.ndarray | None:
    if g is None:
        return None
    return np.array(g.data if isinstance(g, Tensor) else g, copy=True)


def take(tensors: list[Tensor], opts: list[Any], rngs: list[Any]) -> Snapshot:
    """Copies of everything a replay of the step may change."""
    return Snapshot(
        [(t, t.data, t.data.copy(), t.grad, _grad_copy(t.grad)) for t in tensors],
        [(o, [{k: _copy(v) for k, v in s.items()} for s in o.state], _attrs(o)) for o in opts],
        [(g, g.bit_generator.state) for g in rngs],
    )


def look(tensors: list[Tensor], opts: list[Any], rngs: list[Any]) -> Snapshot:
    """The same objects as ``take`` without copying: a snapshot to compare against at
    once (after a replay), never to restore from."""
    return Snapshot(
        [(t, t.data, t.data, t.grad, _grad_view(t.grad)) for t in tensors],
        [(o, [dict(s) for s in o.state], {}) for o in opts],  # attributes: not compared
        [(g, g.bit_generator.state) for g in rngs],
    )


def _grad_view(g: Any) -> np.ndarray | None:
    return None if g is None else np.asarray(g.data if isinstance(g, Tensor) else g)


def _copy(v: Any) -> Any:
    return v.copy() if isinstance(v, np.ndarray) else v


class _NotPlain(Exception):
    pass


def _plain(v: Any) -> Any:
    """A copy of numbers, strings, arrays and lists, tuples, dicts of them; else _NotPlain."""
    if isinstance(v, np.ndarray):
        return v.copy()
    if v is None or isinstance(v, (bool, int, float, complex, str, bytes, np.generic)):
        return v
    if type(v) in (list, tuple):
        return type(v)(_plain(i) for i in v)
    if type(v) is dict:
        return {k: _plain(i) for k, i in v.items()}
    raise _NotPlain


def _attrs(opt: Any) -> dict[str, Any]:
    """Copies of an optimizer's plain attributes besides params and state: a user's
    optimizer may keep a step counter or buffers there, which its step (replayed by
    calling it) advances; restoring them keeps a verifying call from advancing them twice.
    Attributes holding other objects (a model, a Tensor) are left alone."""
    out = {}
    for k, v in vars(opt).items():
        if k not in ("params", "state"):
            try:
                out[k] = _plain(v)
            except _NotPlain:
                pass
    return out


def restore(snap: Snapshot) -> None:
    """Put everything back as it was when ``snap`` was taken (the same array objects)."""
    for t, data, values, grad, grad_values in snap.tensors:
        t.data = data
        with writing([data], undone=True):  # a graph may hold it read-only; this undoes a change
            np.copyto(data, values)
        t.grad = grad
        if isinstance(grad, np.ndarray) and grad_values is not None:
            with writing([grad], undone=True):
                np.copyto(grad, grad_values)
    for o, states, attrs in snap.opts:
        for s, saved in zip(o.state, states, strict=True):
            s.clear()
            s.update({k: _copy(v) for k, v in saved.items()})
        for k, v in attrs.items():
            setattr(o, k, _plain(v))
    for g, st in snap.rngs:
        g.bit_generator.state = st


def compare(a: Snapshot, b: Snapshot) -> str:
    """Where two snapshots of the same objects differ, in words; '' when bit for bit equal."""
    for i, ((t, _, x, _, gx), (_, _, y, _, gy)) in enumerate(
        zip(a.tensors, b.tensors, strict=True)
    ):
        what = f"tensor {i} (shape {t.shape}, dtype {t.dtype})"
        if not same_bits(x, y):
            return f"the data of {what}"
        if not _same_grad(gx, gy):
            return f"the grad of {what}"
    for (o, sa, _), (_, sb, _) in zip(a.opts, b.opts, strict=True):
        for i, (before, after) in enumerate(zip(sa, sb, strict=True)):
            if before.keys() != after.keys() or any(not _same(before[k], after[k]) for k in before):
                return f"the state of {type(o).__name__} for its parameter {i}"
    for (_, r), (_, q) in zip(a.rngs, b.rngs, strict=True):
        if r != q:
            return "the state of a random Generator"
    return ""


def _same_grad(x: np.ndarray | None, y: np.ndarray | None) -> bool:
    if x is None or y is None:
        return x is None and y is None
    return same_bits(x, y)


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and same_bits(x, y)
    return bool(x == y)


def compare_outputs(a: Any, b: Any) -> str:
    """Where two returned structures differ; '' when equal (tensors bit for bit)."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        if isinstance(a, Tensor) and isinstance(b, Tensor) and same_bits(a.data, b.data):
            return ""
        return "a returned tensor"
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and len(a) == len(b):
        return next((d for d in map(compare_outputs, a, b) if d), "")
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return next((d for d in (compare_outputs(a[k], b[k]) for k in a) if d), "")
    return "" if _same(a, b) else "a returned value"
