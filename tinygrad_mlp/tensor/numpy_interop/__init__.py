"""numpy functions on Tensors: they stay on the graph, or they refuse; never a silent detach.

Tensor implements numpy's two override protocols (``__array_ufunc__`` for ufuncs such as
``np.sin`` and ``np.add``, ``__array_function__`` for functions such as ``np.sum`` and
``np.concatenate``). A call is routed by the reviewed table in ``names``:

- a numpy name with an op here returns a Tensor on the graph, exactly what the Tensor method
  (or ``functional`` function) returns: ``np.sin(x)`` is ``x.sin()``, ``a + x`` with ``a`` an
  ndarray is ``Tensor(a) + x`` (operand order kept), ``np.add.reduce(x)`` is ``x.sum(0)``;
  numpy's keywords are translated (``axis``, ``keepdims``, ``dtype`` by casting the input
  first, ``ddof``) or refused with a TypeError naming them;
- comparisons, predicates and roundings (``np.equal``, ``np.isfinite``, ``np.floor``, ...)
  have no gradient: they give a constant Tensor, as the comparison operators do;
- functions whose result holds no gradient (``np.shape``, ``np.allclose``, ...) run on the
  data;
- any other numpy function refuses with a TypeError naming it whenever a gradient would be
  lost: a Tensor argument requires grad (in any grad mode, as torch's ``.numpy()`` refuses
  inside ``no_grad`` too), or carries a forward-mode tangent inside ``tm.jvp``. Otherwise
  nothing can be lost, and it computes on the data and returns numpy's own result.
- ``out=`` is always refused: writing into an array would leave the graph behind.

Everything else that turns a Tensor into an array goes through ``Tensor.__array__``
(``np.asarray(t)``, ``arr[...] = t``, ``ndarray.dot(t)``, ``np.vectorize``, a list of
Tensors as in ``np.mean([x, y])``, ...). It follows the same rule (``keeps_gradient``):
the data of a Tensor off the graph, a RuntimeError (torch's) for one that requires grad.
The explicit ways out are ``t.detach()`` (a Tensor cut off from the graph) and
``t.numpy()`` / ``t.detach().numpy()`` (the data, no gradient).

Example::

    >>> x = Tensor(np.array([0.3, 1.2]), requires_grad=True)
    >>> (np.sin(x) * x).sum().backward()
    >>> np.round(x.grad, 3)                  # sin(x) + x cos(x)
    array([0.582, 1.367])
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ...engine.state import grad_mode as _grad_mode
from ...engine.tensor_core import TensorCore
from . import names
from . import support as ns

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["NumpyInterop", "needs_gradient", "keeps_gradient", "conversion_message"]


class NumpyInterop:
    """numpy's override protocols for ``Tensor`` (see the module docstring)."""

    __slots__ = ()

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """``np.<ufunc>(..., t, ...)`` and ``ndarray (op) t``: the Tensor op, or a refusal."""
        if any(_foreign(x) for x in (*inputs, *kwargs.get("out", ()))):
            return NotImplemented  # another array type that overrides ufuncs: let it try
        return _dispatch_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(
        self,
        func: Callable[..., Any],
        types: Collection[type],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        """``np.<function>(..., t, ...)``: the Tensor op, the data, or a refusal."""
        if not all(issubclass(t, (TensorCore, np.ndarray)) for t in types):
            return NotImplemented
        return _dispatch_function(func, args, kwargs)


def keeps_gradient(t: Tensor) -> bool:
    """Whether ``t`` would lose a gradient or a tangent by becoming a plain array.

    True when ``t`` requires grad, whatever the grad mode (torch refuses ``.numpy()`` on such
    a tensor inside ``no_grad`` too), or carries a forward-mode tangent inside ``tm.jvp``.

    Example::

        >>> keeps_gradient(Tensor(np.ones(2), requires_grad=True))
        True
    """
    if t.requires_grad:
        return True
    tangents = _grad_mode.tangents
    return tangents is not None and id(t) in tangents


def needs_gradient(tensors: Iterable[Tensor]) -> bool:
    """Whether leaving the graph with these tensors would lose a gradient or a tangent.

    Example::

        >>> needs_gradient([Tensor(np.ones(2)), Tensor(np.ones(2), requires_grad=True)])
        True
    """
    return any(keeps_gradient(t) for t in tensors)


def conversion_message(target: str) -> str:
    """The refusal for an implicit conversion of a tensor that keeps a gradient to ``target``.

    Example::

        >>> conversion_message("a numpy array").startswith("can't convert")
        True
    """
    return (
        f"can't convert a Tensor that requires grad to {target}: the result would silently "
        f"drop its gradient (numpy.asarray(t), arr[...] = t, numpy on a list of Tensors, "
        f"ndarray.dot(t), ... all convert). Use t.detach().numpy() (or t.numpy()) to take "
        f"the data on purpose, or stay on the graph with Tensor ops (tm.stack([x, y]) for a "
        f"list of Tensors, W @ x for W.dot(x))"
    )


def _foreign(x: Any) -> bool:
    """An operand of another array library that has its own ufunc override."""
    override = getattr(type(x), "__array_ufunc__", None)
    return override is not None and not isinstance(x, (TensorCore, np.ndarray))


def _tensors(x: Any) -> list[Tensor]:
    """Every Tensor in ``x``, looking inside lists, tuples and dicts."""
    if isinstance(x, TensorCore):
        return [cast("Tensor", x)]
    if isinstance(x, (list, tuple)):
        return [t for i in x for t in _tensors(i)]
    if isinstance(x, dict):
        return [t for i in x.values() for t in _tensors(i)]
    return []


def _strip(x: Any) -> Any:
    """``x`` with every Tensor replaced by its data (lists, tuples and dicts rebuilt)."""
    if isinstance(x, TensorCore):
        return x.data
    if isinstance(x, (list, tuple)):
        return type(x)(_strip(i) for i in x)
    if isinstance(x, dict):
        return {k: _strip(v) for k, v in x.items()}
    return x


def _refuse_or_compute(label: str, tensors: list[Tensor], why: str, run: Callable[[], Any]) -> Any:
    """The policy for a numpy call with no op here: refuse if a gradient would be lost."""
    if needs_gradient(tensors):
        raise TypeError(
            f"{label} has no differentiable counterpart in tinygrad_mlp ({why}); on a "
            f"Tensor that requires grad it would drop the gradient. Write it with Tensor ops "
            f"(docs/ops.md lists them), or leave the graph on purpose: pass t.detach() or "
            f"t.detach().numpy() to compute on the data without a gradient"
        )
    return run()


def _dispatch_ufunc(
    ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kw: dict[str, Any]
) -> Any:
    name = ufunc.__name__
    label = name if method == "__call__" else f"{name}.{method}"
    if any(o is not None for o in kw.get("out", ())):
        raise TypeError(ns.OUT_MESSAGE.format(label, label))
    if method == "at":
        raise TypeError(
            f"numpy.{label} works in place, which a Tensor's graph cannot record; write it "
            f"with Tensor ops (x[index], where, ...), or use t.detach().numpy() to work on the data"
        )
    tensors = _tensors(inputs)
    try:
        if method == "__call__":
            if name in names.UFUNC_CONSTANT:
                ns.check_extras(label, kw, ())
                return tensors[0]._make_output(np.asarray(ufunc(*_strip(inputs))), False)
            return _call(name, label, inputs, kw, tensors[0])
        if method in ("reduce", "accumulate"):
            table = names.UFUNC_REDUCE if method == "reduce" else names.UFUNC_ACCUMULATE
            if name not in table:
                raise ns.NotMapped(f"no op for {label}")
            ns.check_extras(label, kw, ("axis", "keepdims", "dtype"))
            x = ns.as_tensor(inputs[0])
            if kw.get("dtype") is not None:
                x = x.astype(kw["dtype"])
            if method == "accumulate":
                return ns.method(x, table[name])(kw.get("axis", 0))
            # by keyword: numpy's axis= meaning, not torch's dim (max(dim) gives indices too)
            keep = bool(kw.get("keepdims", False))
            return ns.method(x, table[name])(axis=kw.get("axis", 0), keepdims=keep)
        raise ns.NotMapped(f"the ufunc method {method!r} has no counterpart")
    except ns.NotMapped as exc:
        why = str(exc)  # refused below, outside the handler: one clean traceback
    return _refuse_or_compute(
        f"numpy.{label}", tensors, why, lambda: getattr(ufunc, method)(*_strip(inputs), **kw)
    )


def _call(name: str, label: str, inputs: tuple[Any, ...], kw: dict[str, Any], like: Tensor) -> Any:
    """``ufunc(*inputs)`` as ``first.<ours>(*rest)``, the first operand lifted if needed."""
    ours = names.ufunc_methods(type(like)).get(name)
    if ours is None:
        raise ns.NotMapped("not in the table of numpy names")
    ns.check_extras(label, kw, ("dtype",))
    dtype = kw.get("dtype")
    if dtype is not None:  # numpy computes in dtype: cast every operand to it first
        inputs = tuple(ns.as_tensor(x).astype(dtype) for x in inputs)
    first = ns.as_tensor(inputs[0], like=like)
    # numbers go to the method as they are (it applies its own weak-scalar rule); arrays and
    # lists become Tensors here, where a list that holds Tensors is refused
    rest = [x if np.isscalar(x) else ns.as_tensor(x) for x in inputs[1:]]
    return ns.method(first, ours)(*rest)


def _dispatch_function(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    module = getattr(func, "__module__", None) or "numpy"
    name = func.__name__ if module == "numpy" else f"{module}.{func.__name__}"
    if name in names.NO_GRADIENT_FUNCTIONS:
        return func(*_strip(args), **_strip(kwargs))
    tensors = _tensors((args, kwargs))
    try:
        entry = names.FUNCTIONS.get(name)
        if entry is None:
            raise ns.NotMapped("not in the table of numpy names")
        ours, adapter = entry
        return adapter(name, ours, ns.bind(func, args, kwargs))
    except ns.NotMapped as exc:
        why = str(exc)
    label = f"numpy.{name}" if module == "numpy" else name
    return _refuse_or_compute(label, tensors, why, lambda: func(*_strip(args), **_strip(kwargs)))
