"""``tm.jit``: trace a training step on its first calls, then replay it as straight numpy.

Per *signature* (the shapes, dtypes and ``requires_grad`` of the Tensor and array arguments,
the values of the others, which of them hold one array, and whether grad mode is on):

1. The first call runs the step eagerly while ``capture`` records it.
2. The second call *verifies*: it snapshots the state the step changes, runs the step
   eagerly again (a second trace), and requires both traces to be the same program. The
   two traces together tell what each extern is (``trace.resolve``). Then it puts the
   state back, runs the compiled ``Plan`` instead, and requires the replay to
   match the eager run bit for bit: parameters, gradients, optimizer state and what the
   step returned. Any difference is refused with a ``JitError``.
3. Later calls replay: guards, then the kernels. No Tensor, graph, sort or op object.

Anomaly mode, forward mode (``tm.jvp``) and a call from inside another trace run the step
eagerly, untraced.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar

from ..engine import state as _engine_state
from ..engine.anomaly import _state as _anomaly
from ..engine.grad_mode import _grad_mode
from ..tensor import Tensor
from . import state
from .capture import tracing
from .entry import MISS, fast_entry
from .guard_check import Guard, failed
from .guards import python_guards, reachable
from .plan import Plan, Stale
from .signature import aliases, arg_key
from .trace import JitError, Trace, first_difference, resolve, same_sources

__all__ = ["jit", "Jitted"]

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class _Entry:
    trace: Trace
    guards: list[Guard]  # the step's globals and closure cells when it was traced
    plan: Plan | None = None
    refused: JitError | None = None
    fast: Callable[[tuple[Any, ...]], Any] | None = None


class Jitted(Generic[P, R]):
    """A step that is traced on its first calls and replayed afterwards (see ``jit``)."""

    def __init__(self, fn: Callable[P, R], cache_size: int = 8) -> None:
        if not callable(fn):
            raise TypeError(f"jit expects a function, got {type(fn).__name__}")
        if cache_size < 1:
            raise ValueError(f"jit: cache_size must be >= 1, got {cache_size}")
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.cache_size = cache_size
        self.traces = 0  # eager calls made to trace or verify
        self.replays = 0  # calls answered by a replay
        self.rechecks = 0  # replays re-verified against the eager step (calls 4, 8, 16, ...)
        self._entries: dict[Any, _Entry] = {}
        self._fast: Callable[[tuple[Any, ...]], Any] | None = None  # the last plan's entry
        self._lock = threading.Lock()  # a plan's buffers serve one call at a time

    def reset(self) -> None:
        """Forget every trace (after changing the model's structure, say)."""
        self._entries.clear()
        self._fast = None

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        fast = self._fast  # the last plan replayed: its own generated check and call
        if fast is not None and not kwargs:
            out = fast(args)
            if out is not MISS:
                self.replays += 1
                return out
        return self._call(args, kwargs)

    def _call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Every call that is not a plain replay: trace, verify, or run eagerly."""
        names = tuple(sorted(kwargs))
        flat = args + tuple(kwargs[k] for k in names)
        tracer = _engine_state.tracer
        if (
            (tracer is not None and tracer.mine())
            or _anomaly.enabled
            or _grad_mode.tangents is not None
        ):
            return self.fn(*args, **kwargs)  # inside another trace, anomaly or forward mode
        key = (_grad_mode.enabled, *[k for a in flat for k in arg_key(a)], *names, aliases(flat))
        entry = self._entries.get(key)
        if entry is not None and entry.plan is not None:
            if not self._lock.acquire(False):
                return self.fn(*args, **kwargs)  # another thread is replaying this plan
            try:
                if entry.plan.count[0] == entry.plan.recheck and not failed(entry.guards):
                    entry.plan.check()  # a change any replay traces again for: Stale here too
                    return self._recheck(entry, args, kwargs, flat)
                out = entry.plan.run(flat)
            except Stale:
                out = _STALE
            finally:
                self._lock.release()
            if out is not _STALE:
                self.replays += 1
                self._fast = entry.fast
                return out
            entry = None  # a parameter or optimizer changed since: trace again
            self._fast = None
        if entry is not None and entry.refused is None and failed(entry.guards):
            entry = None  # Python state the step reads changed since call 1: trace anew
        if entry is None:
            guards = python_guards(self.fn, args=args, kwargs=kwargs)
            result, trace = self._trace(args, kwargs, flat, guards)
            self._entries.pop(key, None)
            self._entries[key] = _Entry(trace, guards)
            while len(self._entries) > self.cache_size:
                del self._entries[next(iter(self._entries))]
            return result
        if entry.refused is not None:
            raise entry.refused
        with self._lock:
            return self._verify(entry, args, kwargs, flat)

    def _trace(
        self,
        args: Any,
        kwargs: Any,
        flat: Sequence[Any],
        guards: Sequence[Guard],
        recheck: bool = False,
    ) -> tuple[Any, Trace]:
        if recheck:
            self.rechecks += 1
        else:
            self.traces += 1
        with tracing(flat, reachable(guards)) as tracer:
            result = self.fn(*args, **kwargs)
            tracer.trace.result = tracer.result(result)
        return result, tracer.trace

    def _verify(self, entry: _Entry, args: Any, kwargs: Any, flat: Sequence[Any]) -> Any:
        """Second call: trace again, compile, and check the replay against the eager run."""
        first = entry.trace
        tensors, opts, rngs = state.touched(first, flat)
        before = state.take(tensors, opts, rngs)
        result, second = self._trace(args, kwargs, flat, entry.guards)
        diff = first_difference(first, second)
        if diff:
            entry.refused = JitError(
                "jit: the step built a different program on two calls with the same "
                f"signature: {diff}. A replay repeats one program, so Python control flow "
                "that depends on data or on the call count cannot be replayed; move it out "
                "of the step, or do not jit it."
            )
            raise entry.refused
        try:
            resolved = resolve(first, second)
        except JitError as e:
            entry.refused = e
            raise
        more = state.touched(second, flat)
        tensors += [t for t in more[0] if all(t is not u for u in tensors)]
        eager = state.take(tensors, opts, rngs)
        known = before.tensors
        known += [s for s in eager.tensors if all(s[0] is not b[0] for b in known)]
        plan = Plan(resolved, flat, entry.guards)
        state.restore(before)
        try:
            replayed = plan.run(flat)
            diff = state.compare(eager, state.look(tensors, opts, rngs))
            diff = diff or state.compare_outputs(result, replayed)
        except Exception as e:  # any failure of the replay is a refusal, reported
            diff = f"the replay failed ({type(e).__name__}: {e})"
        if diff:
            state.restore(eager)
            entry.refused = JitError(
                f"jit: the replayed step does not match the eager step bit for bit ({diff} "
                "differs). Something the step does is not visible to the trace: an in-place "
                "write to .data or .grad, an optimizer other than tinygrad_mlp's, or Python "
                "state. Run it without jit."
            )
            raise entry.refused
        # the trace kept every tensor of call 2 (their ids named them): only objects
        # compared by identity (a Generator) are still needed
        resolved.keep = [k for k in resolved.keep if not isinstance(k, Tensor)]
        entry.trace, entry.plan = resolved, plan
        if not kwargs:  # the generated entry handles positional calls (see entry.py)
            entry.fast = self._fast = fast_entry(plan, flat, self._lock)
        plan.settle()  # the jit's own references to the .grad buffers, all made by now
        self.replays += 1
        return replayed

    def _recheck(self, entry: _Entry, args: Any, kwargs: Any, flat: Sequence[Any]) -> Any:
        """A replay due for re-verification (calls 4, 8, 16, ...): the eager step beside it.

        What guards cannot see (an attribute of an object the step reads, say) is caught
        here: the eager step is traced again, its program and sources compared with the
        plan's, and the replay compared bit for bit with it. A difference refuses the
        signature from then on, saying that replays since the last check may have differed.
        """
        plan, first = entry.plan, entry.trace
        assert plan is not None
        last = (plan.recheck + 1) // 2
        tensors, opts, rngs = state.touched(first, flat)
        before = state.take(tensors, opts, rngs)
        result, second = self._trace(args, kwargs, flat, entry.guards, recheck=True)
        diff = first_difference(first, second) or same_sources(first, second)
        replayed = None
        if not diff:
            eager = state.take(tensors, opts, rngs)
            state.restore(before)
            try:
                replayed = plan.run(flat, checked=True)  # checked by _call, before snapshots
                diff = state.compare(eager, state.look(tensors, opts, rngs))
                diff = diff or state.compare_outputs(result, replayed)
            except Exception as e:  # a failed replay is a difference too
                diff = f"the replay failed ({type(e).__name__}: {e})"
            if diff:
                state.restore(eager)  # this call's results are the eager step's
        if diff:
            entry.plan = entry.fast = self._fast = None
            entry.refused = JitError(
                f"jit: re-verifying call {plan.count[0] + 1} of this signature against the "
                f"eager step found a difference ({diff}). Python state the jit does not "
                "guard changed (an attribute of an object the step reads, a value computed "
                f"in Python): replays after call {last} may have differed from the eager "
                "step. Pass such values as arguments or keep them in globals (guarded), or "
                "run the step without jit."
            )
            raise entry.refused
        plan.recheck = 2 * plan.recheck + 1
        self.replays += 1
        return replayed


_STALE = object()


def jit(fn: Callable[P, R] | None = None, *, cache_size: int = 8) -> Any:
    """Trace a step on its first calls, then replay only its numpy work (``@tm.jit``).

    The step may compute a loss with Tensor ops, call ``backward()``, ``zero_grad()`` and
    ``opt.step()``, and return Tensors. Replays give bit for bit the results of running it
    eagerly, read hyperparameters (``opt.lr``) and optimizer state on every call, and return
    fresh Tensors. A new signature (say, a smaller last batch) traces again; up to
    ``cache_size`` signatures are kept. See docs/jit.md.

    Example::

        >>> model = tm.nn.MLP(4, [8], 3, rng=np.random.default_rng(0))
        >>> opt = tm.optim.SGD(model.parameters(), lr=0.1)
        >>> @tm.jit
        ... def step(x, y):
        ...     loss = tm.functional.cross_entropy(model(x), y)
        ...     opt.zero_grad(); loss.backward(); opt.step()
        ...     return loss
        >>> x, y = tm.Tensor(np.ones((2, 4), np.float32)), np.array([0, 2])
        >>> losses = [step(x, y).item() for _ in range(3)]   # trace, verify, replay
        >>> step.replays, losses[0] > losses[2]
        (2, True)
    """
    if fn is None:
        return lambda f: Jitted(f, cache_size)
    return Jitted(fn, cache_size)
