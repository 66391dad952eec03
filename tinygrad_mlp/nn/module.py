"""The Module: parameters with dotted names, children, state dicts, train/eval."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from ..engine.writes import writing
from ..optim.base import zero_grad_of
from ..tensor import Tensor
from ..utils.state import checked_arrays

__all__ = ["Module"]


class Module:
    """Base class: every Tensor attribute is a parameter; Module attributes are children.

    Names follow attribute order, dotted through children, as in torch (``"0.weight"``).
    A frozen parameter (``requires_grad_(False)``) stays a parameter: it is still listed,
    saved and loaded, and optimizers skip it because it gets no gradient.

    ``training`` is True until ``eval`` (as torch); no layer here behaves differently in
    the two modes yet (there is no dropout or batch norm), so the flag is for your own layers
    and for code written for torch.
    """

    training: bool = True  # a class default; train() / eval() set it on each module

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value

    def train(self, mode: bool = True) -> Module:
        """Set ``training`` to ``mode`` here and in every child, as torch; returns self.

        Example::

            >>> model = tm.nn.MLP(3, [4], 2)
            >>> model.eval() is model, model.training, model[0].training
            (True, False, False)
        """
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be a bool, got {type(mode).__name__} {mode!r}")
        self.training = mode
        for _, child in self.named_children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """``train(False)``: evaluation mode, as torch; returns self."""
        return self.train(False)

    def _walk_parameters(self, prefix: str) -> Iterator[tuple[str, Tensor]]:
        """Every (dotted name, parameter) pair, a shared one under each of its names."""
        for name, value in vars(self).items():
            if isinstance(value, Tensor):
                yield prefix + name, value
            elif isinstance(value, Module):
                yield from value._walk_parameters(prefix + name + ".")

    def named_parameters(
        self, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, parameter) pairs, depth first in attribute order; a parameter shared
        by two layers (tied weights) once, under its first name, as torch
        (``remove_duplicate=False`` lists it under every name, as ``state_dict`` does).

        Example::

            >>> layer = tm.nn.Linear(2, 2)
            >>> [n for n, _ in tm.nn.Sequential(layer, tm.nn.Tanh(), layer).named_parameters()]
            ['0.weight', '0.bias']
        """
        seen: set[int] = set()
        for name, p in self._walk_parameters(prefix):
            if remove_duplicate and id(p) in seen:
                continue
            seen.add(id(p))
            yield name, p

    def parameters(self) -> list[Tensor]:
        """Every parameter, in the order of ``named_parameters``."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget accumulated gradients (None by default, or zeros as torch's set_to_none=False)."""
        for p in self.parameters():
            zero_grad_of(p, set_to_none)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter's data, by dotted name."""
        return {name: p.data.copy() for name, p in self._walk_parameters("")}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy ``state`` into the parameters, in place, after checking names, shapes, dtypes.

        Nothing is changed when anything is refused: all checks run before the first copy.
        """
        own = dict(self._walk_parameters(""))  # every name, a tied parameter's too
        arrays = checked_arrays({n: (p.shape, p.dtype) for n, p in own.items()}, state)
        # a parameter a live graph saved is read-only: made writeable, its version bumped
        with writing(p.data for p in own.values()):
            for name, p in own.items():
                p.data[...] = arrays[name]
