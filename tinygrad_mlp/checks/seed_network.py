"""The seed network's gradients checked, first and second order.

First order (``seed_network_check``, ``tinygrad-mlp gradcheck``): each parameter of
``nn.MLP(N, hidden, K)`` gets its dE/dW from the engine's backward, from
``closed_form.loss_and_grads``, and from central differences of the loss. Entries whose
perturbation by +-eps changes some ReLU's on/off pattern sit on a kink, where a finite
difference does not converge to either side; they are counted and left out of the FD column.

Second order (``seed_network_check2``, ``tinygrad-mlp gradcheck --order 2``):

- the Hessian of the loss in the output logits, from the engine (reverse over reverse),
  against the closed form: block diagonal, block b = sum(t_b) (diag(a_b) - a_b a_b^T) / B;
- for a random direction v over all parameters, the engine's Hessian-vector product H v,
  parameter by parameter, against central differences of the *closed-form* gradient,
  (g(W + eps v) - g(W - eps v)) / (2 eps). A step that moves some ReLU across its kink
  makes the gradient jump; such a v is redrawn (up to MAX_REDRAWS times, counted in the
  row's ``redraws``; if every draw crosses a kink the last one is compared, and fails).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .. import functional as F
from ..engine.higher_order import hessian, hvp
from ..engine.tensor import Tensor
from ..nn import MLP
from ..seed import closed_form
from ..seed.network import SeedNetwork, build
from .numerical import numerical_grad
from .seed_rows import (
    CLOSED_FORM_RTOL,
    ENGINES,
    FD_RTOL,
    HESSIAN_RTOL,
    HVP_EPS,
    HVP_RTOL,
    LEGEND,
    Order2Check,
    ParamCheck,
    format_table,
    format_table2,
    normwise_error,
)

# the rows, their tolerances and tables live in seed_rows; imported from here as before
__all__ = [
    "CLOSED_FORM_RTOL",
    "FD_RTOL",
    "HESSIAN_RTOL",
    "HVP_RTOL",
    "HVP_EPS",
    "ENGINES",
    "relu_pattern",
    "ParamCheck",
    "Order2Check",
    "normwise_error",
    "fd_off_kinks",
    "seed_network_check",
    "seed_network_check2",
    "format_table",
    "format_table2",
    "LEGEND",
]

MAX_REDRAWS = 20


def relu_pattern(net: SeedNetwork) -> list[np.ndarray]:
    """Which hidden units are on (z > 0), sample by sample, at the network's weights."""
    return [z > 0 for z in closed_form.forward(net.params, net.x).zs[:-1]]


