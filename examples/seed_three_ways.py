"""The seed network's gradients three ways: by hand, by the engine, by the closed form.

The seed network is N -> I (ReLU) -> J (ReLU) -> K (softmax) with the mean cross-entropy
E = -(1/B) sum_b log a_{b, y_b}. Below, its backward pass is written out by hand in numpy,
line by line (docs/derivation.md derives each line), then the same gradients come from the
tensor engine (``loss.backward()``) and from the project's oracle, ``tm.closed_form``. All
three must agree to float64 round-off.

    python examples/seed_three_ways.py
"""

from __future__ import annotations

import numpy as np
from _common import options

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, nn

args = options(__doc__.splitlines()[0])
rng = np.random.default_rng(0)  # every random number below comes from this generator
N, I, J, K, B = (8, 6, 5, 3, 4) if args.fast else (64, 32, 16, 10, 32)  # noqa: E741 (seed names)
model = nn.MLP(N, [I, J], K, rng=rng, dtype=np.float64)  # W has shape (fan_out, fan_in)
x = rng.standard_normal((B, N))
y = rng.integers(0, K, B)
W1, b1, W2, b2, W3, b3 = (p.data for p in model.parameters())

# --- 1. by hand ------------------------------------------------------------------------
z1 = x @ W1.T + b1  # pre-activations of the first hidden layer, (B, I)
a1 = np.maximum(z1, 0.0)
z2 = a1 @ W2.T + b2  # (B, J)
a2 = np.maximum(z2, 0.0)
z3 = a2 @ W3.T + b3  # logits, (B, K)
p = np.exp(z3 - z3.max(axis=1, keepdims=True))  # softmax, shifted so exp cannot overflow
p /= p.sum(axis=1, keepdims=True)
t = np.eye(K)[y]  # one-hot targets
loss_hand = -np.log(p[np.arange(B), y]).mean()

d3 = (p - t) / B  # dE/dz3: softmax and cross-entropy together (seed eq. 3)
hand = {"4.weight": d3.T @ a2, "4.bias": d3.sum(axis=0)}
d2 = (d3 @ W3) * (z2 > 0)  # back through W3, then through the ReLU: relu'(z) = 1[z > 0]
hand |= {"2.weight": d2.T @ a1, "2.bias": d2.sum(axis=0)}
d1 = (d2 @ W2) * (z1 > 0)
hand |= {"0.weight": d1.T @ x, "0.bias": d1.sum(axis=0)}

# --- 2. by the engine ------------------------------------------------------------------
loss = F.cross_entropy(model(Tensor(x)), y)
loss.backward()  # fills p.grad of every parameter
engine = {name: p.grad for name, p in model.named_parameters()}

# --- 3. by the closed form (the project's oracle) --------------------------------------
params = [(W1, b1), (W2, b2), (W3, b3)]
loss_cf, pairs = tm.closed_form.loss_and_grads(params, x, y)
closed = {}
for layer, (dW, db) in zip((0, 2, 4), pairs, strict=True):
    closed |= {f"{layer}.weight": dW, f"{layer}.bias": db}

# --- compare ---------------------------------------------------------------------------
# Each gradient entry is a sum of at most a few hundred float64 products, computed in a
# different order by each method: they differ by round-off, ~1e-16 relative per operation.
# 1e-10 relative to the largest entry is far above that and far below any real mistake.
print(f"seed network {N}-{I}-{J}-{K}, batch {B}, float64")
print(f"loss: hand {loss_hand:.15f}  engine {loss.item():.15f}  closed form {loss_cf:.15f}")
print(f"{'parameter':<10} {'shape':<9} {'|hand-engine|':>14} {'|engine-closed|':>16}")
worst = 0.0
for name in hand:
    scale = max(np.abs(hand[name]).max(), 1e-300)
    e1 = np.abs(hand[name] - engine[name]).max()
    e2 = np.abs(engine[name] - closed[name]).max()
    worst = max(worst, e1 / scale, e2 / scale)
    print(f"{name:<10} {hand[name].shape!s:<9} {e1:>14.2e} {e2:>16.2e}")
agree = worst < 1e-10 and abs(loss_hand - loss.item()) < 1e-12 and abs(loss_cf - loss_hand) < 1e-12
print("all three agree" if agree else "DISAGREEMENT", f"(worst relative difference {worst:.1e})")
raise SystemExit(0 if agree else 1)
