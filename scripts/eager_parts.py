"""Where the eager step's time goes: the engine with one piece replaced at a time.

Seven sides run in the same rounds (each five steps, the order rotating, BLAS on one
thread), and each prints the median of its per-round ratios to the hand-written numpy step:

- ``floor``: the minimal tape of ``eager_floor.py``; ``floor+guard``: the same with the
  engine's saved-array guard;
- ``lean engine``: the engine's Tensor, ops and guard, recorded by ``Op.apply``'s steps
  without its hooks (anomaly, grad mode, forward mode, jit) and walked back by the engine's
  sort, check and release without its backward rules (ownership count, dtype conformance,
  error renaming, all-or-nothing delivery): the floor of this design, not safe to use;
- ``direct+tape SGD``: the engine's ops called directly (``LinearReLU.apply``, ``Linear.apply``,
  ``CrossEntropy.apply`` with labels converted once), ``backward()``, and the tape's SGD loop;
- ``direct``: the same with ``SGD.step``;
- ``engine``: the user's step: ``model(x)``, ``F.cross_entropy``, ``backward()``,
  ``SGD.step()`` (``tinygrad_mlp.bench.engine_step``).

Differences between neighbouring rows price one layer each: the guard, the design (a
Tensor and an op object per node, a general graph walk), the hooks and backward rules,
the optimizer, the module and loss functions. All sides are checked to give the same loss
before timing.

Usage: ``OPENBLAS_NUM_THREADS=1 python scripts/eager_parts.py [tiny|digits|mnist] [float64]``
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from operator import attrgetter
from typing import Any

import numpy as np
from eager_floor import floor_step
from eager_floor import tape_sgd as sgd_on_tape

from tinygrad_mlp import Tensor
from tinygrad_mlp.bench.tensor import SIZES, engine_step, numpy_step
from tinygrad_mlp.engine.graph import toposort, unbroadcast
from tinygrad_mlp.engine.node import Op
from tinygrad_mlp.engine.saved import check as check_saved
from tinygrad_mlp.engine.saved import hold
from tinygrad_mlp.nn import MLP
from tinygrad_mlp.ops import CrossEntropy, Linear, LinearReLU
from tinygrad_mlp.optim import SGD
from tinygrad_mlp.utils.blas import limit_threads

__all__ = ["direct_step", "lean_step", "main"]

_data, _requires_grad = attrgetter("data"), attrgetter("requires_grad")


def direct_step(
    model: MLP, x: np.ndarray, y: np.ndarray, lr: float, tape_sgd: bool
) -> Callable[[], float]:
    """The seed step with the engine's ops called directly (no module, no loss function)."""
    ps = model.parameters()
    w1, b1, w2, b2, w3, b3 = ps
    opt = SGD(ps, lr=lr)
    bufs = [np.empty_like(p.data) for p in ps]
    xt, labels = Tensor.from_numpy(x), y.astype(np.uintp)

    def step() -> float:
        for p in ps:
            p.grad = None
        h = LinearReLU.apply(xt, w1, b1)
        h = LinearReLU.apply(h, w2, b2)
        loss = CrossEntropy.apply(Linear.apply(h, w3, b3), labels=labels)
        loss.backward()
        if tape_sgd:
            sgd_on_tape(ps, bufs, lr)
        else:
            opt.step()
        return float(loss.data)

    return step


def _lean_apply(cls: type[Op], *inputs: Tensor, **attrs: Any) -> Tensor:
    """``Op.apply`` without its hooks: no anomaly, grad-mode, forward-mode or jit check."""
    op = cls()
    arrays = tuple(map(_data, inputs))
    data = op.forward(*arrays, **attrs)
    if type(data) is not np.ndarray:
        data = np.asarray(data)
    needs = tuple(map(_requires_grad, inputs))
    out = Tensor._make(data, True in needs)
    if True in needs:
        op.parents, op.needs = inputs, needs
        out._ctx = op
        op._saved = (arrays, data)
        op._hold = hold(arrays, data, attrs, cls.saves)  # the guard, kept
    return out


