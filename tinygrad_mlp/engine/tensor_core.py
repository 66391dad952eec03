"""The Tensor's graph core: a numpy array that remembers the op that made it.

A tensor holds ``data`` (a numpy array), ``grad`` (a numpy array of the same shape and dtype,
or None), ``requires_grad``, and ``_ctx``: the op (``engine/node.py``) that produced it,
which in turn holds the op's input tensors. Following ``_ctx`` from a loss back to the
leaves walks the computation graph; ``engine/backward.py`` does that walk.

``TensorCore`` is what the engine needs of a tensor and imports no op. The public
``tinygrad_mlp.Tensor`` (``tinygrad_mlp/tensor/tensor.py``), a subclass above ``ops``, adds
the constructor, the operators and every method. The engine never names that class: an
op's output, a backward seed and a ``tm.grad`` result are made by ``_make_output``, which
``tensor/tensor.py`` sets to ``Tensor._make`` when it defines the class, so every tensor
the library returns is a full ``Tensor``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import numpy as np

if TYPE_CHECKING:
    from .node import Op

__all__ = ["TensorCore"]

T = TypeVar("T", bound="TensorCore")


class TensorCore:
    """Data, gradient and graph link of a tensor; the base class of ``tinygrad_mlp.Tensor``.

    Example::

        >>> t = TensorCore._make(np.array([1.0, 2.0]), False)
        >>> t.shape, t.is_leaf
        ((2,), True)
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "__weakref__")
    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor's reflected operator

    # How ops, backward's seeds and numpy interop make a tensor: the public class's
    # ``_make``, set once by tinygrad_mlp/tensor/tensor.py when it defines ``Tensor`` (the
    # engine never names that class). A subclass made for a while (tm.jit's traced tensors)
    # inherits it, so what the ops make is a plain Tensor.
    _make_output: ClassVar[Any]  # (data: ndarray, requires_grad: bool) -> a tensor

    data: np.ndarray
    grad: Any  # a numpy array (or None); a Tensor after backward(create_graph=True)
    requires_grad: bool
    _ctx: Op | None

    @classmethod
    def _make(cls: type[T], data: np.ndarray, requires_grad: bool) -> T:
        """Wrap an array without copying or checking: the ops' fast constructor."""
        t = cls.__new__(cls)
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t._ctx = None
        return t

    def requires_grad_(self: T, requires_grad: bool = True) -> T:
        """Set ``requires_grad`` in place; only floating-point leaves can require grad."""
        if requires_grad and not np.issubdtype(self.data.dtype, np.floating):
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self.data.dtype}"
            )
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("requires_grad can only be turned off on a leaf; use detach()")
        self.requires_grad = requires_grad
        return self

    # --- plain attributes -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op that records a graph."""
        return self._ctx is None

    def numpy(self) -> np.ndarray:
        """The data as a numpy array (shared, not copied), like ``torch.Tensor.numpy``."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def __len__(self) -> int:
        if not self.data.ndim:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = ""
        if self._ctx is not None:
            extra = f", grad_fn={type(self._ctx).__name__}"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        return f"Tensor({body}, dtype={self.data.dtype}{extra})"

    def __bool__(self) -> bool:
        return bool(self.data)

    __hash__ = object.__hash__  # tensors are graph nodes, hashed by identity (== is elementwise)


TensorCore._make_output = TensorCore._make  # until tinygrad_mlp.tensor sets the public class
