"""The seed network's second-order checks: the logits' Hessian and every parameter's H v.

- The Hessian of the loss in the output logits, from the engine (reverse over reverse),
  against the closed form: block diagonal, block b = sum(t_b) (diag(a_b) - a_b a_b^T) / B.
- For a random direction v over all parameters, the engine's Hessian-vector product H v,
  parameter by parameter, against central differences of the *closed-form* gradient,
  (g(W + eps v) - g(W - eps v)) / (2 eps). A step that moves some ReLU across its kink
  makes the gradient jump; such a v is redrawn (up to MAX_REDRAWS times, counted in the
  row's ``redraws``; if every draw crosses a kink the last one is compared, and fails).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .. import functional as F
from ..engine.higher_order import hessian, hvp
from ..engine.tensor import Tensor
from ..seed import closed_form
from ..seed.network import build, loss
from ..utils.table import render_table
from .seed_network import normwise_error

__all__ = ["Order2Check", "seed_network_check2", "format_table2"]

HESSIAN_RTOL = 1e-12  # float64, a handful of operations per entry; error bounded by term size
HVP_RTOL = 1e-6  # truncation eps^2 |E''''| ~ 1e-10, round-off u |g| / eps ~ 1e-11, |Hv| ~ 1e-1
HVP_EPS = 1e-5  # near u^(1/3) ~ 5e-6, the best step for a central difference
MAX_REDRAWS = 20


@dataclass
class Order2Check:
    """One row: what was compared, against what, the normwise error and its bound."""

    name: str
    shape: tuple[int, ...]
    reference: str
    error: float
    tolerance: float
    redraws: int = 0

    @property
    def ok(self) -> bool:
        return self.error <= self.tolerance


def _closed_hessian(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    batch, classes = z.shape
    a = closed_form.softmax(z)
    H = np.zeros((batch, classes, batch, classes))
    for b in range(batch):  # one-hot targets: sum(t_b) = 1
        H[b, :, b, :] = (np.diag(a[b]) - np.outer(a[b], a[b])) / batch
    return H


def seed_network_check2(
    n_in: int = 4,
    hidden: Sequence[int] = (5, 4),
    n_out: int = 3,
    batch: int = 6,
    seed: int = 0,
    eps: float = HVP_EPS,
) -> list[Order2Check]:
    """Second-order checks of a seeded float64 seed network, He-scaled with nonzero biases.

    Example::

        >>> all(row.ok for row in seed_network_check2())
        True
    """
    net = build([n_in, *hidden, n_out], batch, seed)
    params, x, y = net.pairs(), net.x, net.y
    rng = np.random.default_rng([seed, 2])  # the directions v, apart from the network's draw
    rows = []

    z = closed_form.forward(params, x).zs[-1]
    H = hessian(lambda logits: F.cross_entropy(logits, y), z)
    scale = 1.0 / batch  # the size of the terms a_k, a_k a_c (times sum t = 1) over B
    err = float(np.max(np.abs(H - _closed_hessian(z, y)))) / scale
    rows.append(Order2Check("logits Hessian", z.shape, "closed form", err, HESSIAN_RTOL))

    flat, names = net.params, net.names

    def loss_fn(*ps: Tensor) -> Tensor:
        return loss(x, y, *ps)

    base = [z > 0 for z in closed_form.forward(params, x).zs[:-1]]
    redraws = 0
    while True:
        vs = [rng.standard_normal(p.shape) for p in flat]
        grads_at, crossed = [], False
        for sign in (1.0, -1.0):
            shifted = [
                (W + sign * eps * vW, b + sign * eps * vb)
                for (W, b), vW, vb in zip(params, vs[0::2], vs[1::2], strict=True)
            ]
            zs = closed_form.forward(shifted, x).zs[:-1]
            crossed |= not all(map(np.array_equal, [z > 0 for z in zs], base))
            grads = closed_form.loss_and_grads(shifted, x, y)[1]
            grads_at.append([g for pair in grads for g in pair])
        if not crossed or redraws == MAX_REDRAWS:
            break
        redraws += 1  # the step crossed a kink: the gradient jumps there, draw another v
    moved = grads_at
    numeric = [(up - down) / (2 * eps) for up, down in zip(moved[0], moved[1], strict=True)]
    engine = hvp(loss_fn, flat, vs)
    for name, p, hv, ref in zip(names, flat, engine, numeric, strict=True):
        err = normwise_error(hv, ref)
        rows.append(
            Order2Check(f"H v: {name}", p.shape, "FD of closed-form grad", err, HVP_RTOL, redraws)
        )
    return rows


def format_table2(rows: Sequence[Order2Check]) -> str:
    """The second-order rows as an aligned text table."""
    head = ("check", "shape", "against", "error", "bound", "")
    lines = [head]
    for r in rows:
        lines.append(
            (
                r.name,
                "x".join(map(str, r.shape)),
                r.reference,
                f"{r.error:.2e}",
                f"{r.tolerance:.0e}",
                "PASS" if r.ok else "FAIL",
            )
        )
    return "\n".join(render_table(head, lines[1:]))
