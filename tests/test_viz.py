"""tm.viz: one DOT node per graph node (Tensor and scalar Value graphs), names, gradients,
clusters, and the pictures Graphviz draws from it (tests that need ``dot`` skip without it).

Expected node counts come from an independent walk (the engine's own toposort plus the
leaves it skips; for Values, the creation counter), never from to_dot itself.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor, nn
from tinygrad_mlp import functional as F
from tinygrad_mlp.engine.graph import toposort
from tinygrad_mlp.scalar import MLP as ScalarMLP
from tinygrad_mlp.scalar import Value, cross_entropy
from tinygrad_mlp.viz import GraphvizNotFoundError, draw, to_dot
from tinygrad_mlp.viz import graphviz as viz_graphviz

DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None, reason="Graphviz's dot program is not installed")

NODE = re.compile(r'^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)"', re.M)
EDGE = re.compile(r"^\s*(n\d+) -> (n\d+)(?: \[label=(\d+)\])?;", re.M)


def labels(src: str) -> dict[str, str]:
    """Node id -> label text (escaped newlines turned back into newlines)."""
    return {m[1]: m[2].replace("\\n", "\n") for m in NODE.finditer(src)}


def edges(src: str) -> list[tuple[str, str, str | None]]:
    return [(m[1], m[2], m[3]) for m in EDGE.finditer(src)]


def graphviz_counts(src: str) -> tuple[int, int]:
    """(nodes, edges) as Graphviz itself parses the source (``dot -Tplain``)."""
    assert DOT is not None
    out = subprocess.run([DOT, "-Tplain"], input=src.encode(), capture_output=True, check=True)
    lines = out.stdout.decode().splitlines()
    return sum(ln.startswith("node ") for ln in lines), sum(ln.startswith("edge ") for ln in lines)


def tensor_graph_size(root: Tensor) -> tuple[int, int]:
    """(nodes, edges) of the graph behind root, from the engine's toposort plus its leaves."""
    ops = toposort(root)
    leaves = {id(p) for t in ops for p in t._ctx.parents if p._ctx is None}  # type: ignore[union-attr]
    n_edges = sum(len(t._ctx.parents) for t in ops)  # type: ignore[union-attr, arg-type]
    return len(ops) + len(leaves), n_edges


def seed_network(batch: int = 4) -> tuple[nn.MLP, Tensor]:
    """The seed network N -> I relu -> J relu -> K (small sizes) and its mean cross-entropy."""
    rng = np.random.default_rng(0)
    model = nn.MLP(6, [5, 4], 3, rng=rng, dtype=np.float64)
    x = Tensor(rng.standard_normal((batch, 6)))
    return model, F.cross_entropy(model(x), rng.integers(0, 3, batch))


# --- the tensor graph ----------------------------------------------------------------


def test_seed_network_one_node_per_graph_node_with_parameter_names() -> None:
    model, loss = seed_network()
    src = to_dot(loss, params=model)
    n_nodes, n_edges = tensor_graph_size(loss)
    assert n_nodes == 11  # x, 6 parameters, LinearReLU, LinearReLU, Linear, CrossEntropy
    text = labels(src)
    assert len(text) == n_nodes and len(edges(src)) == n_edges
    titles = sorted(label.split("\n")[0] for label in text.values())
    names = [n for n, _ in model.named_parameters()]
    assert titles == sorted([*names, "const", "LinearReLU", "LinearReLU", "Linear", "CrossEntropy"])
    for name, p in model.named_parameters():  # a parameter's label carries its shape and dtype
        (label,) = [t for t in text.values() if t.startswith(name + "\n")]
        assert f"{p.shape} float64" in label


def test_edges_run_from_inputs_to_ops_with_argument_positions() -> None:
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 5.0]), requires_grad=True)
    src = to_dot((a - b).sum(), params={"a": a, "b": b})
    ids = {label.split("\n")[0]: i for i, label in labels(src).items()}
    assert set(edges(src)) == {(ids["a"], ids["Sub"], "0"), (ids["b"], ids["Sub"], "1"),
                               (ids["Sub"], ids["Sum"], None)}  # fmt: skip
    order = [int(i[1:]) for i in labels(src)]
    assert order == sorted(order)
    for tail, head, _ in edges(src):  # data-flow order: every input is numbered before its op
        assert int(tail[1:]) < int(head[1:])


def test_every_node_is_kept_dead_relu_inputs_constants_and_repeats() -> None:
    x = Tensor(np.array([-1.0, -2.0]), requires_grad=True)  # relu(x) = 0 everywhere
    y = (x * 2.0).relu()
    z = (y * y).sum()  # y used twice by one op: two edges
    src = to_dot(z)
    titles = [t.split("\n")[0] for t in labels(src).values()]
    assert sorted(titles) == sorted(["leaf", "const", "Mul", "ReLU", "Mul", "Sum"])
    assert (
        len(edges(src)) == tensor_graph_size(z)[1] == 6
    )  # x->Mul, 2->Mul, Mul->ReLU, 2 ReLU->Mul, Mul->Sum


def test_gradients_and_values_shown_when_asked() -> None:
    w = Tensor(np.array([1.5, -2.0]), requires_grad=True)
    loss = (w * w).sum()
    before = to_dot(loss, params={"w": w})
    assert "grad" not in before  # no gradient yet
    loss.backward(retain_graph=True)
    text = labels(to_dot(loss, params={"w": w}, show_data=True))
    (label,) = [t for t in text.values() if t.startswith("w\n")]
    assert "[1.5, -2]" in label and "grad [3, -4]" in label  # d/dw sum(w^2) = 2 w
    hidden = to_dot(loss, params={"w": w}, show_grad=False)
    assert "grad" not in hidden and "1.5" not in hidden


