"""The seed network's gradients three ways: engine, closed form, finite differences.

Each parameter of ``MLP(N, hidden, K)`` gets its dE/dW from the engine's backward, from
:func:`closed_form.loss_and_grads`, and from central differences of the loss. Entries whose
perturbation by +-eps changes some ReLU's on/off pattern sit on a kink, where a finite
difference does not converge to either side; they are counted and left out of the FD column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .. import functional as F
from ..engine.grad_mode import no_grad
from ..engine.tensor import Tensor
from ..nn import MLP
from ..seed import closed_form
from ..utils.table import render_table

__all__ = ["ParamCheck", "normwise_error", "seed_network_check", "format_table", "LEGEND"]

CLOSED_FORM_RTOL = 1e-12  # same sums in float64, other order: ~n * 1.1e-16, with 100x margin
ENGINES = ("tensor", "scalar", "both")
FD_RTOL = 1e-6  # round-off u|E|/eps ~ 1e-10 and truncation eps^2 |E'''| ~ 1e-12, vs |dE| >~ 1e-3
LEGEND = (
    "error columns: normwise relative error max|a - r| / max|r| over a parameter's array; "
    f"PASS when vs closed <= {CLOSED_FORM_RTOL:g} and vs FD <= {FD_RTOL:g} (FD over the "
    "entries no kink touches)"
)


@dataclass
class ParamCheck:
    """One row of the table: a parameter and its errors against the two references."""

    name: str
    shape: tuple[int, ...]
    err_closed_form: float
    err_fd: float
    fd_checked: int
    kinks: int
    err_scalar: float | None = None  # scalar engine vs closed form, with engine="both"

    @property
    def ok(self) -> bool:
        """Within both tolerances, with at least one entry compared to finite differences
        (a row whose every entry sat at a kink checked nothing, and does not pass)."""
        scalar_ok = self.err_scalar is None or self.err_scalar <= CLOSED_FORM_RTOL
        fd_ok = self.fd_checked > 0 and self.err_fd <= FD_RTOL
        return self.err_closed_form <= CLOSED_FORM_RTOL and fd_ok and scalar_ok


def normwise_error(actual: np.ndarray, expected: np.ndarray) -> float:
    """max|actual - expected| / max|expected|: relative error in the max norm (0 if both 0)."""
    diff = float(np.max(np.abs(actual - expected), initial=0.0))
    scale = float(np.max(np.abs(expected), initial=0.0))
    return diff / scale if scale > 0 else diff


def _pattern(params: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray) -> list[np.ndarray]:
    return [z > 0 for z in closed_form.forward(params, x).zs[:-1]]


def seed_network_check(
    n_in: int = 4,
    hidden: Sequence[int] = (5, 4),
    n_out: int = 3,
    batch: int = 6,
    seed: int = 0,
    eps: float = 1e-6,
    engine: str = "tensor",
) -> list[ParamCheck]:
    """Check every dW and db of a seeded float64 seed network three ways.

    ``engine``: whose gradients fill the engine columns, "tensor" or "scalar"
    (:mod:`.scalar`); "both" keeps the tensor engine's and adds the scalar engine's
    error against the closed form as ``err_scalar``.

    Example::

        >>> all(row.ok for row in seed_network_check())
        True
    """
    if engine not in ENGINES:
        raise ValueError(f"seed_network_check: engine must be one of {ENGINES}, got {engine!r}")
    rng = np.random.default_rng(seed)
    model = MLP(n_in, list(hidden), n_out, rng=rng, dtype=np.float64)
    for p in model.parameters():  # nonzero biases, so every term of the rule is exercised
        p.data += 0.1 * rng.standard_normal(p.shape)
    x = rng.standard_normal((batch, n_in))
    y = rng.integers(0, n_out, batch)

    loss = F.cross_entropy(model(Tensor.from_numpy(x)), y)
    loss.backward()
    named = list(model.named_parameters())
    pairs = [(named[i][1].data, named[i + 1][1].data) for i in range(0, len(named), 2)]
    _, closed = closed_form.loss_and_grads(pairs, x, y)
    closed_flat = [g for pair in closed for g in pair]
    base_pattern = _pattern(pairs, x)
    scalar = _scalar_grads(model, x, y) if engine != "tensor" else {}

    def objective() -> float:
        with no_grad():
            return float(F.cross_entropy(model(Tensor.from_numpy(x)), y).data)

    rows = []
    for (name, p), ref in zip(named, closed_flat, strict=True):
        assert p.grad is not None
        grad = scalar[name] if engine == "scalar" else p.grad
        fd = np.zeros_like(p.data)
        valid = np.zeros(p.shape, dtype=bool)
        flat, fd_flat, valid_flat = p.data.reshape(-1), fd.reshape(-1), valid.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            values, same = [], True
            for step in (eps, -eps):
                flat[i] = orig + step
                values.append(objective())
                moved = _pattern(pairs, x)
                same &= all(map(np.array_equal, moved, base_pattern))
            flat[i] = orig
            fd_flat[i] = (values[0] - values[1]) / (2 * eps)
            valid_flat[i] = same
        rows.append(
            ParamCheck(
                name=name,
                shape=p.shape,
                err_closed_form=normwise_error(grad, ref),
                err_fd=normwise_error(grad[valid], fd[valid]) if valid.any() else 0.0,
                fd_checked=int(valid.sum()),
                kinks=int((~valid).sum()),
                err_scalar=normwise_error(scalar[name], ref) if engine == "both" else None,
            )
        )
    return rows


def _scalar_grads(model: MLP, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """The same loss's gradients from the scalar engine, under the model's parameter names."""
    from ..scalar import MLP as ScalarMLP
    from ..scalar import cross_entropy

    net = ScalarMLP(model.sizes[0], model.sizes[1:-1], model.sizes[-1], np.random.default_rng(0))
    net.load_state_dict(model.state_dict())
    cross_entropy([net(row) for row in x.tolist()], y).backward()
    return net.grad_dict()


def format_table(rows: Sequence[ParamCheck], engine: str = "tensor") -> str:
    """The rows as an aligned text table; ``engine`` as given to :func:`seed_network_check`."""
    who = "scalar" if engine == "scalar" else "engine"
    extra = any(r.err_scalar is not None for r in rows)
    head: tuple[str, ...] = (
        "parameter", "shape", f"{who} vs closed", f"{who} vs FD",
        *(["scalar vs closed"] if extra else []), "FD entries", "kinks", "",
    )  # fmt: skip
    lines = [head]
    for r in rows:
        lines.append(
            (
                r.name,
                "x".join(map(str, r.shape)),
                f"{r.err_closed_form:.2e}",
                f"{r.err_fd:.2e}" if r.fd_checked else "- (all kinks)",
                *([f"{r.err_scalar:.2e}" if r.err_scalar is not None else "-"] if extra else []),
                str(r.fd_checked),
                str(r.kinks),
                "PASS" if r.ok else "FAIL",
            )
        )
    return "\n".join(render_table(head, lines[1:]))