def fd_off_kinks(
    objective: Callable[[], Tensor],
    tensors: Sequence[Tensor],
    pattern: Callable[[], list[np.ndarray]],
    eps: float,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Central differences of ``objective()`` in every entry of ``tensors``, and where they
    are valid: the entries whose steps of +-eps leave ``pattern()`` (the ReLUs) unchanged.

    Example::

        >>> x = Tensor(np.array([0.0, 1.0]))
        >>> fd, ok = fd_off_kinks(lambda: x.relu().sum(), [x], lambda: [x.data > 0], 1e-6)
        >>> ok[0].tolist(), float(fd[0][1].round(6))
        ([False, True], 1.0)
    """
    base = pattern()
    same: list[bool] = []

    def f(*_: Tensor) -> Tensor:
        same.append(all(map(np.array_equal, pattern(), base)))
        return objective()

    numeric = numerical_grad(f, tensors, eps=eps)
    # numerical_grad steps entry by entry, input by input, first up and then down
    steps = np.asarray(np.array(same, dtype=bool).reshape(-1, 2).all(axis=1))
    assert steps.size == sum(t.data.size for t in tensors), "evaluated in an unexpected order"
    cuts = np.cumsum([t.data.size for t in tensors])[:-1]
    return numeric, [
        v.reshape(t.shape) for v, t in zip(np.split(steps, cuts), tensors, strict=True)
    ]


def seed_network_check(
    n_in: int = 4,
    hidden: Sequence[int] = (5, 4),
    n_out: int = 3,
    batch: int = 6,
    seed: int = 0,
    eps: float = 1e-6,
    engine: str = "tensor",
) -> list[ParamCheck]:
    """Check every dW and db of a seeded float64 seed network (``build``)
    three ways.

    ``engine``: whose gradients fill the engine columns, "tensor" or "scalar"
    (``scalar``); "both" keeps the tensor engine's and adds the scalar engine's
    error against the closed form as ``err_scalar``.

    Example::

        >>> all(row.ok for row in seed_network_check())
        True
    """
    if engine not in ENGINES:
        raise ValueError(f"seed_network_check: engine must be one of {ENGINES}, got {engine!r}")
    net = build([n_in, *hidden, n_out], batch, seed)
    model = MLP(n_in, list(hidden), n_out, rng=np.random.default_rng(seed), dtype=np.float64)
    model.load_state_dict(net.state_dict)
    x = Tensor.from_numpy(net.x)
    F.cross_entropy(model(x), net.target).backward()
    named = list(model.named_parameters())
    # the model's arrays are the ones finite differences perturb: the pattern reads them
    net.params = [(named[i][1].data, named[i + 1][1].data) for i in range(0, len(named), 2)]
    closed = [
        g for pair in closed_form.loss_and_grads(net.params, net.x, net.target)[1] for g in pair
    ]
    scalar = _scalar_grads(net) if engine != "tensor" else {}
    fd, valid = fd_off_kinks(
        lambda: F.cross_entropy(model(x), net.target),
        [p for _, p in named],
        lambda: relu_pattern(net),
        eps,
    )
    rows = []
    for (name, p), ref, num, ok in zip(named, closed, fd, valid, strict=True):
        assert p.grad is not None
        grad = scalar[name] if engine == "scalar" else p.grad
        rows.append(
            ParamCheck(
                name=name,
                shape=p.shape,
                err_closed_form=normwise_error(grad, ref),
                err_fd=normwise_error(grad[ok], num[ok]) if ok.any() else 0.0,
                fd_checked=int(ok.sum()),
                kinks=int((~ok).sum()),
                err_scalar=normwise_error(scalar[name], ref) if engine == "both" else None,
            )
        )
    return rows


def _scalar_grads(net: SeedNetwork) -> dict[str, np.ndarray]:
    """The same loss's gradients from the scalar engine, under the model's parameter names."""
    from ..scalar import MLP as ScalarMLP
    from ..scalar import cross_entropy

    scalar = ScalarMLP(net.sizes[0], net.sizes[1:-1], net.sizes[-1], np.random.default_rng(0))
    scalar.load_state_dict(net.state_dict)
    cross_entropy([scalar(row) for row in net.x.tolist()], net.target).backward()
    return scalar.grad_dict()


def _closed_hessian(z: np.ndarray) -> np.ndarray:
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
    rng = np.random.default_rng([seed, 2])  # the directions v, apart from the network's draw
    z = closed_form.forward(net.params, net.x).zs[-1]
    H = hessian(lambda logits: F.cross_entropy(logits, net.target), z)
    scale = 1.0 / batch  # the size of the terms a_k, a_k a_c (times sum t = 1) over B
    err = float(np.max(np.abs(H - _closed_hessian(z)))) / scale
    rows = [Order2Check("logits Hessian", z.shape, "closed form", err, HESSIAN_RTOL)]

    base = relu_pattern(net)
    redraws = 0
    while True:
        vs = [rng.standard_normal(p.shape) for p in net.flat_params]
        grads_at, crossed = [], False
        for sign in (1.0, -1.0):
            moved = [p + sign * eps * v for p, v in zip(net.flat_params, vs, strict=True)]
            pairs = list(zip(moved[0::2], moved[1::2], strict=True))
            shifted = SeedNetwork(net.sizes, pairs, net.x, net.target)
            crossed |= not all(map(np.array_equal, relu_pattern(shifted), base))
            grads = closed_form.loss_and_grads(shifted.params, net.x, net.target)[1]
            grads_at.append([g for pair in grads for g in pair])
        if not crossed or redraws == MAX_REDRAWS:
            break
        redraws += 1  # the step crossed a kink: the gradient jumps there, draw another v
    numeric = [(up - down) / (2 * eps) for up, down in zip(*grads_at, strict=True)]
    engine = hvp(net.loss_fn(), net.flat_params, vs)
    for name, p, hv, ref in zip(net.names, net.flat_params, engine, numeric, strict=True):
        err = normwise_error(hv, ref)
        rows.append(
            Order2Check(f"H v: {name}", p.shape, "FD of closed-form grad", err, HVP_RTOL, redraws)
        )
    return rows
