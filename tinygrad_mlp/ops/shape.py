"""Shape changes: reshape, transpose, broadcast_to, cat, crop (slicing), pad, flip, repeat.

Each moves or copies elements without arithmetic, so each backward moves the gradient back:
the adjoint pairs are cat/crop, crop/pad, flip/flip, broadcast_to/sum (done by the engine)
and repeat/its block sum. Reductions (sum, max, ...) are in ``reduce``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import Grad, Op, call
from .tangents import zero_if_none

__all__ = ["Reshape", "Transpose", "BroadcastTo", "Cat", "Crop", "Pad", "Flip", "Repeat"]


class Reshape(Op):
    """The same elements in a new shape: the gradient is reshaped back."""

    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                f"into shape {tuple(shape)}"
            ) from None

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (g.reshape(inputs[0].shape),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return t[0].reshape(out.shape)


class Transpose(Op):
    """A permutation of the axes; its backward applies the inverse permutation."""

    def forward(self, x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        if sorted(axes) != list(range(x.ndim)):
            raise ValueError(f"transpose: {axes} is not a permutation of the {x.ndim} axes")
        self.axes = axes
        return np.transpose(x, axes)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (call(Transpose, g, axes=tuple(np.argsort(self.axes).tolist())),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return np.transpose(t[0], self.axes)


class BroadcastTo(Op):
    """Repeat along broadcast axes: the gradient is summed back (by the engine)."""

    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}") from None

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (g,)  # the engine sums g back to the input's shape: that is the whole rule

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return np.broadcast_to(t[0], out.shape)


Box = tuple[tuple[int, int], ...]  # (start, stop) along every axis


class Cat(Op):
    """Inputs joined along ``axis`` (numpy's dtype promotion): each gets its block of g."""

    def forward(self, *xs: np.ndarray, axis: int) -> np.ndarray:
        first = xs[0]
        if first.ndim == 0:
            raise ValueError("cat: zero-dimensional tensors cannot be concatenated; use stack")
        for i, x in enumerate(xs):
            others = [s for d, s in enumerate(x.shape) if d != axis]
            if x.ndim != first.ndim or others != [
                s for d, s in enumerate(first.shape) if d != axis
            ]:
                raise ValueError(
                    f"cat: tensor {i} has shape {x.shape}, tensor 0 has {first.shape}; "
                    f"all shapes must match except along axis {axis}"
                )
        self.axis = axis
        self.offsets = np.cumsum([0] + [x.shape[axis] for x in xs]).tolist()
        return np.concatenate(xs, axis=axis)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad | None, ...]:
        whole = [(0, n) for n in g.shape]
        grads = []
        for i, need in enumerate(self.needs):
            box = list(whole)
            box[self.axis] = (self.offsets[i], self.offsets[i + 1])
            grads.append(call(Crop, g, box=tuple(box)) if need else None)
        return tuple(grads)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        parts = [zero_if_none(ti, x) for ti, x in zip(t, inputs, strict=True)]
        return np.concatenate(parts, axis=self.axis)  # linear


class Crop(Op):
    """x[start:stop] along every axis (the ``box``): the gradient is g padded with zeros."""

    def forward(self, x: np.ndarray, box: Box) -> np.ndarray:
        self.shape, self.box = x.shape, box
        return x[tuple(slice(a, b) for a, b in box)]

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        widths = tuple((a, n - b) for (a, b), n in zip(self.box, self.shape, strict=True))
        return (call(Pad, g, widths=widths, value=0.0),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return t[0][tuple(slice(a, b) for a, b in self.box)]


class Pad(Op):
    """x surrounded by ``value``: ``widths`` holds (before, after) >= 0 for every axis.

    The padding is constant, so only the interior depends on x: the gradient is g cropped.
    """

    def forward(self, x: np.ndarray, widths: Box, value: float) -> np.ndarray:
        self.widths = widths
        return np.pad(x, widths, mode="constant", constant_values=value)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        box = tuple((a, a + n) for (a, _), n in zip(self.widths, inputs[0].shape, strict=True))
        return (call(Crop, g, box=box),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return np.pad(t[0], self.widths, mode="constant")  # the padding is constant: tangent 0


class Flip(Op):
    """The order of the elements reversed along ``axes``; the gradient is flipped back."""

    def forward(self, x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        self.axes = axes
        return np.flip(x, axes).copy()  # a copy, as torch's flip: numpy's view would alias x

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        return (call(Flip, g, axes=self.axes),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return np.flip(t[0], self.axes)


class Repeat(Op):
    """x tiled ``reps`` times along each axis (torch's ``repeat``, numpy's ``tile``).

    Each input element appears once per tile: its gradient is the sum of g over the tiles.
    ``reps`` has at least x.ndim entries; extra leading ones add new axes.
    """

    def forward(self, x: np.ndarray, reps: tuple[int, ...]) -> np.ndarray:
        self.reps = reps
        return np.tile(x, reps)

    def backward(self, g: Grad, inputs: Sequence[Grad], out: Grad) -> tuple[Grad, ...]:
        shape = inputs[0].shape
        sizes = (1,) * (len(self.reps) - len(shape)) + tuple(shape)
        # view g as (r0, s0, r1, s1, ...) and sum over the tile axes r
        split = [d for r, s in zip(self.reps, sizes, strict=True) for d in (r, s)]
        summed = g.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return (summed.reshape(shape),)

    def jvp(
        self, t: Sequence[np.ndarray], inputs: Sequence[np.ndarray], out: np.ndarray
    ) -> np.ndarray:
        return np.tile(t[0], self.reps)
