"""Anomaly mode finds the line that made the first NaN: a softmax written naively.

``naive_cross_entropy`` below computes softmax as e^z / sum e^z. It is correct on paper and
fine for small logits, but e^z overflows float64 once z passes about 709: inf / inf is NaN,
and the loss (and every gradient) becomes NaN with no hint of where. Under
``tm.detect_anomaly()`` the first op that turns finite numbers into inf or NaN raises
FloatingPointError naming the op and the line of this file that created it. The fix is the
shift every stable softmax uses: e^(z - max z), which is what ``F.cross_entropy`` does.

    python examples/anomaly_mode.py
"""

from __future__ import annotations

import numpy as np
from _common import options

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor

options(__doc__.splitlines()[0])


def naive_cross_entropy(z: Tensor, y: np.ndarray) -> Tensor:
    """-mean log softmax(z)[y], with the softmax written without the max shift (the bug)."""
    e = z.exp()  # overflows to inf for z > ~709
    p = e / e.sum(axis=1, keepdims=True)
    picked = p[np.arange(len(y)), y]
    return -picked.log().mean()


z = Tensor(np.array([[1.0, 2.0, 3.0], [800.0, 0.0, -5.0]]), requires_grad=True)
y = np.array([2, 0])

with np.errstate(all="ignore"):  # numpy's own warnings would only point into the library
    loss = naive_cross_entropy(z, y)
print(f"without anomaly mode: loss = {loss.item()}  (no hint where the NaN came from)")

try:
    with tm.detect_anomaly():
        loss = naive_cross_entropy(z, y)
except FloatingPointError as e:
    print(f"with anomaly mode:\n  FloatingPointError: {e}")
else:
    raise SystemExit("anomaly mode missed the overflow")

loss = F.cross_entropy(z, y)  # the stable form: log-sum-exp shifted by max z
loss.backward()
print(f"the stable F.cross_entropy: loss = {loss.item():.4f}, finite gradient: "
      f"{bool(np.isfinite(z.grad).all())}")  # fmt: skip