def _lean_backward(root: Tensor) -> None:
    """The engine's backward walk without its rules: the same sort, the same saved-array
    check and release, gradients summed by id and undone broadcasting, but no ownership
    rule (every leaf keeps what its rule returned), no anomaly or jit hook, no shape or
    dtype conformance, no error renaming, no all-or-nothing delivery."""
    grads: dict[int, Any] = {id(root): np.ones((), dtype=root.data.dtype)}
    order = toposort(root)
    while order:
        node = order.pop()
        op: Any = node._ctx
        g = grads.pop(id(node), None)
        if g is not None:
            parents = op.parents
            inputs = check_saved(op, parents, node)
            returned = op.backward(g, inputs, node.data)
            needs = op.needs
            for j, pg in enumerate(returned):
                if pg is None or not needs[j]:
                    continue
                p = parents[j]
                pg = unbroadcast(pg, p.data.shape)
                if p._ctx is None:
                    p.grad = pg if p.grad is None else p.grad + pg
                else:
                    prev = grads.get(id(p))
                    grads[id(p)] = pg if prev is None else prev + pg
        op.release()


def lean_step(model: MLP, x: np.ndarray, y: np.ndarray, lr: float) -> Callable[[], float]:
    """``direct_step`` (tape SGD) recorded by ``_lean_apply`` and walked by ``_lean_backward``:
    the engine's Tensor, ops and guard with its hooks and backward rules left out."""
    ps = model.parameters()
    w1, b1, w2, b2, w3, b3 = ps
    bufs = [np.empty_like(p.data) for p in ps]
    xt, labels = Tensor.from_numpy(x), y.astype(np.uintp)

    def step() -> float:
        for p in ps:
            p.grad = None
        h = _lean_apply(LinearReLU, xt, w1, b1)
        h = _lean_apply(LinearReLU, h, w2, b2)
        loss = _lean_apply(CrossEntropy, _lean_apply(Linear, h, w3, b3), labels=labels)
        _lean_backward(loss)
        sgd_on_tape(ps, bufs, lr)
        return float(loss.data)

    return step


def main(argv: list[str]) -> None:
    size = argv[0] if argv else "tiny"
    dtype = np.dtype(argv[1] if len(argv) > 1 else "float32").type
    n_in, hidden, n_out, batch = SIZES[size]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, n_in)).astype(dtype)
    y = rng.integers(0, n_out, batch)

    def model() -> MLP:
        return MLP(n_in, hidden, n_out, rng=np.random.default_rng(0), dtype=dtype)

    def params() -> list[np.ndarray]:
        return [p.data.copy() for p in model().parameters()]

    names = ["floor", "floor+guard", "lean engine", "direct+tape SGD", "direct", "engine"]
    sides = [
        numpy_step(params(), x, y, 1e-3),
        floor_step(params(), x, y, 1e-3),
        floor_step(params(), x, y, 1e-3, guard=True),
        lean_step(model(), x, y, 1e-3),
        direct_step(model(), x, y, 1e-3, tape_sgd=True),
        direct_step(model(), x, y, 1e-3, tape_sgd=False),
        engine_step(model(), x, y, 1e-3),
    ]
    with limit_threads(1):
        for _ in range(3):  # the same arithmetic everywhere but numpy's own step
            losses = {f() for f in sides[1:]}
            if len(losses) != 1:
                raise AssertionError(f"the sides disagree: {losses}")
        rounds, repeat, n = (400 if size == "tiny" else 60), 5, len(sides)
        times = np.empty((n, rounds))
        for i in range(rounds):
            for k in range(n):
                j = (i + k) % n
                t0 = time.perf_counter()
                for _ in range(repeat):
                    sides[j]()
                times[j, i] = time.perf_counter() - t0
    print(f"{size} {np.dtype(dtype).name}: numpy step {np.median(times[0]) / repeat * 1e6:.0f} us")
    for name, row in zip(names, times[1:], strict=True):
        print(f"  {name:16s} {np.median(row / times[0]):.2f} of numpy")


if __name__ == "__main__":
    main(sys.argv[1:])