def test_large_arrays_are_summarised_by_range_and_mean() -> None:
    w = Tensor(np.arange(10.0), requires_grad=True)
    text = labels(to_dot(w * 1.0, params={"w": w}, show_data=True, max_values=4))
    (label,) = [t for t in text.values() if t.startswith("w\n")]
    assert "[0 .. 9] mean 4.5" in label


def test_cluster_boxes_each_module_with_the_ops_reading_it() -> None:
    model, loss = seed_network()
    src = to_dot(loss, params=model, cluster=True)
    blocks = re.findall(
        r"subgraph cluster_\d+ \{\n\s*label=\"([^\"]+)\";[^\n]*\n\s*([^\n]*)\n", src
    )
    text = labels(src)
    got = {title: sorted(text[i].split("\n")[0] for i in re.findall(r"n\d+", members))
           for title, members in blocks}  # fmt: skip
    assert got == {
        "0 (Linear)": ["0.bias", "0.weight", "LinearReLU"],
        "2 (Linear)": ["2.bias", "2.weight", "LinearReLU"],
        "4 (Linear)": ["4.bias", "4.weight", "Linear"],
    }


def test_freed_graph_is_a_clear_error() -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        to_dot(loss)


def test_bad_arguments_are_refused_with_the_reason() -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="Tensors or scalar Values"):
        to_dot([x, Value(1.0)])
    with pytest.raises(TypeError, match="params must be"):
        to_dot(x * 2, params=42)
    with pytest.raises(ValueError, match="rankdir"):
        to_dot(x * 2, rankdir="up")
    with pytest.raises(ValueError, match="nothing to draw"):
        to_dot([])


def test_a_chain_deeper_than_the_recursion_limit() -> None:
    x = Tensor(np.ones(1), requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0
    src = to_dot(y)
    assert len(labels(src)) == 1 + 3000 * 2  # x, then a constant 1.0 and a Mul per step


# --- the scalar graph ----------------------------------------------------------------


def test_scalar_expression_one_node_per_value() -> None:
    first = Value(0.0)._order  # Values are numbered in creation order
    a, b = Value(2.0), Value(-3.0)
    c = (a * b + a**2).tanh() + a / b - b.exp() * 0.5
    created = Value(0.0)._order - first - 1  # every Value made above, leaves included
    c.backward()
    src = to_dot(c, params={"a": a, "b": b})
    text = labels(src)
    assert len(text) == created == 11
    (label,) = [t for t in text.values() if t.startswith("a\n")]
    assert f"grad {a.grad:.4g}" in label and "data 2" in label
    # one edge per (node, parent) pair the Value records
    assert len(edges(src)) == sum(len(v._prev) for v in (c, *_all_values(c)))


def _all_values(root: Value) -> tuple[Value, ...]:
    seen: dict[int, Value] = {}
    stack = list(root._prev)
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen[id(v)] = v
            stack.extend(v._prev)
    return tuple(seen.values())


def test_scalar_mlp_names_every_weight_and_clusters_layers() -> None:
    net = ScalarMLP(2, [3], 2, rng=np.random.default_rng(1))
    for neuron in net.layers[0].neurons:
        neuron.b.data = 10.0  # every hidden ReLU active, so every weight takes part
    loss = cross_entropy(net([0.5, -1.0]), 1)
    src = to_dot(loss, params=net, cluster=True)
    titles = {t.split("\n")[0] for t in labels(src).values()}
    for name, arr in net.state_dict().items():  # "0.weight" (3, 2) -> "0.weight[k,j]"
        for idx in np.ndindex(arr.shape):
            assert f"{name}[{','.join(map(str, idx))}]" in titles
    assert 'label="0 (Layer)"' in src and 'label="2 (Layer)"' in src


def test_scalar_dead_relu_input_is_kept() -> None:
    a = Value(-2.0)
    z = a * 3.0  # z = -6
    r = z.relu() + 1.0
    assert len(labels(to_dot(r))) == 4  # a, z, relu, + (z is an input of the ReLU)


# --- pictures ------------------------------------------------------------------------


@needs_dot
def test_graphviz_parses_the_source_into_the_same_nodes_and_edges() -> None:
    model, loss = seed_network()
    for src in (to_dot(loss, params=model), to_dot(loss, params=model, cluster=True)):
        assert graphviz_counts(src) == tensor_graph_size(loss)
    net = ScalarMLP(2, [3], 2, rng=np.random.default_rng(1))
    sloss = cross_entropy(net([0.5, 1.0]), 0)
    ssrc = to_dot(sloss, params=net, cluster=True)
    assert graphviz_counts(ssrc) == (len(labels(ssrc)), len(edges(ssrc)))


@needs_dot
@pytest.mark.parametrize(
    "suffix, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF")]
)
def test_draw_writes_each_format(tmp_path, suffix: str, magic: bytes) -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    path = tmp_path / f"g{suffix}"
    draw((x * x).sum(), path)
    assert path.read_bytes().startswith(magic)


def test_draw_dot_source_needs_no_graphviz(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(viz_graphviz.shutil, "which", lambda name: None)
    x = Tensor(np.ones(2), requires_grad=True)
    draw((x * x).sum(), tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text() == to_dot((x * x).sum())
    with pytest.raises(GraphvizNotFoundError, match="install Graphviz"):
        draw((x * x).sum(), tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()


def test_draw_refuses_unknown_suffix_and_missing_folder(tmp_path) -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf, \.dot"):
        draw(x * 2, tmp_path / "g.jpg")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        draw(x * 2, tmp_path / "missing" / "g.dot")


def test_public_names() -> None:
    assert tm.viz.to_dot is to_dot and tm.viz.draw is draw
