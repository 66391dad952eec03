"""How the program fuzzer describes one op (``OpSpec``); the ops themselves: ``program_ops``.

Example::

    >>> spec = OpSpec("exp", 1, lambda s: "{0}.exp()", lambda s: s[0])
    >>> spec.code(((2,),)).format("x0"), spec.shape(((2,),))
    ('x0.exp()', (2,))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Shape", "OpSpec"]

Shape = tuple[int, ...]
Code = Callable[[tuple[Shape, ...]], "str | None"]


@dataclass(frozen=True)
class OpSpec:
    """One op: ``code(shapes)`` gives its template (None: not for these shapes).

    - ``shape(shapes)``: the output's shape;
    - ``margin(*arrays)``: distance of the operands from the op's nearest kink or pole
      (inf if smooth everywhere on its guarded domain);
    - ``empty_ok``: defined on size-0 operands (a sum is; a mean or a max is not);
    - ``fresh``: torch keeps no reference to the output for backward, so the next line may
      update it in place (``+=``) in both libraries.
    """

    name: str
    arity: int
    code: Code
    shape: Callable[[tuple[Shape, ...]], Shape]
    margin: Callable[..., float] | None = None
    empty_ok: bool = True
    fresh: bool = False
