"""Functions of one tensor under torch's names, made from its methods: F.sqrt, F.relu, ...

Every Tensor method that takes only the tensor, in the method tables of unary math and of
activations (``UnaryMathMethods``, ``ActivationMethods`` in ``tinygrad_mlp.engine.methods``),
is also a function here: ``F.expm1(x)`` is ``x.expm1()``, with the method's docstring (its
formula, derivative and example), after a check that ``x`` is a Tensor (a TypeError naming the
function otherwise). A new unary op needs its method and nothing here.

Where torch and numpy differ these follow torch: ``reciprocal`` of integers is a true
division (numpy's integer reciprocal rounds to 0). Otherwise dtypes follow numpy: a float32
input stays float32, an integer input of sqrt, sin, ... gives float64.

Static typing: the functions are made when the module is imported, so a type checker cannot
list them; a module ``__getattr__``, declared for type checkers only, types each one as
``Callable[[Tensor], Tensor]`` (``F.sqrt(x)`` is checked as returning a Tensor). The cost is
that a misspelt ``F.sqrtt`` is caught at run time (AttributeError), not by mypy; a stub file
would catch it but is one more hand-kept list of names, which this module exists to remove.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..engine.methods.activations import ActivationMethods
from ..engine.methods.unary import UnaryMathMethods
from ..engine.tensor import Tensor

METHOD_TABLES: tuple[type, ...] = (UnaryMathMethods, ActivationMethods)


def check_tensor(x: object, who: str) -> Tensor:
    """``x`` itself if it is a Tensor; otherwise a TypeError that names the function.

    Example::

        >>> check_tensor(3.0, "sqrt")
        Traceback (most recent call last):
        TypeError: sqrt: expected a Tensor, got float
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: expected a Tensor, got {type(x).__name__}")
    return x


def unary_method_names(tables: tuple[type, ...] = METHOD_TABLES) -> list[str]:
    """The public methods of ``tables`` whose only parameter is the tensor, in table order.

    Example::

        >>> "expm1" in unary_method_names() and "leaky_relu" not in unary_method_names()
        True
    """
    return [
        name
        for table in tables
        for name, member in vars(table).items()
        if not name.startswith("_")
        and inspect.isfunction(member)
        and list(inspect.signature(member).parameters) == ["self"]
    ]


def from_method(name: str) -> Callable[[Tensor], Tensor]:
    """``F.name``: the function ``x -> x.name()`` for a Tensor ``x``, with the method's docstring.

    Anything but a Tensor is refused with a TypeError that names the function.

    Example::

        >>> from_method("sqrt")(Tensor(np.array([4.0]))).numpy()
        array([2.])
    """
    method = getattr(Tensor, name)

    def function(x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
        return method(x)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = method.__doc__
    function.__module__ = __name__
    return function


__all__ = unary_method_names()
globals().update((name, from_method(name)) for name in __all__)

if TYPE_CHECKING:

    def __getattr__(name: str) -> Callable[[Tensor], Tensor]: ...
