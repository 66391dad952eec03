"""One node of the backward pass: its rule, its gradients conformed, summed or delivered.

The eager loop (``backward``) calls ``node_step`` for every node and routes what it
returns: ``accumulate`` into the slot of an input made by an op, or, for a leaf, into
what the pass delivers to ``.grad`` once it has succeeded (``engine/delivery.py``).
tm.jit's generic path calls the same ``node_step`` (jit/generic.py).

Which gradient a leaf may keep as its ``.grad`` without a copy (*fresh*, or *owned*) is
decided here, by the engine, never trusted to a rule: a later backward adds into ``.grad``
in place, so a kept array must be one nobody else holds. It is owned when it is a writeable
``ndarray`` that owns its memory (not a view) and nothing but what the rule returned
references it: not the ``g`` the rule was given, an input, the output, another input's
gradient or a view of one (``(d, d)``, ``(d, d.T)``), nor an array the rule keeps and
returns again (a cache on the op, a constant, or the tuple holding it). That is a reference
count, as torch steals a gradient only when nothing else uses it, taken on a new list of
what the rule returned (a container the rule keeps then holds one more reference to each
array in it); anything else is copied on its first delivery to a leaf. The 0-d case is
the classic trap: numpy turns 0-d results into scalars, so the ``g`` a rule sees is a new
array each time, and ``Add``'s ``(g, g)`` is one array for two leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from sys import getrefcount
from typing import Any

import numpy as np

from .graph import unbroadcast
from .tensor_core import TensorCore

__all__ = ["node_step", "accumulate", "listed"]


def node_step(
    op: Any,
    g: Any,
    inputs: Sequence[Any],
    out: Any,
    like: Sequence[np.ndarray],
    create_graph: bool = False,
    rule: Callable[[Any], Sequence[Any]] | None = None,
) -> list[tuple[int, Any, bool]]:
    """One node of the backward pass: the op's rule, then each input's gradient conformed.

    Formula: dE/d(input j) = rule_j(dE/d(out)), with broadcasting undone (``unbroadcast``)
    and cast to input j's dtype. ``g`` is dE/d(out); ``inputs`` and ``out`` are what the rule
    reads (arrays, or Tensors when ``create_graph``); ``like`` are the input arrays, whose
    shapes and dtypes the gradients take. ``rule(g)``, if given, runs instead of
    ``op.backward(g, inputs, out)`` (anomaly mode's checked call). Returns ``(j, gradient,
    fresh)`` for each input j that needs a gradient (``op.needs``) and got one; *fresh* means
    the array belongs to input j alone (a leaf may keep it as its ``.grad``). The caller sums
    each into input j's slot with ``accumulate``, or hands it to a leaf.

    Example::

        >>> from tinygrad_mlp import Tensor
        >>> x = Tensor(np.ones((2, 3)), requires_grad=True)
        >>> y = x + Tensor(np.ones(3), requires_grad=True)
        >>> [(j, g.tolist()) for j, g, _ in node_step(y._ctx, np.ones((2, 3)),
        ...     [x.data, np.ones(3)], y.data, [x.data, np.ones(3)])][1]
        (1, [2.0, 2.0, 2.0])
    """
    if create_graph:
        in_grads = listed(op, op.backward(g, inputs, out) if rule is None else rule(g))
        _count(op, len(in_grads))
        return [
            (j, *_conform_owned(_lifted(pg, out), False, like[j], True))
            for j, (need, pg) in enumerate(zip(op.needs, in_grads, strict=True))
            if pg is not None and need
        ]
    if type(g) is not np.ndarray:
        g = np.asarray(g)  # what the rule sees: freshness is judged against this array
    # a new list of them: an array in a container the rule keeps (gradients computed in the
    # forward, returned in every pass) is referenced by that container as well, so counted
    returned = op.backward(g, inputs, out) if rule is None else rule(g)
    in_grads = [*returned] if type(returned) is tuple else listed(op, returned)
    del returned  # a new tuple is freed here: its arrays are referenced by in_grads alone
    needs = op.needs
    n = len(in_grads)
    if n != len(needs):
        _count(op, n)
    steps = []
    for j in range(n):  # indexing, not zip/enumerate: this loop runs for every gradient
        pg = in_grads[j]
        if pg is None or not needs[j]:
            continue
        x = like[j]
        if type(pg) is not np.ndarray:  # a scalar or a list: _conform_owned makes an array
            steps.append((j, *_conform_owned(pg, False, x, False)))
        elif pg.ndim > x.ndim and pg.dtype is x.dtype:  # summed over a batch (a bias)
            pg = unbroadcast(pg, x.shape)  # a sum: a new array, fresh
            kept = type(pg) is np.ndarray and pg.dtype is x.dtype
            steps.append((j, pg, True) if kept else (j, *_conform_owned(pg, True, x, False)))
        elif pg.shape != x.shape or pg.dtype != x.dtype:  # conformed: a new array, fresh
            steps.append((j, *_conform_owned(pg, True, x, False)))
        else:  # owned (module docstring): referenced from here alone, no view, writeable
            alone = getrefcount(pg) == _ALONE
            steps.append((j, pg, alone and pg.base is None and pg.flags.writeable))
    return steps


def listed(op: Any, grads: Any) -> list[Any]:
    """What ``op``'s rule returned as a new list; TypeError unless it is a sequence (a tuple,
    a list) of gradients, one per input.

    Example::

        >>> listed(None, (np.ones(1), None))
        [array([1.]), None]
    """
    if not isinstance(grads, Sequence) or isinstance(grads, (str, bytes)):
        raise TypeError(
            f"{type(op).__name__}.backward returned {type(grads).__name__}, not a tuple: "
            "backward returns one gradient per input, None where none is needed "
            "(e.g. (grad,) for one input)"
        )
    return [*grads]


def _count(op: Any, n: int) -> None:
    """Raise ValueError unless a rule returned ``n`` = one gradient per input."""
    inputs = len(op.needs)
    if n != inputs:
        raise ValueError(
            f"{type(op).__name__}.backward returned {'fewer' if n < inputs else 'more'} "
            f"gradients than its {inputs} inputs ({n}: backward returns one per input, "
            "None where none is needed)"
        )


def accumulate(grads: Any, key: Any, g: Any) -> None:
    """Add ``g`` into ``grads[key]``, out of place: gradients summed over a node's consumers.

    Formula: dE/dx = sum over the ops f that use x of dE/dx through f. ``grads`` is a dict
    (a missing key means no gradient yet) or a list of slots (None means none yet); the sum
    is a new array, so no gradient handed out earlier is ever written into.

    Example::

        >>> d = {}
        >>> accumulate(d, "x", np.ones(2)); accumulate(d, "x", np.ones(2)); d["x"]
        array([2., 2.])
    """
    prev = grads.get(key) if type(grads) is dict else grads[key]
    grads[key] = g if prev is None else prev + g


def _lifted(pg: Any, out: TensorCore) -> TensorCore:
    """A gradient of the gradient's graph as a tensor of the class of the node's output."""
    return pg if isinstance(pg, TensorCore) else out._make_output(np.asarray(pg), False)


def _conform_owned(pg: Any, owned: bool, data: np.ndarray, create_graph: bool) -> tuple[Any, bool]:
    """A rule's gradient brought to its input's shape and dtype; and whether it is *fresh*
    (allocated for this input alone, so a leaf may keep it as its ``.grad`` without a copy).

    ``owned`` says the rule's array is fresh already (module docstring); a reshaping sum or a
    dtype conversion here allocates a new array, which is fresh whatever ``owned`` said.
    """
    fresh = owned
    if create_graph:
        fresh = False
    elif type(pg) is not np.ndarray:  # a numpy scalar (0-d result) or a list: a new array
        pg, fresh = np.array(pg), True
    if pg.shape != data.shape:
        pg = unbroadcast(pg, data.shape)
        if not create_graph:  # a sum allocates; np.array turns a numpy scalar into 0-d
            pg, fresh = (pg if type(pg) is np.ndarray else np.array(pg)), True
    if pg.dtype != data.dtype:
        if pg.dtype.kind == "c" and data.dtype.kind != "c":  # astype: a ComplexWarning only
            raise TypeError(
                f"a gradient of dtype {pg.dtype} for an input of dtype {data.dtype}: its "
                "imaginary part would be dropped"
            )
        pg, fresh = pg.astype(data.dtype), not create_graph
    return pg, fresh


class _Probe:
    """An op whose rule returns a new array (``kept`` False), referenced by nothing but the
    returned tuple, or the one array it keeps (``kept`` True)."""

    needs = (True,)
    array = np.zeros(1)

    def __init__(self, kept: bool) -> None:
        self.kept = kept

    def backward(self, g: Any, inputs: Any, out: Any) -> tuple[np.ndarray]:
        return (self.array if self.kept else np.zeros(1),)


def _calibrate() -> int:
    """How many references ``node_step`` counts on an array nobody else holds.

    The count includes ``node_step``'s own (its list of the gradients, its local, the call's
    argument), and how many of those an interpreter counts differs between Python versions
    (3.14 borrows stack references), so it is measured once, through ``node_step`` itself,
    on a rule returning a new array, and checked on a rule returning an array it keeps.
    Should no value qualify, 0: nothing is ever judged owned and every gradient a leaf
    keeps is a copy (slower, never wrong).
    """
    global _ALONE
    zero = np.zeros(1)
    for refs in range(1, 9):
        _ALONE = refs
        if node_step(_Probe(False), zero, [zero], zero, [zero])[0][2]:
            kept = node_step(_Probe(True), zero, [zero], zero, [zero])[0][2]
            return 0 if kept else refs
    return 0


_ALONE = 0  # references node_step sees on a gradient nobody else holds (_calibrate)
_ALONE = _calibrate()
