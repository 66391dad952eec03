"""Seeing the graph: DOT source for a Tensor's or a scalar Value's graph, and pictures of it.

- ``walk``: the graph as a flat list of nodes, inputs first, with parameter names;
- ``dot``: ``to_dot``, the Graphviz source;
- ``graphviz``: ``draw``, a .svg/.png/.pdf through Graphviz's ``dot`` program when it
  is installed (the library itself needs numpy alone), and ``show``, a ``Drawing`` that
  Jupyter displays inline (``draw`` returns one too).

Example::

    >>> model = tm.nn.MLP(4, [3], 2, rng=np.random.default_rng(0), dtype=np.float64)
    >>> loss = F.cross_entropy(model(Tensor(np.ones((2, 4)))), np.array([0, 1]))
    >>> src = tm.viz.to_dot(loss, params=model, cluster=True)
    >>> "0.weight" in src and "LinearReLU" in src and "CrossEntropy" in src
    True
"""

from .dot import to_dot
from .graphviz import FORMATS, Drawing, GraphvizNotFoundError, draw, show

__all__ = ["to_dot", "draw", "show", "Drawing", "GraphvizNotFoundError", "FORMATS"]
