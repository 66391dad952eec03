"""The scalar seed network: same gradients as the tensor engine and the closed form, weights
moving between the engines, softmax and cross-entropy, input errors, and its commands."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

import tinygrad_mlp.functional as F
import tinygrad_mlp.scalar.functional as SF
from tinygrad_mlp import Tensor, closed_form, nn
from tinygrad_mlp.cli import main
from tinygrad_mlp.scalar import MLP as ScalarMLP
from tinygrad_mlp.scalar import Value, cross_entropy, log_softmax, softmax
from tinygrad_mlp.testing import assert_grads_close

from . import strategies as st

# The three compute the same products and sums in float64 in other orders (the scalar engine
# adds bias first and one product at a time; numpy's matmul uses pairwise/blocked sums): the
# difference is a few ulps (1.1e-16) times the number of terms (<= 8 * 8 * batch 8), relative
# to the largest term; 1e-12 of the largest gradient entry leaves a margin of about 10.
RTOL = 1e-12


def scalar_grads(net: st.SeedNetwork) -> tuple[float, list[np.ndarray]]:
    model = ScalarMLP(net.sizes[0], net.sizes[1:-1], net.sizes[-1], np.random.default_rng(0))
    model.load_state_dict(net.state_dict)
    loss = cross_entropy([model(row) for row in net.x], net.target)
    loss.backward()
    grads = model.grad_dict()
    return loss.data, [grads[name] for name in net.state_dict]


def tensor_grads(net: st.SeedNetwork) -> tuple[float, list[np.ndarray]]:
    model = nn.MLP(net.sizes[0], net.sizes[1:-1], net.sizes[-1], np.random.default_rng(0),
                   dtype=np.float64)  # fmt: skip
    model.load_state_dict(net.state_dict)
    loss = F.cross_entropy(model(Tensor(net.x)), net.target)
    loss.backward()
    return loss.item(), [p.grad for p in model.parameters()]


@given(st.seed_networks(depth=(1, 3)))
def test_scalar_engine_equals_tensor_engine_and_closed_form(net):
    loss, grads = scalar_grads(net)
    t_loss, t_grads = tensor_grads(net)
    ref_loss, ref = closed_form.loss_and_grads(net.params, net.x, net.target)
    names = list(net.state_dict)
    assert loss == pytest.approx(ref_loss, rel=1e-13, abs=1e-15)  # one sum of B*K terms
    assert loss == pytest.approx(t_loss, rel=1e-13, abs=1e-15)
    assert_grads_close(grads, [g for pair in ref for g in pair], rtol=RTOL, names=names)
    assert_grads_close(grads, t_grads, rtol=RTOL, names=names)


@given(st.seed_networks(max_batch=1))
def test_one_sample_with_an_int_label_or_a_probability_vector(net):
    model = ScalarMLP(net.sizes[0], net.sizes[1:-1], net.sizes[-1], np.random.default_rng(0))
    model.load_state_dict(net.state_dict)
    target = net.target[0]  # an int label or one probability row
    loss = SF.cross_entropy(model(net.x[0]), int(target) if np.ndim(target) == 0 else target)
    loss.backward()
    ref_loss, ref = closed_form.loss_and_grads(net.params, net.x, net.target)
    assert loss.data == pytest.approx(ref_loss, rel=1e-13, abs=1e-15)
    grads = model.grad_dict()
    assert_grads_close([grads[n] for n in net.state_dict], [g for p in ref for g in p], rtol=RTOL)


def test_neuron_k_of_layer_l_holds_W_kj_and_b_k_and_their_gradients():
    rng = np.random.default_rng(3)
    tensor_model = nn.MLP(3, [4, 5], 2, rng=rng, dtype=np.float64)
    for p in tensor_model.parameters():
        p.data += 0.1 * rng.standard_normal(p.shape)
    net = ScalarMLP(3, [4, 5], 2, rng=np.random.default_rng(0))
    net.load_state_dict(tensor_model.state_dict())
    x = rng.standard_normal((4, 3))
    y = np.array([0, 1, 1, 0])
    F.cross_entropy(tensor_model(Tensor(x)), y).backward()
    cross_entropy([net(row) for row in x], y).backward()
    for i, linear in enumerate(tensor_model.layers[::2]):
        for k in range(linear.fan_out):
            neuron = net.layers[i].neurons[k]
            assert neuron.b.data == linear.bias.data[k]
            assert neuron.b.grad == pytest.approx(linear.bias.grad[k], rel=1e-12, abs=1e-15)
            for j in range(linear.fan_in):
                assert neuron.w[j].data == linear.weight.data[k, j]
                assert neuron.w[j].grad == pytest.approx(
                    linear.weight.grad[k, j],
                    rel=1e-12,
                    abs=1e-15,  # see RTOL
                )


def test_same_seed_same_initial_weights_as_nn_mlp():
    net = ScalarMLP(5, [4, 3], 2, rng=np.random.default_rng(11))
    model = nn.MLP(5, [4, 3], 2, rng=np.random.default_rng(11), dtype=np.float64)
    ours, theirs = net.state_dict(), model.state_dict()
    assert list(ours) == list(theirs) == ["0.weight", "0.bias", "2.weight", "2.bias",
                                          "4.weight", "4.bias"]  # fmt: skip
    for name in ours:
        assert ours[name].dtype == np.float64
        np.testing.assert_array_equal(ours[name], theirs[name])


def test_state_dict_moves_both_ways_exactly():
    rng = np.random.default_rng(5)
    model = nn.MLP(4, [3], 2, rng=rng, dtype=np.float64)
    net = ScalarMLP(4, [3], 2, rng=rng)  # other weights
    net.load_state_dict(model.state_dict())
    for name, arr in model.state_dict().items():
        np.testing.assert_array_equal(net.state_dict()[name], arr)
    for p in net.parameters():
        p.data += 1.0
    model.load_state_dict(net.state_dict())
    for name, arr in net.state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[name], arr)
    assert len(net.parameters()) == sum(a.size for a in net.state_dict().values())


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda s: s.pop("2.bias"), KeyError, r"missing keys \['2.bias'\]"),
        (lambda s: s.update(extra=np.zeros(1)), KeyError, r"unexpected keys \['extra'\]"),
        (lambda s: s.update({"2.weight": np.zeros((3, 2))}), ValueError, r"shape \(3, 2\)"),
        (lambda s: s.update({"2.bias": np.zeros(2, complex)}), TypeError, "complex"),
    ],
)
def test_load_state_dict_refuses_and_changes_nothing(change, error, match):
    net = ScalarMLP(4, [3], 2, rng=np.random.default_rng(0))
    before = net.state_dict()
    state = {k: v + 1.0 for k, v in before.items()}
    change(state)
    with pytest.raises(error, match=match):
        net.load_state_dict(state)
    for name, arr in net.state_dict().items():
        np.testing.assert_array_equal(arr, before[name])


def test_zero_grad_and_parameters_order():
    net = ScalarMLP(2, [2], 2, rng=np.random.default_rng(0))
    cross_entropy(net([1.0, 2.0]), 1).backward()
    assert any(p.grad != 0.0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad == 0.0 for p in net.parameters())
    first = net.layers[0]
    assert net.parameters()[:6] == [*first.neurons[0].w, *first.neurons[1].w,
                                    first.neurons[0].b, first.neurons[1].b]  # fmt: skip


# --- softmax and cross-entropy -----------------------------------------------------------


@given(st.logits(batch=hs.just(1)))
def test_softmax_and_log_softmax_match_numpy_without_overflow(z):
    row = z[0] * 100  # logits up to 1000: e^1000 would overflow without the max shift
    values = [Value(float(v)) for v in row]
    shifted = row - row.max()
    expected_log = shifted - np.log(np.exp(shifted).sum())
    # the same stable formula in another summation order: a few ulps of |log a| <= ~2000
    np.testing.assert_allclose([v.data for v in log_softmax(values)], expected_log,
                               rtol=1e-13, atol=1e-12)  # fmt: skip
    np.testing.assert_allclose([v.data for v in softmax(values)], np.exp(expected_log),
                               rtol=1e-12, atol=1e-300)  # fmt: skip


def test_cross_entropy_derivative_is_a_minus_t_for_one_sample():
    z = [Value(1.0), Value(-0.5), Value(2.0)]
    cross_entropy(z, [0.2, 0.3, 0.5]).backward()
    a = np.exp([1.0, -0.5, 2.0]) / np.exp([1.0, -0.5, 2.0]).sum()
    # eq. 3: dE/dz_k = a_k - t_k; a few float ops from the closed form
    np.testing.assert_allclose([v.grad for v in z], a - [0.2, 0.3, 0.5], rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize(
    ("logits", "target", "error", "match"),
    [
        ([1.0, 2.0], 2, ValueError, r"label 2 is out of range for 2 classes"),
        ([1.0, 2.0], -1, ValueError, r"label -1 is out of range"),
        ([1.0, 2.0], [0.5, 0.25, 0.25], ValueError, "has 3 entries, logits have 2"),
        ([1.0, 2.0], [1.5, -0.5], ValueError, "finite and non-negative"),
        ([1.0, 2.0], "a", TypeError, "int label or 2 probabilities"),
        ([[1.0, 2.0], [0.0, 1.0]], [0, 2], ValueError, "label 2 of sample 1 is out of range"),
        ([[1.0, 2.0], [0.0, 1.0]], [0], ValueError, "2 samples but 1 targets"),
        ([], 0, ValueError, "logits are empty"),
    ],
)
def test_cross_entropy_bad_targets(logits, target, error, match):
    def wrap(v):
        return [wrap(u) for u in v] if isinstance(v, list) else Value(v)

    with pytest.raises(error, match=match):
        cross_entropy(wrap(logits), target)


def test_cross_entropy_logits_must_be_values():
    with pytest.raises(TypeError, match="logits must be Values, got float"):
        cross_entropy([1.0, 2.0], 0)


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        ([1.0, 2.0], ValueError, "expects 3 inputs, got 2"),
        (np.zeros((2, 3)), ValueError, r"one sample .* shape \(2, 3\)"),
        (1.0, TypeError, "single number"),
        (["a", 1.0, 2.0], TypeError, "got str"),
    ],
)
def test_network_input_errors(x, error, match):
    net = ScalarMLP(3, [2], 2, rng=np.random.default_rng(0))
    with pytest.raises(error, match=match):
        net(x)


def test_network_takes_values_as_inputs_and_differentiates_them():
    net = ScalarMLP(2, [3], 2, rng=np.random.default_rng(1))
    x = [Value(0.3), 0.7]  # one input a Value, one a constant
    cross_entropy(net(x), 0).backward()
    model = nn.MLP(2, [3], 2, rng=np.random.default_rng(1), dtype=np.float64)
    xt = Tensor(np.array([[0.3, 0.7]]), requires_grad=True)
    F.cross_entropy(model(xt), np.array([0])).backward()
    assert x[0].grad == pytest.approx(xt.grad[0, 0], rel=1e-12)  # see RTOL


# --- commands ------------------------------------------------------------------------------


def test_gradcheck_engine_both_adds_the_scalar_column(capsys):
    assert main(["gradcheck", "--engine", "both"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "scalar vs closed" in lines[1] and "engine vs closed" in lines[1]
    rows = [line.split() for line in lines if line.endswith("PASS")]
    assert len(rows) == 6 and all(float(r[4]) < 1e-12 for r in rows)


def test_gradcheck_engine_scalar_and_default_table(capsys):
    assert main(["gradcheck", "--engine", "scalar"]) == 0
    head = capsys.readouterr().out.splitlines()[1]
    assert "scalar vs closed" in head and "scalar vs FD" in head and "engine" not in head
    main(["gradcheck"])
    default = capsys.readouterr().out
    main(["gradcheck", "--engine", "tensor"])
    assert capsys.readouterr().out == default and "scalar" not in default


def test_bench_scalar_reports_ms_and_nodes_per_step(capsys):
    assert main(["bench-scalar", "--blocks", "1", "--steps", "1", "--no-micrograd"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("tinygrad_mlp.scalar"))
    ms, nodes = float(row.split()[1]), int(row.split()[2])
    assert ms > 0
    # per sample: 16 + 16 hidden neurons (a dot node and a relu node each), 2 logit dot
    # nodes, and the loss: 2 shifts, 2 exps, a sum, a log, 2 subtractions, a negation (9);
    # then the batch's sum and the division by 32
    assert nodes == 32 * (2 * (16 + 16) + 2 + 9) + 2


def test_gradcheck_engine_is_refused_with_the_experiments(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["gradcheck", "--engine", "scalar", "--kinks"])
    assert exit_.value.code == 2
    assert "--engine applies to the table" in capsys.readouterr().err
