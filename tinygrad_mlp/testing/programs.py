"""Random PROGRAMS for differential testing: users compose ops, so the fuzzer does too.

A ``Program`` is 2-4 leaves (shapes that broadcast against each other, including (),
(1,) and size-0 axes) and 3-25 lines of PyTorch-style source, each applying one op of
``program_ops`` to values drawn from ALL earlier values (a leaf may feed several ops, a
node may be used twice by one op), with Python scalars mixed in, in-place updates (``+=``,
``*=``) of fresh non-leaf values, reductions down to 0-d that later broadcast back up, and a
final weighted sum to a scalar. The same source runs on tinygrad_mlp and on torch, and
``Program.source`` prints it as a runnable reproducer.

Example::

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=1, derandomize=True, database=None)
    ... @given(programs())
    ... def show(p):
    ...     assert "backward" in p.source()
    >>> show()
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as hs

from .program_ops import FAMILIES, Shape
from .strategies import seeds

__all__ = ["Line", "Program", "programs", "namespace", "MARGIN"]

MARGIN = 1e-3  # every kinked op's operands stay this far from its kinks (see Program.run)


@dataclass(frozen=True)
class Line:
    """``target = code`` (or ``target op= code`` when ``inplace``), with ``op`` for margins."""

    target: str
    code: str
    op: str = ""
    args: tuple[str, ...] = ()
    inplace: str = ""


@dataclass(frozen=True)
class Program:
    """Leaves (float64 arrays), lines, and the name of the final 0-d value ``out``."""

    leaves: tuple[np.ndarray, ...]
    lines: tuple[Line, ...]

    @property
    def names(self) -> list[str]:
        return [f"x{i}" for i in range(len(self.leaves))]

    def body(self) -> list[str]:
        out = []
        for ln in self.lines:
            op = f" {ln.inplace}= " if ln.inplace else " = "
            out.append(f"{ln.target}{op}{ln.code}")
        return out

    def function(self, ns: Any, hook: Callable[..., None] | None = None) -> Callable[..., Any]:
        """The program as a Python function of its leaves, in library namespace ``ns``.

        ``hook(op_name, *operands)`` runs before each op line (the fuzzer's margin check).
        """
        src = [f"def program({', '.join(self.names)}):"]
        for ln, text in zip(self.lines, self.body(), strict=True):
            if hook is not None and ln.op:
                src.append(f"    _hook({ln.op!r}, {', '.join(ln.args)})")
            src.append(f"    {text}")
        src.append("    return out")
        env = {"np": np, "tm": ns.tm, "F": ns.F, "w": ns.tensor, "_hook": hook}
        exec(compile("\n".join(src), "<program>", "exec"), env)  # our own source
        fn: Callable[..., Any] = env["program"]
        return fn

    def source(self) -> str:
        """A runnable reproducer: the leaves' exact values, the program, its gradients printed
        for tinygrad_mlp and, when torch imports, for torch (the same lines)."""
        leaves = []
        for x in self.leaves:
            vals = np.array2string(x, floatmode="unique", separator=", ", threshold=10**6)
            leaves.append(f"    np.array({vals}).reshape({x.shape}),")
        names = ", ".join(self.names)
        return "\n".join([
            "import types",
            "import numpy as np",
            "import tinygrad_mlp as tm",
            "import tinygrad_mlp.functional as F",
            "",
            f"def program(tm, F, w, {names}):",
            *(f"    {line}" for line in self.body()),
            "    return out",
            "",
            "leaves = [",
            *leaves,
            "]",
            "xs = [tm.Tensor(a, requires_grad=True) for a in leaves]",
            "out = program(tm, F, tm.Tensor, *xs)",
            "out.backward()",
            "print('tinygrad_mlp', out.item(), [None if x.grad is None else np.asarray(x.grad)"
            " for x in xs])",
            "try:",
            "    import torch",
            "except ImportError:",
            "    torch = None",
            "if torch is not None:",
            "    TF = types.SimpleNamespace(**vars(torch.nn.functional), where=torch.where)",
            "    ts = [torch.tensor(a, requires_grad=True) for a in leaves]",
            "    out = program(torch, TF, lambda a: torch.tensor(np.asarray(a)), *ts)",
            "    out.backward()",
            "    print('torch', out.item(), [None if t.grad is None else t.grad.numpy()"
            " for t in ts])",
        ])


def namespace(lib: str) -> Any:
    """What a program's names mean in ``lib`` ("tinygrad_mlp" or "torch"): tm, F, w."""
    if lib == "torch":
        import torch

        F = types.SimpleNamespace(**vars(torch.nn.functional))
        F.where = torch.where

        def tensor(a: Any) -> Any:
            return torch.tensor(np.asarray(a), dtype=torch.float64)

        return types.SimpleNamespace(tm=torch, F=F, tensor=tensor)
    from .. import functional
    from ..tensor import Tensor

    return types.SimpleNamespace(tm=__import__("tinygrad_mlp"), F=functional, tensor=Tensor)


def _leaf_shapes(draw: Any, n: int) -> list[Shape]:
    ndim = draw(hs.sampled_from([0, 0, 1, 2, 3]))  # 0-d often: scalars are what users try
    side = hs.integers(0, 3) if draw(hs.integers(0, 9)) == 0 else hs.integers(1, 3)
    base = tuple(draw(side) for _ in range(ndim))
    out = []
    for _ in range(n):
        kind = draw(hs.sampled_from(["base", "ones", "suffix", "scalar", "one"]))
        if kind == "base":
            out.append(base)
        elif kind == "ones":  # some axes of size 1: broadcast
            out.append(tuple(1 if draw(hs.booleans()) else d for d in base))
        elif kind == "suffix":
            out.append(base[draw(hs.integers(0, ndim)):])
        else:
            out.append(() if kind == "scalar" else (1,))
    return out


def _weights(shape: Shape) -> str:
    """A fixed, non-symmetric weight for the final sum (a transposed gradient shows)."""
    n = math.prod(shape)
    return f"w(np.linspace(0.5, 1.5, {n}).reshape({shape}))" if n > 1 else ""


@hs.composite
def programs(draw: Any, min_ops: int = 3, max_ops: int = 25, scalars: bool = False) -> Program:
    """Random programs (see the module doc); hypothesis shrinks them line by line.

    ``scalars=True``: 0-d leaves only and mostly arithmetic (what users try first, and where
    a gradient buffer shared between two 0-d leaves hides).
    """
    n_leaves = draw(hs.integers(2, 4))
    shapes = [()] * n_leaves if scalars else _leaf_shapes(draw, n_leaves)
    pool = (FAMILIES[0], FAMILIES[0], FAMILIES[1]) if scalars else (*FAMILIES, FAMILIES[1])
    leaves = []
    for shape in shapes:
        rng = np.random.default_rng(draw(seeds))
        leaves.append(rng.uniform(0.2, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape))
    values: list[tuple[str, Shape]] = [(f"x{i}", s) for i, s in enumerate(shapes)]
    lines: list[Line] = []
    fresh = ""
    for k in range(draw(hs.integers(min_ops, max_ops))):
        family = draw(hs.sampled_from(pool))  # elementwise twice: the most ops
        # rotated by the line number: hypothesis favours index 0, and without the rotation
        # its favourite would be the same op on every line (shrinking still goes to index 0)
        op = family[(draw(hs.integers(0, len(family) - 1)) + 7 * k) % len(family)]
        # a leaf (leaves feeding several ops: where accumulation bugs hide), the newest value
        # (users chain), or any earlier value
        pick = draw(hs.integers(0, 3))
        a = values[-1] if pick == 0 else draw(
            hs.sampled_from(values[:n_leaves] if pick == 1 else values)
        )
        args = [a]
        if op.arity == 2:  # the second operand: the first again, a leaf, or any value
            pick2 = draw(hs.integers(0, 3))
            args.append(a if pick2 == 0 else draw(
                hs.sampled_from(values[:n_leaves] if pick2 == 1 else values)
            ))
        arg_shapes = tuple(s for _, s in args)
        code = op.code(arg_shapes)
        if code is None or (not op.empty_ok and any(0 in s for s in arg_shapes)):
            continue
        # an in-place update of the value made by the previous line, nobody's operand yet
        if fresh and op.arity == 2 and draw(hs.integers(0, 5)) == 0:
            target = values[-1]
            # not v *= v: torch's in-place mul saves its other operand, then overwrites it
            own = op.name == "mul" and args[1][0] == target[0]
            if op.name in ("add", "mul", "sub") and not own and _bcast_into(arg_shapes[1],
                                                                             target[1]):
                sign = {"add": "+", "mul": "*", "sub": "-"}[op.name]
                lines.append(Line(target[0], args[1][0], inplace=sign))
                fresh = ""
                continue
        name = f"v{k}"
        names = tuple(n for n, _ in args)
        lines.append(Line(name, code.format(*names), op.name, names))
        values.append((name, op.shape(arg_shapes)))
        fresh = name if op.fresh else ""
    # the final scalar sums every sink (a value no line used), so no line is dead code
    used = {a for ln in lines for a in ln.args} | {ln.code for ln in lines if ln.inplace}
    sinks = [(n, s) for n, s in values[n_leaves:] if n not in used] or [values[-1]]
    # in a drawn order: the engine's backward visits the terms in this order, and a gradient
    # buffer shared between two leaves shows only when one of them is reached first
    sinks = draw(hs.permutations(sinks[::-1]))
    (last, shape), rest = sinks[0], sinks[1:]
    weight = _weights(shape)
    terms = [f"({last} * {weight}).sum()" if weight else f"{last}.sum()"]
    for name, s in rest:
        terms.append(f"{name}.mean()" if 0 not in s and draw(hs.booleans()) else f"{name}.sum()")
    final = " + ".join(terms)
    lines.append(Line("out", final))
    return Program(tuple(leaves), tuple(lines))


def _bcast_into(src: Shape, dst: Shape) -> bool:
    try:
        return tuple(np.broadcast_shapes(src, dst)) == dst
    except ValueError:
        return False
