"""Three interleaved spirals: train the seed network on them and draw its decision regions.

No straight line separates the spiral arms; two ReLU layers learn to. The script trains
``nn.MLP(2, [H, H], 3)`` with Adam, prints the accuracy, then colours every point of the
plane by the class the network picks there: a PNG with matplotlib
(``pip install 'tinygrad-mlp[plot]'``), and always a map in characters on the terminal.

    python examples/spirals.py [--out DIR]
"""

from __future__ import annotations

import os

import numpy as np
from _common import options

import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, data, nn, no_grad, optim

args = options(__doc__.splitlines()[0])
rng = np.random.default_rng(0)
hidden, epochs = (16, 20) if args.fast else (64, 150)

x, y = data.make_spirals(100, 3, noise=0.2, rng=rng)  # (300, 2) points, labels 0, 1, 2
x_test, y_test = data.make_spirals(100, 3, noise=0.2, rng=rng)  # fresh noise: unseen points
model = nn.MLP(2, [hidden, hidden], 3, rng=rng, dtype=np.float64)
opt = optim.Adam(model.parameters(), lr=0.01)

for epoch in range(1, epochs + 1):
    for xb, yb in data.batches(x, y, 32, rng):  # a fresh shuffle each epoch
        loss = F.cross_entropy(model(Tensor(xb)), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    if epoch % max(1, epochs // 5) == 0:
        with no_grad():  # evaluation only: no graph
            acc = (model(Tensor(x)).data.argmax(axis=1) == y).mean()
            test = (model(Tensor(x_test)).data.argmax(axis=1) == y_test).mean()
        print(f"epoch {epoch:4d}  loss {loss.item():.4f}  accuracy train {100 * acc:5.1f}%, "
              f"test {100 * test:5.1f}%")  # fmt: skip


def predict(points: np.ndarray) -> np.ndarray:
    """The class the network picks at each point (no graph is recorded)."""
    with no_grad():
        return model(Tensor(points)).data.argmax(axis=1)


# The decision regions in characters: one per cell of a 60 x 24 grid over [-1.2, 1.2]^2.
cols, rows = 60, 24
gx, gy = np.meshgrid(np.linspace(-1.2, 1.2, cols), np.linspace(1.2, -1.2, rows))
regions = predict(np.stack([gx.ravel(), gy.ravel()], axis=1)).reshape(rows, cols)
print("decision regions (. + o for classes 0 1 2):")
for row in regions:
    print("  " + "".join(".+o"[c] for c in row))

try:
    import matplotlib

    matplotlib.use("Agg")  # no window: write a file
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no figure (pip install 'tinygrad-mlp[plot]')")
else:
    fine = np.linspace(-1.2, 1.2, 300)
    fx, fy = np.meshgrid(fine, fine)
    classes = predict(np.stack([fx.ravel(), fy.ravel()], axis=1)).reshape(fx.shape)
    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    colours = ["tab:blue", "tab:orange", "tab:green"]  # class c: region and points alike
    ax.contourf(fx, fy, classes, levels=[-0.5, 0.5, 1.5, 2.5], colors=colours, alpha=0.25)
    ax.scatter(x[:, 0], x[:, 1], c=[colours[c] for c in y], s=10)
    ax.set(title="spirals: decision regions of the seed network", aspect="equal")
    path = os.path.join(args.out, "spirals.png")
    fig.savefig(path)
    print(f"figure: {path}")
