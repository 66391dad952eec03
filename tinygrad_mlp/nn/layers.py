"""Layers: ``Linear``, ``Sequential``, and the seed network ``MLP``."""

from __future__ import annotations

from collections.abc import Iterator
from operator import is_not
from typing import Any

import numpy as np

from .. import functional as F
from ..engine.seeding import generator_or_default
from ..tensor import Tensor
from .activations import ReLU
from .module import Module

__all__ = ["Linear", "Sequential", "MLP"]


def _size(value: Any, what: str, who: str) -> int:
    """A layer size: a positive int (numpy ints too); bools, floats and strings are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{who}: {what} must be an int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{who}: sizes must be positive, got {what} {value}")
    return int(value)


def _tensor_input(x: Any, who: str) -> Tensor:
    """The model's input, which must be a Tensor (as in torch): an array is not converted,
    since a silent copy and dtype promotion would hide what the user passed."""
    if not isinstance(x, Tensor):
        raise TypeError(
            f"{who}: the input must be a Tensor, got {type(x).__name__}; wrap it: "
            "Tensor(x) (a copy) or Tensor.from_numpy(x) (shared memory)"
        )
    return x


def _module(value: Any, i: int) -> Module:
    """A Sequential's layer, which must be a Module (as torch refuses anything else)."""
    if not isinstance(value, Module):
        raise TypeError(f"Sequential: layer {i} must be a Module, got {type(value).__name__}")
    return value


class Linear(Module):
    """z = x W^T + b, W of shape (fan_out, fan_in), He-initialised: W ~ N(0, 2 / fan_in).

    Example: ``Linear(3, 4, rng=np.random.default_rng(0))(Tensor(np.ones((2, 3)))).shape``
    is ``(2, 4)``. Without ``rng`` the weights come from ``tm.default_generator`` (seeded at
    import, reseeded by ``tm.manual_seed``): a script gives the same weights on every run.
    """

    def __init__(
        self,
        fan_in: int,
        fan_out: int,
        rng: np.random.Generator | None = None,
        dtype: Any = np.float32,
        bias: bool = True,
    ) -> None:
        fan_in = _size(fan_in, "fan_in", "Linear")
        fan_out = _size(fan_out, "fan_out", "Linear")
        rng = generator_or_default(rng, "Linear")
        w = rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in)
        self.weight = Tensor._make(w.astype(dtype), False).requires_grad_()
        self.bias = (
            Tensor._make(np.zeros(fan_out, dtype=dtype), False).requires_grad_() if bias else None
        )
        self.fan_in, self.fan_out = fan_in, fan_out

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(_tensor_input(x, "Linear"), self.weight, self.bias)

    def __repr__(self) -> str:
        return f"Linear({self.fan_in}, {self.fan_out}, dtype={self.weight.dtype})"


def _patched(layers: list[Module]) -> bool:
    """Whether a layer has a ``forward`` of its own instance (``relu.forward = ...``), which
    the fused Linear + ReLU node would bypass. A plain loop: ~0.4 us for five layers."""
    for m in layers:
        if "forward" in m.__dict__:
            return True
    return False


