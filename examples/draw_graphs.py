"""Draw two graphs: one neuron of the scalar engine, and the seed network on tensors.

``tm.viz.to_dot`` gives Graphviz's DOT source for the graph behind a scalar ``Value`` or a
``Tensor``: one box per node (an op with its output shape and dtype, or a leaf with its
parameter name), arrows from inputs to the ops that use them, gradients where they exist.
``tm.viz.draw`` writes a picture when Graphviz's ``dot`` program is installed
(``apt install graphviz`` / ``brew install graphviz``); the .dot files are written always.

    python examples/draw_graphs.py [--out DIR]
"""

from __future__ import annotations

import os
import shutil

import numpy as np
from _common import options

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, nn
from tinygrad_mlp.scalar import Value

args = options(__doc__.splitlines()[0])
have_dot = shutil.which("dot") is not None
written = []

# --- 1. a scalar graph: one neuron, a = tanh(w1 x1 + w2 x2 + b), every number a node ----
w1, w2, b = Value(0.5), Value(-1.5), Value(0.25)
x1, x2 = Value(2.0), Value(0.5)
a = (w1 * x1 + w2 * x2 + b).tanh()
a.backward()  # fills .grad of every node: the drawing shows data and grad of each
names = {"w1": w1, "w2": w2, "b": b, "x1": x1, "x2": x2}
for suffix in (".dot", ".svg") if have_dot else (".dot",):
    path = os.path.join(args.out, "neuron" + suffix)
    tm.viz.draw(a, path, params=names, rankdir="LR")
    written.append(path)
print(f"neuron: a = {a.data:.4f}, da/dw1 = {w1.grad:.4f} (= x1 (1 - a^2))")

# --- 2. a tensor graph: the seed network and its loss, parameters named, layers boxed ----
rng = np.random.default_rng(0)
sizes = (8, 6, 5, 3) if args.fast else (64, 32, 16, 10)
model = nn.MLP(sizes[0], list(sizes[1:-1]), sizes[-1], rng=rng, dtype=np.float64)
x = Tensor(rng.standard_normal((4, sizes[0])))
loss = F.cross_entropy(model(x), rng.integers(0, sizes[-1], 4))
loss.backward(retain_graph=True)  # keep the graph, to draw it with its gradients
for suffix in (".dot", ".svg") if have_dot else (".dot",):
    path = os.path.join(args.out, "seed_network" + suffix)
    tm.viz.draw(loss, path, params=model, cluster=True)
    written.append(path)
print(tm.viz.to_dot(loss, params=model, show_grad=False))  # the source, as text

print("wrote " + ", ".join(written))
if not have_dot:
    print("Graphviz's dot is not installed: only .dot files (render: dot -Tsvg f.dot -o f.svg)")
