"""Kernels written as source: compiled alone, or spliced into one function for a whole replay.

A fused kernel (``kernels``) is a few lines of Python over named objects (its slots, its
buffers, numpy's functions), written with a ``$`` before every name that belongs to the
kernel: ``$matmul($x.value, $w.value.T, out=$out)``. ``compiled`` turns them into a
function of no arguments (the kernel a plan calls); ``splice`` renames every ``$name`` of
kernel k to ``k{k}_name`` so that the lines of all kernels can run one after the other in
one generated function (``body``), without a Python call per kernel and per gradient
handed on: objects become that function's globals, the kernel's temporaries its locals.
A kernel without source (the generic ones, ``zero_grad``, the optimizer's step) is called.

``Plan.run`` and the generated entry (``entry.py``) run the same spliced lines, so the
replay that verification compares with the eager step is the code every later call runs.

Example::

    >>> import numpy as np
    >>> out = np.zeros(2)
    >>> k = compiled(Code(["$add($out, 1, out=$out)"], {"add": np.add, "out": out}))
    >>> k(); out
    array([1., 1.])
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .slots import Kernel

__all__ = ["Code", "compiled", "splice", "body"]

_NAME = re.compile(r"\$([A-Za-z_]\w*)")


class Code:
    """Source lines of a kernel (``$name`` for its own names) and the objects they name;
    ``raises``: the lines check the call's data and may refuse it (labels out of range)."""

    __slots__ = ("lines", "names", "raises")

    def __init__(self, lines: list[str], names: dict[str, Any], raises: bool = False) -> None:
        self.lines, self.names, self.raises = lines, names, raises


def splice(code: Code, prefix: str, ns: dict[str, Any], indent: str) -> list[str]:
    """``code``'s lines with ``$name`` renamed ``prefix + name`` and indented; its objects
    are added to ``ns`` under those names."""
    for name, value in code.names.items():
        ns[prefix + name] = value
    return [indent + _NAME.sub(lambda m: prefix + m.group(1), line) for line in code.lines]


def compiled(code: Code, label: str = "a kernel") -> Kernel:
    """``code`` as a function of no arguments (``run.code`` keeps it for ``body``)."""
    ns: dict[str, Any] = {}
    lines = ["def run():", *splice(code, "", ns, "    "), "    return None"]
    exec(compile("\n".join(lines) + "\n", f"<tm.jit {label}>", "exec"), ns)
    run: Kernel = ns["run"]
    run.code = code  # type: ignore[attr-defined]
    return run


def body(kernels: Sequence[Kernel], ns: dict[str, Any], indent: str) -> list[str]:
    """The lines running ``kernels`` in order: each one's source spliced in where it has
    some (``k{k}_`` names), else a call of it (``K{k}()``). Fills ``ns``."""
    lines: list[str] = []
    for k, kernel in enumerate(kernels):
        code: Code | None = getattr(kernel, "code", None)
        if code is None:
            ns[f"K{k}"] = kernel
            lines.append(f"{indent}K{k}()")
        else:
            lines += splice(code, f"k{k}_", ns, indent)
    return lines
