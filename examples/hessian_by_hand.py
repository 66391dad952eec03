"""A Hessian derived by hand, checked with ``tm.hessian``: cross-entropy of softmax logits.

For one sample with logits z (K of them) and label y, the loss is
    E(z) = log sum_c e^{z_c} - z_y.
Its gradient is p - e_y, where p = softmax(z) and e_y the one-hot label (seed eq. 3 with
B = 1). Differentiating p_k = e^{z_k} / sum_c e^{z_c} once more:
    dp_k/dz_j = p_k [k = j] - p_k p_j,
so the Hessian is
    H = diag(p) - p p^T,
which does not depend on y. Two facts follow and are checked below: H is symmetric and
positive semi-definite (E is convex in z), and H 1 = p - p (sum p) = 0: adding the same
number to every logit changes nothing, so that direction has zero curvature.

``tm.hessian`` gets H by differentiating the engine's gradient a second time (reverse over
reverse); ``tm.hvp`` gets H v without forming H.

    python examples/hessian_by_hand.py
"""

from __future__ import annotations

import numpy as np
from _common import options

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor

args = options(__doc__.splitlines()[0])
rng = np.random.default_rng(0)
K = 4 if args.fast else 10
z = rng.standard_normal(K)
y = 2


def loss(logits: Tensor) -> Tensor:
    """E(z) for one sample: the engine's cross-entropy on a batch of one."""
    return F.cross_entropy(logits.reshape(1, K), np.array([y]))


p = np.exp(z - z.max())
p /= p.sum()
H_hand = np.diag(p) - np.outer(p, p)  # the derivation above
H_engine = tm.hessian(loss, z)

# Both are computed from the same p up to round-off in a handful of float64 operations per
# entry (~1e-16 relative); 1e-12 is far above that and far below any wrong derivative.
err = np.abs(H_hand - H_engine).max()
print(f"logits z ({K}): {np.array2string(z, precision=3)}")
print(f"max |H_hand - H_engine| = {err:.2e}")
eig = np.linalg.eigvalsh(H_hand)
print(f"eigenvalues of H: smallest {eig[0]:.2e} (the direction 1), largest {eig[-1]:.3f}")
print(f"|H 1| = {np.abs(H_engine @ np.ones(K)).max():.2e}  (shifting all logits: no curvature)")

v = rng.standard_normal(K)
(Hv,) = tm.hvp(loss, [z], [v])  # H v without forming H
err_v = np.abs(Hv - H_hand @ v).max()
print(f"max |hvp(v) - H_hand v| = {err_v:.2e}")

ok = err < 1e-12 and err_v < 1e-12 and eig[0] > -1e-12 and np.allclose(H_engine, H_engine.T)
print("the hand-derived Hessian matches" if ok else "MISMATCH")
raise SystemExit(0 if ok else 1)