class Sequential(Module):
    """Modules applied in order, named "0", "1", ... as in torch.nn.Sequential.

    ``layers`` (a list) is the one source of truth: ``seq[1] = nn.Tanh()``,
    ``seq.layers[1] = ...`` and ``append`` change what ``forward``, ``parameters()`` and
    the state dict see alike. A Linear followed by a ReLU runs as one fused node (same
    result, fewer nodes); that plan is worked out again whenever the layers change.

    Example::

        >>> seq = tm.nn.Sequential(tm.nn.Linear(2, 3), tm.nn.ReLU())
        >>> seq[1] = tm.nn.Tanh()
        >>> seq
        Sequential(Linear(2, 3, dtype=float32), Tanh())
    """

    def __init__(self, *layers: Module) -> None:
        self.layers = [_module(m, i) for i, m in enumerate(layers)]
        self._planned: tuple[Module, ...] = ()
        self._plan: list[tuple[Module, bool]] = []

    def _current_plan(self) -> list[tuple[Module, bool]]:
        """The fused plan of the layers as they are now (recomputed when one was replaced)."""
        layers = self.layers
        patched = _patched(layers)  # a forward replaced on an instance: no fusion there
        if patched or len(layers) != len(self._planned) or any(map(is_not, layers, self._planned)):
            self._plan = self._fuse(layers)
            self._planned = () if patched else tuple(layers)
        return self._plan

    @staticmethod
    def _fuse(layers: list[Module]) -> list[tuple[Module, bool]]:
        """(layer, fused-with-the-ReLU-after-it) pairs."""
        plan: list[tuple[Module, bool]] = []
        i = 0
        while i < len(layers):
            fuse = (
                type(layers[i]) is Linear
                and i + 1 < len(layers)
                and type(layers[i + 1]) is ReLU
                and not _patched(layers[i : i + 2])
            )
            plan.append((_module(layers[i], i), fuse))
            i += 2 if fuse else 1
        return plan

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for i, layer in enumerate(self.layers):
            yield str(i), _module(layer, i)

    def _walk_parameters(self, prefix: str) -> Iterator[tuple[str, Tensor]]:
        for name, layer in self.named_children():
            yield from layer._walk_parameters(prefix + name + ".")

    def forward(self, x: Tensor) -> Tensor:
        x = _tensor_input(x, type(self).__name__)
        for layer, fused in self._current_plan():
            if fused:
                assert isinstance(layer, Linear)
                x = F.linear_relu(x, layer.weight, layer.bias)
            else:
                x = layer(x)
        return x

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end (torch's ``Sequential.append``); returns self."""
        self.layers.append(_module(module, len(self.layers)))
        return self

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return Sequential(*self.layers[i])
        return self.layers[i]

    def __setitem__(self, i: int, module: Module) -> None:
        self.layers[i] = _module(module, i)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = ", ".join(repr(m) for m in self.layers)
        return f"{type(self).__name__}({inner})"


class MLP(Sequential):
    """The seed network: Linear, ReLU for each hidden size, then a Linear giving logits.

    ``MLP(N, [I, J], K)`` is the seed's N -> I relu -> J relu -> K; softmax lives in the loss.
    ``hidden`` may be one int for one hidden layer (``MLP(8, 16, 4)`` is 8 -> 16 -> 4).
    The input must be a Tensor of shape (B, N). Without ``rng`` the weights come from
    ``tm.default_generator``, so ``MLP(3, [4], 2)`` is the same network on every run.

    Example::

        >>> model = MLP(64, [32, 16], 10, rng=np.random.default_rng(0), dtype=np.float64)
        >>> sorted(model.state_dict())[:2]
        ['0.bias', '0.weight']
    """

    def __init__(
        self,
        n_in: int,
        hidden: int | list[int] | tuple[int, ...],
        n_out: int,
        rng: np.random.Generator | None = None,
        dtype: Any = np.float32,
    ) -> None:
        if isinstance(hidden, (int, np.integer)) and not isinstance(hidden, (bool, np.bool_)):
            hidden = [int(hidden)]
        if not isinstance(hidden, (list, tuple)):
            raise TypeError(
                f"MLP: hidden must be a list of layer sizes (or one int), got "
                f"{type(hidden).__name__} {hidden!r}"
            )
        sizes = [
            _size(n_in, "n_in", "MLP"),
            *(_size(h, f"hidden size {i}", "MLP") for i, h in enumerate(hidden)),
            _size(n_out, "n_out", "MLP"),
        ]
        rng = generator_or_default(rng, "MLP")
        layers: list[Module] = []
        for i in range(len(sizes) - 1):
            layers.append(Linear(sizes[i], sizes[i + 1], rng=rng, dtype=dtype))
            if i < len(sizes) - 2:
                layers.append(ReLU())
        super().__init__(*layers)
        self.sizes = sizes
