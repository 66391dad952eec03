"""What a fuzzed ``Program`` is checked against: torch's run of the same source, and the
region where finite differences are valid (values within ``BOUND``, operands ``MARGIN`` away
from every kink; programs outside it are rejected, never checked)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import reject

from .program_ops import OPS_BY_NAME
from .programs import MARGIN, Program, namespace

__all__ = [
    "BOUND", "Margins", "admissible", "as_float64", "torch_available", "torch_reference",
    "torch_run",
]  # fmt: skip

BOUND = 1e2  # values larger than this (or non-finite) make a program rejected


def torch_available() -> bool:
    """True when torch imports (the differential checks run; otherwise FD only)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def as_float64(t: Any) -> np.ndarray:
    """A Tensor's (tinygrad_mlp's or torch's) or an array's values as float64 numpy."""
    if hasattr(t, "detach"):
        return np.asarray(t.detach().numpy(), dtype=np.float64)
    return np.asarray(t, dtype=np.float64)


class Margins:
    """The hook a program calls before each op: how close it came to a kink, how large."""

    def __init__(self) -> None:
        self.closest = np.inf
        self.bounded = True

    def __call__(self, name: str, *operands: Any) -> None:
        arrays = [as_float64(o) for o in operands]
        self.bounded = self.bounded and all(
            bool(np.all(np.abs(a) <= BOUND))
            for a in arrays  # False for NaN too
        )
        margin = OPS_BY_NAME[name].margin
        if margin is not None:
            self.closest = min(self.closest, margin(*arrays))


def admissible(values: list[np.ndarray], margins: Margins) -> bool:
    """Whether a run stayed where finite differences are valid: every operand ``MARGIN``
    away from its op's kink, every value (``values`` too) finite and within ``BOUND``."""
    return (
        margins.closest >= MARGIN
        and margins.bounded
        and all(bool(np.all(np.abs(v) <= BOUND)) for v in values)
    )


def torch_run(p: Program, v: list[np.ndarray]) -> dict[str, Any]:
    """torch's value ("out"), leaf gradients ("grads") and Hessian-vector product along ``v``
    ("hv", None where torch lacks the double backward) of ``p``, in float64."""
    import torch

    ns = namespace("torch")
    margins = Margins()
    fn = p.function(ns, margins)
    xs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in p.leaves]
    out = fn(*xs)
    if not admissible([as_float64(out)], margins):
        reject()
    gs = torch.autograd.grad(out, xs, create_graph=True, allow_unused=True)
    s = sum(
        ((g * torch.tensor(vi)).sum() for g, vi in zip(gs, v, strict=True) if g is not None),
        torch.zeros((), dtype=torch.float64),
    )
    hv: list[np.ndarray] | None = [np.zeros_like(x) for x in p.leaves]
    if s.requires_grad:
        try:
            hs = torch.autograd.grad(s, xs, allow_unused=True)
        except RuntimeError as exc:  # torch lacks some double backwards (hardsigmoid's)
            if "not implemented" not in str(exc):
                raise
            hv = None  # second order then checked against differences only
        else:
            hv = [
                np.zeros_like(x) if h is None else h.detach().numpy(force=True)
                for h, x in zip(hs, p.leaves, strict=True)
            ]
    grads = [
        np.zeros_like(x) if g is None else g.detach().numpy(force=True)
        for g, x in zip(gs, p.leaves, strict=True)
    ]
    return {"out": float(out.detach()), "grads": grads, "hv": hv}


def torch_reference(p: Program, v: list[np.ndarray]) -> tuple[Any, Exception | None]:
    """torch's value, gradients and Hessian-vector product, or the error torch refused with."""
    try:
        return torch_run(p, v), None
    except Exception as exc:  # torch refuses the program (e.g. BCE of a NaN probability)
        if type(exc).__name__ in ("UnsatisfiedAssumption", "StopTest"):
            raise
        return None, exc
