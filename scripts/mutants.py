"""The curated wrong rules that scripts/mutation.py injects, one at a time.

Each mutant replaces one exact snippet of the source with a realistic slip (swapped operands,
a dropped transpose or sum term, a wrong mask, ``=`` for ``+=``, a graph cut under
create_graph, optimizer and closed-form slips) and names the tests that should kill it,
fastest first: op-table rows by name and check (see :func:`rows`), or pytest node ids.
A snippet must occur exactly once in its file; the runner refuses the list otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Mutant", "MUTANTS", "rows"]


@dataclass(frozen=True)
class Mutant:
    """``old`` replaced by ``new`` in the first of ``files`` that holds it; ``tests`` kill it."""

    name: str
    files: tuple[str, ...]
    old: str
    new: str
    tests: tuple[str, ...]


_CHECKS = {
    "values": "test_values_match_the_reference",
    "reverse": "test_reverse_mode_matches_finite_differences",
    "forward": "test_forward_mode_matches_reverse_mode",
    "second": "test_second_order_matches_finite_differences_of_the_gradient",
    "kink": "test_kink_convention_in_reverse_forward_closed_form_and_scalar",
    "dref": "test_closed_form_derivative_matches_reverse_mode",
    "scalar": "test_scalar_engine_matches_the_tensor_engine",
}


def rows(name: str, *checks: str) -> tuple[str, ...]:
    """Node ids of the op-table checks of one row (tests/test_op_tables.py)."""
    suffix = {"kink": "-0"}
    return tuple(
        f"tests/test_op_tables.py::{_CHECKS[c]}[{name}{suffix.get(c, '')}]" for c in checks
    )


UNBROADCAST_TEST = "test_graph.py::test_unbroadcast_sums_every_copy_of_each_element"


def _t(*ids: str) -> tuple[str, ...]:
    return tuple(i if i.startswith("tests/") else f"tests/{i}" for i in ids)


MATH = ("tinygrad_mlp/ops/math.py",)
ACT = ("tinygrad_mlp/ops/activation.py",)
REDUCE = ("tinygrad_mlp/ops/reduce.py", "tinygrad_mlp/ops/shape.py")  # Sum, Max moved
SHAPE = ("tinygrad_mlp/ops/shape.py",)
NN = ("tinygrad_mlp/ops/nn.py",)
LOSS = ("tinygrad_mlp/ops/loss.py",)
INDEX = ("tinygrad_mlp/ops/index.py",)
GRAPH = ("tinygrad_mlp/engine/graph.py",)
BACKWARD = ("tinygrad_mlp/engine/backward.py",)
CHAIN = ("tinygrad_mlp/engine/chain.py", "tinygrad_mlp/engine/delivery.py")
SGD = ("tinygrad_mlp/optim/sgd.py",)
ADAM = ("tinygrad_mlp/optim/adam.py",)
CLOSED = ("tinygrad_mlp/seed/closed_form.py",)
BINARY = ("tinygrad_mlp/ops/binary.py",)
SHAPE_METHODS = ("tinygrad_mlp/tensor/methods/shape.py",)
INTEROP = ("tinygrad_mlp/tensor/numpy_interop/adapters.py",)
LOOP = ("tinygrad_mlp/train/loop.py",)
BCE = ("tinygrad_mlp/ops/bce.py",)
PROD = ("tinygrad_mlp/ops/product.py",)  # Prod, ProdOthers split from reduce.py

OPS_TESTS = "test_ops.py"
SEED = _t("test_seed_network.py::test_engine_equals_closed_form")
CE = _t("test_cross_entropy.py")
HIGHER = _t("test_higher_order.py")
OPTIM = _t("test_optim.py")
CE_NODE = _t(
    f"{OPS_TESTS}::test_cross_entropy_gradient_node_is_differentiable_in_the_logits_and_"
    "the_incoming_g"
)


def _guards(*names: str) -> tuple[str, ...]:
    """Node ids in tests/test_guard_mutants.py."""
    return tuple(f"tests/test_guard_mutants.py::{n}" for n in names)


_M = Mutant

MUTANTS: tuple[Mutant, ...] = (
    # --- arithmetic ----------------------------------------------------------------------
    _M("Add: d/db = -1", MATH, "return g, g  #", "return g, -g  #", rows("add", "reverse")),
    _M("Sub: d/db = +1", MATH, "return g, (-g if self.needs[1]", "return g, (g if self.needs[1]",
       rows("sub", "reverse")),
    _M("Sub tangent: t0 + t1", MATH, "return plus(t[0], times(-1.0, t[1]))",
       "return plus(t[0], t[1])",
       rows("sub", "forward")),
    _M("Mul: operands swapped", MATH,
       "(g * b if self.needs[0] else None), (g * a if self.needs[1] else None)",
       "(g * a if self.needs[0] else None), (g * b if self.needs[1] else None)",
       rows("mul", "reverse")),
    _M("Mul tangent: product rule missing a term", MATH,
       "return plus(times(b, t[0]), times(a, t[1]))  # the product rule",
       "return plus(times(b, t[0]), None)  # the product rule", rows("mul", "forward")),
    _M("Div: d/db missing 1/b", MATH, "(-g * out / b if self.needs[1]",
       "(-g * out if self.needs[1]", rows("div", "reverse")),
    _M("Div: d/db sign", MATH, "(-g * out / b if self.needs[1]", "(g * out / b if self.needs[1]",
       rows("div", "reverse")),
    _M("Div: d/da = b", MATH, "(g / b if self.needs[0]", "(g * b if self.needs[0]",
       rows("div", "reverse")),
    _M("Div tangent: missing / b", MATH, "return plus(t[0], times(-out, t[1])) / inputs[1]",
       "return plus(t[0], times(-out, t[1]))", rows("div", "forward")),
    _M("Neg: sign dropped", MATH, "return (-g,)", "return (g,)", rows("neg", "reverse")),
    _M("Exp: g dropped", MATH, "return (g * out,)  # d e^x", "return (out,)  # d e^x",
       rows("exp", "reverse")),
    _M("Exp tangent: t dropped", MATH, "return out * t[0]", "return out", rows("exp", "forward")),
    _M("Log: g * x", MATH, "return (g / inputs[0],)", "return (g * inputs[0],)",
       rows("log", "reverse")),
    _M("Log tangent: t * x", MATH, "return t[0] / inputs[0]", "return t[0] * inputs[0]",
       rows("log", "forward")),
    _M("MatMul: transpose dropped", MATH, "ga = g2 @ b2.swapaxes(-1, -2)", "ga = g2 @ b2",
       rows("matmul", "reverse")),
    _M("MatMul: dB operands swapped", MATH, "gb = a2.swapaxes(-1, -2) @ g2",
       "gb = g2.swapaxes(-1, -2) @ a2", rows("matmul", "reverse")),
    _M("MatMul tangent: a dB missing", MATH,
       "lift(lambda da: np.matmul(da, b), t[0]), lift(lambda db: np.matmul(a, db), t[1])",
       "lift(lambda da: np.matmul(da, b), t[0]), None", rows("matmul", "forward")),
    # --- activations ---------------------------------------------------------------------
    _M("ReLU: mask out >= 0", ACT, "(g * ~(data_of(out) <= 0),)", "(g * (data_of(out) >= 0),)",
       rows("relu", "kink")),
    _M("ReLU: mask dropped", ACT, "(g * ~(data_of(out) <= 0),)", "(g,)", rows("relu", "reverse")),
    _M("ReLU tangent: x >= 0", ACT, "return t[0] * ~(inputs[0] <= 0)",
       "return t[0] * (inputs[0] >= 0)", rows("relu", "kink")),
    _M("Tanh: 1 - out", ACT, "(g * (call(Sigmoid, x2) * call(Sigmoid, -x2) * 4.0),)",
       "(g * (1.0 - out),)",
       rows("tanh", "reverse")),
    _M("Tanh: graph cut under create_graph", ACT,
       "(g * (call(Sigmoid, x2) * call(Sigmoid, -x2) * 4.0),)",
       "(g * (1.0 - data_of(out) * data_of(out)),)",
       _t(f"{OPS_TESTS}::test_sigmoid_is_finite_and_exact_far_out_and_tanh_has_its_second_"
          "derivative")),
    _M("Tanh tangent: sech not squared", ACT,
       "return t[0] * (s(inputs[0] * 2.0) * s(inputs[0] * -2.0) * 4.0)",
       "return t[0] * (s(inputs[0] * 2.0) * 2.0)", rows("tanh", "forward")),
    _M("Sigmoid: s factor dropped", ACT, "(g * out * call(Sigmoid, -inputs[0]),)",
       "(g * call(Sigmoid, -inputs[0]),)",
       rows("sigmoid", "reverse")),
    _M("Sigmoid tangent: square dropped", ACT, "t[0] * e / (1.0 + e) ** 2",
       "t[0] * e / (1.0 + e)", rows("sigmoid", "forward")),
    # --- reductions and shapes -----------------------------------------------------------
    _M("Sum: reduced axes not restored", REDUCE,
       "call(BroadcastTo, g.reshape(keep_shape(shape, self.axes)), shape=shape)",
       "call(BroadcastTo, g, shape=shape)", rows("mean(axis=-1)", "reverse")),
    _M("Sum tangent: mean", REDUCE, "return np.sum(t[0], axis=self.axes, keepdims=self.keepdims)",
       "return np.mean(t[0], axis=self.axes, keepdims=self.keepdims)", rows("sum()", "forward")),
    _M("Max: ties not split", REDUCE,
       "share = (hit / hit.sum(axis=self.axes, keepdims=True)).astype(x.dtype, copy=False)",
       "share = hit.astype(x.dtype, copy=False)",
       _t(f"{OPS_TESTS}::test_max_splits_the_gradient_equally_among_ties")),
    _M("Max: mask dropped", REDUCE, "shape=x.shape) * share,)", "shape=x.shape),)",
       _t(f"{OPS_TESTS}::test_max_splits_the_gradient_equally_among_ties")),
    _M("Max tangent: tied maxima summed", REDUCE,
       "share = hit / hit.sum(axis=self.axes, keepdims=True)\n        return np.sum(t[0] * share",
       "share = hit\n        return np.sum(t[0] * share",
       _t(f"{OPS_TESTS}::test_max_tangent_is_the_mean_over_tied_maxima_as_reverse_mode_splits")),
    _M("Reshape: gradient left in the output's shape", SHAPE, "(g.reshape(inputs[0].shape),)",
       "(g.reshape(out.shape),)", rows("reshape(2, 6)", "reverse")),
    _M("Transpose: forward permutation, not its inverse", SHAPE,
       "axes=tuple(np.argsort(self.axes).tolist())", "axes=tuple(self.axes)",
       rows("permute(2, 0, 1)", "reverse")),
    _M("Transpose tangent: axes reversed", SHAPE, "return np.transpose(t[0], self.axes)",
       "return np.transpose(t[0])", rows("permute(2, 0, 1)", "forward")),
    # --- softmax, linear -----------------------------------------------------------------
    _M("Softmax: (g * out).sum -> g.sum", NN, "(out * (g - (g * out).sum(axis=self.axis,",
       "(out * (g - (g).sum(axis=self.axis,", rows("softmax", "reverse")),
    _M("Softmax tangent: Jacobian's a a^T term dropped", NN,
       "return out * (t[0] - (out * t[0]).sum(axis=self.axis, keepdims=True))",
       "return out * t[0]", rows("softmax", "forward")),
    _M("LogSoftmax: sum over the axis dropped", NN,
       "(g - call(Exp, out) * g.sum(axis=self.axis, keepdims=True),)",
       "(g - call(Exp, out) * g,)", rows("log_softmax", "reverse")),
    _M("LogSoftmax: graph cut under create_graph", NN, "(g - call(Exp, out) * g.sum(",
       "(g - np.exp(data_of(out)) * g.sum(", rows("F.log_softmax", "second")),
    _M("LogSoftmax tangent: sum dropped", NN,
       "t[0] - (np.exp(out) * t[0]).sum(axis=self.axis, keepdims=True)",
       "t[0] - np.exp(out) * t[0]", rows("log_softmax", "forward")),
    _M("Linear: dx uses W^T", NN, "gx = gz @ w if needs[0]", "gx = gz @ w.T if needs[0]",
       rows("F.linear", "reverse")),
    _M("Linear: dW transposed", NN, "gw = gz.T @ x  #", "gw = x.T @ gz  #",
       rows("F.linear", "reverse")),
    _M("Linear: dW of the first batch slice only", NN,
       "gw = gz.reshape(-1, gz.shape[-1]).swapaxes(-1, -2) @ x.reshape(-1, x.shape[-1])",
       "gw = (gz.swapaxes(-1, -2) @ x)[0]", rows("F.linear no bias", "reverse")),
    _M("Linear: db the batch mean", NN, "return gx, gw, (gz if needs[2]",
       "return gx, gw, (gz.mean(axis=0) if needs[2]", rows("F.linear", "reverse")),
    _M("Linear tangent: x dW^T missing", NN,
       "return plus(dx, dw, t[2] if len(inputs) == 3 else None)",
       "return plus(dx, None, t[2] if len(inputs) == 3 else None)",
       rows("F.linear", "forward")),
    _M("Linear tangent: db missing", NN, "return plus(dx, dw, t[2] if len(inputs) == 3 else None)",
       "return plus(dx, dw, None)", rows("F.linear", "forward")),
    _M("LinearReLU: mask out >= 0", NN, "mask = a > _ZEROS", "mask = a >= _ZEROS",
       rows("F.linear_relu", "reverse")),
    _M("LinearReLU tangent: mask dropped", NN, "return _linear_tangent(t, inputs) * (out > 0)",
       "return _linear_tangent(t, inputs)", rows("F.linear_relu", "forward")),
    # --- cross-entropy -------------------------------------------------------------------
    _M("CE grad: = for -= at the labels", LOSS, "d.reshape(-1)[flat] -= s\n",
       "d.reshape(-1)[flat] = -s\n", CE),
    _M("CE grad: 1/B missing", LOSS, "scale = float(g) / batch", "scale = float(g)", CE),
    _M("CE grad: sum(t) factor missing", LOSS,
       "d *= probs.sum(axis=1, keepdims=True)\n", "\n", CE),
    _M("CE grad backward: softmax Jacobian's a a^T term dropped", LOSS,
       "gz = a * (u - (u * a).sum(axis=1, keepdims=True)) * (g * tsum / batch)",
       "gz = a * u * (g * tsum / batch)", _t("test_higher_order.py::test_cross_entropy_hessian_"
                                              "is_the_closed_form")),
    _M("CE grad backward: d/dg without sum(t)", LOSS, "gg = (u * (a * tsum - target)).sum()",
       "gg = (u * (a - target)).sum()", CE_NODE),
    _M("CE grad backward: graph cut (saved softmax)", LOSS, "a = call(Softmax, z, axis=1)",
       "a = self.softmax", CE_NODE),
    _M("CE tangent: 1/B missing", LOSS, "(target.sum(axis=1) * d_lse).sum()) / dz.shape[0]",
       "(target.sum(axis=1) * d_lse).sum())", _t("test_forward_ad.py")),
    _M("CE grad tangent: softmax term missing", LOSS,
       "return plus(times(a * tsum - target, dg), times(g * tsum, da)) / batch",
       "return plus(times(a * tsum - target, dg), None) / batch",
       rows("CrossEntropyGrad, labels", "forward")),
    # --- indexing ------------------------------------------------------------------------
    _M("Scatter: = for += on repeated indices", INDEX, "np.add.at(z, index, g)", "z[index] = g",
       rows("x[..., [0, 0, -1]]", "reverse")),
    _M("ScatterAdd: graph cut under create_graph", INDEX, "(call(Index, g, index=self.index),)",
       "(call(Index, np.asarray(g), index=self.index),)",
       _t(f"{OPS_TESTS}::test_indexing_has_its_third_derivative_through_the_scatter_add")),
    # --- the engine: unbroadcast and backward --------------------------------------------
    _M("unbroadcast: stretched axes without the leading offset", GRAPH,
       "tuple(i + lead for i, s in enumerate(shape)", "tuple(i for i, s in enumerate(shape)",
       rows("div", "reverse")),
    _M("unbroadcast: mean over leading axes", GRAPH,
       "g = _add_reduce(g, axis=axes) if type(g) is np.ndarray else g.sum(axis=axes)",
       "g = g.mean(axis=axes)",
       (*rows("add", "reverse"), *_t(UNBROADCAST_TEST))),
    _M("unbroadcast: a bias over a batch averaged, not summed", GRAPH,
       "return _add_reduce(g, axis=0)", "return g.mean(axis=0)",
       _t(UNBROADCAST_TEST)),
    _M("unbroadcast: leading axes forgotten when some are stretched", GRAPH,
       "g = g.sum(axis=tuple(range(lead)) + stretched, keepdims=True)",
       "g = g.sum(axis=stretched, keepdims=True)", rows("div", "reverse")),
    _M("backward: = for += between consumers", CHAIN,
       "grads[key] = g if prev is None else prev + g", "grads[key] = g",
       _t("test_graph.py::test_a_value_used_twice_accumulates_both_uses", *SEED)),
    _M("backward: leaf.grad = g, not +=", CHAIN,
       "            held += g\n", "            leaf.grad = g\n",
       _t("test_graph.py::test_a_value_used_twice_accumulates_both_uses")),
    _M("backward: create_graph leaf overwritten", CHAIN,
       "leaf.grad = g * 1 if leaf.grad is None else g + leaf.grad", "leaf.grad = g * 1", HIGHER),
    _M("tm.grad: = for += into the captured input", CHAIN,
       "capture[id(leaf)] = g if prev is None else prev + g", "capture[id(leaf)] = g",
       _t("test_higher_order.py::test_third_derivatives_of_smooth_expressions", *HIGHER)),
    _M("backward: graph cut under create_graph", BACKWARD,
       "steps = node_step(op, g, parents, node, inputs, True, rule)",
       "steps = node_step(op, g, inputs, node.data, inputs, True, rule)", HIGHER),
    _M("backward: a gradient something else references handed to a leaf as owned", CHAIN,
       "alone = getrefcount(pg) == _ALONE", "alone = True", _t("test_engine_aliasing.py")),
    _M("backward: a container the rule keeps not counted (its arrays handed out as owned)",
       CHAIN, "    del returned  # a new tuple is freed here",
       "    pass  # a new tuple is freed here",
       _t("test_engine_aliasing.py")),
    _M("backward: a view handed to a leaf as owned", CHAIN,
       "alone and pg.base is None and pg.flags.writeable", "alone and pg.flags.writeable",
       _t("test_engine_aliasing.py")),
    _M("backward: no gradient ever owned (calibration off by one)", CHAIN,
       "return 0 if kept else refs", "return 0 if kept else refs + 1",
       _t("test_engine_aliasing.py")),
    # --- optimizers ----------------------------------------------------------------------
    _M("SGD: momentum with dampening (1 - mu) g", SGD, "v *= mu\n                v += g",
       "v *= mu\n                v += (1 - mu) * g", OPTIM),
    _M("SGD: first velocity zero, not g", SGD, 'v = s["velocity"] = np.array(g, copy=True)',
       'v = s["velocity"] = np.zeros_like(g)', OPTIM),
    _M("SGD: Nesterov without mu", SGD, "g = g + mu * v if self.nesterov else v",
       "g = g + v if self.nesterov else v", OPTIM),
    _M("SGD: weight decay sign", SGD, "g = g + wd * data", "g = g - wd * data", OPTIM),
    _M("SGD: ascent", SGD, "data -= buf", "data += buf", OPTIM),
    _M("Adam: first moment not bias-corrected", ADAM, "m_hat = m / (1 - b1**t)", "m_hat = m",
       OPTIM),
    _M("Adam: second moment corrected by 1 - b2", ADAM, "v_hat = v / (1 - b2**t)",
       "v_hat = v / (1 - b2)", OPTIM),
    _M("Adam: second moment of g, not g^2", ADAM, "v += (1 - b2) * (g * g)", "v += (1 - b2) * g",
       OPTIM),
    _M("Adam: eps inside the sqrt", ADAM, "lr * m_hat / (np.sqrt(v_hat) + eps)",
       "lr * m_hat / np.sqrt(v_hat + eps)", OPTIM),
    _M("Adam: weight decay sign", ADAM, "g = g + wd * p.data", "g = g - wd * p.data", OPTIM),
    _M("Adam: step counter = 1 for +=", ADAM, 's["step"] += 1', 's["step"] = 1', OPTIM),
    # --- guards at the edges (issue 17): tests/test_guard_mutants.py --------------------
    _M("lerp: one-sided formula, not exact at w = 1", BINARY,
       "return np.where(weight < 0.5, start + weight * diff, end - diff * (1.0 - weight))",
       "return start + weight * diff", _guards("test_lerp_is_exact_at_both_ends")),
    _M("lerp: one-sided formula, not exact at w = 0", BINARY,
       "return np.where(weight < 0.5, start + weight * diff, end - diff * (1.0 - weight))",
       "return end - diff * (1.0 - weight)", _guards("test_lerp_is_exact_at_both_ends")),
    _M("where: d/db as g * mask (0 * inf = nan)", BINARY,
       "gb = call(Where, cond, zero, g) if self.needs[2] else None",
       "gb = g * ~cond if self.needs[2] else None",
       _guards("test_where_sends_no_nan_from_an_infinite_gradient_into_the_other_branch")),
    _M("split: the last piece as long as the others", SHAPE_METHODS,
       "sizes = [min(step, n - a) for a in range(0, n, step)] or [0]",
       "sizes = [step for a in range(0, n, step)] or [0]",
       _guards("test_the_last_piece_of_split_is_the_remainder_and_gets_its_gradient",
              "test_the_last_chunk_is_the_short_one")),
    _M("chunk: floor(n / chunks) pieces", SHAPE_METHODS,
       "return self.split(max(-(-n // int(chunks)), 1), dim)",
       "return self.split(max(n // int(chunks), 1), dim)",
       _guards("test_the_last_chunk_is_the_short_one")),
    _M("numpy cumsum: dtype= ignored", INTEROP,
       'x, axis = _cast(_first(a), _given(a, "dtype")), _given(a, "axis")',
       'x, axis = _first(a), _given(a, "axis")',
       _guards("test_numpy_reductions_and_cumsum_honour_dtype")),
    _M("numpy reductions: dtype= ignored", INTEROP,
       'x = _cast(x, _given(a, "dtype")) if dtype else x', "x = x",
       _guards("test_numpy_reductions_and_cumsum_honour_dtype")),
    _M("numpy expand_dims: axes in the given order", INTEROP,
       'for ax in sorted(normalize_axis(i, out_ndim, f"numpy.{fname}") for i in axes):',
       'for ax in [normalize_axis(i, out_ndim, f"numpy.{fname}") for i in axes]:',
       _guards("test_numpy_expand_dims_and_moveaxis_take_unsorted_axes")),
    _M("numpy moveaxis: pairs inserted in the given order", INTEROP,
       "for d, s in sorted(zip(dst, src, strict=True)):",
       "for d, s in zip(dst, src, strict=True):",
       _guards("test_numpy_expand_dims_and_moveaxis_take_unsorted_axes")),
    _M("grad: a Tensor grad_outputs detached under create_graph", BACKWARD,
       "seed = g if g.dtype == root.dtype else g.astype(root.dtype)",
       "seed = g.detach() if g.dtype == root.dtype else g.astype(root.dtype)",
       _guards("test_double_backward_through_a_tensor_grad_outputs_reaches_it")),
    _M("BCE forward mode: slope without the p (1 - p) floor", BCE,
       "slope = (p - y) / np.maximum(p * (1 - p), DENOM_EPS)", "slope = (p - y) / (p * (1 - p))",
       _guards("test_bce_forward_mode_is_finite_and_equals_reverse_mode_at_p_0_and_1")),
    _M("prod, forward over reverse: the diagonal of d e_i / d x_k kept", PROD,
       "pairs = _exclusive_products(rows) * (1 - np.eye(n, dtype=x.dtype))",
       "pairs = _exclusive_products(rows)",
       _guards("test_forward_over_reverse_through_prod_is_the_hessian_vector_product")),
    _M("shuffle: the epoch left out of the seed", LOOP,
       "return np.random.default_rng([seed, 2, epoch])",
       "return np.random.default_rng([seed, 2])",
       _guards("test_each_epoch_is_shuffled_differently_and_reproducibly")),
    # --- the closed form (the oracle) ----------------------------------------------------
    _M("closed form: ReLU mask z >= 0", CLOSED, "(fwd.zs[layer - 1].real > 0)",
       "(fwd.zs[layer - 1].real >= 0)",
       _t("test_seed_network.py::test_closed_form_takes_relu_derivative_0_at_an_exact_kink")),
    _M("closed form: ReLU mask dropped", CLOSED, "delta = (delta @ W) * (fwd.zs[layer - 1]",
       "delta = (delta @ W) + 0 * (fwd.zs[layer - 1]", SEED),
    _M("closed form: dW transposed", CLOSED, "grads.append((delta.T @ a_below,",
       "grads.append((a_below.T @ delta,", SEED),
    _M("closed form: db the batch mean", CLOSED, "delta.sum(axis=0)))", "delta.mean(axis=0)))",
       SEED),
    _M("closed form: eq. 3 without sum(t)", CLOSED,
       "delta = (fwd.probs * t.sum(axis=1, keepdims=True) - t) / batch",
       "delta = (fwd.probs - t) / batch", SEED),
    _M("closed form: 1/B missing", CLOSED,
       "delta = (fwd.probs * t.sum(axis=1, keepdims=True) - t) / batch",
       "delta = fwd.probs * t.sum(axis=1, keepdims=True) - t", SEED),
    _M("closed form: W of the layer below", CLOSED, "W = params[layer][0]",
       "W = params[layer - 1][0]", SEED),
    _M("closed form: activation of the layer above", CLOSED, "a_below = fwd.activations[layer]",
       "a_below = fwd.activations[layer + 1]", SEED),
    _M("closed form: bias missing from z", CLOSED, "z = a @ W.T + b  #", "z = a @ W.T  #", SEED),
    _M("closed form: softmax normalised over the batch", CLOSED,
       "return e / e.sum(axis=1, keepdims=True)", "return e / e.sum()", SEED),
)  # fmt: skip

# --- tm.jit's guards (issue 18; tests/test_jit_guards.py) --------------------------------
_JG = "test_jit_guards.py::"
MUTANTS += (
    _M("jit entry: Tensor argument's dtype unchecked", ("tinygrad_mlp/jit/entry.py",),
       'f"or a{i}.data.dtype is not D{i} or a{i}.requires_grad is not {a.requires_grad}"',
       'f"or a{i}.requires_grad is not {a.requires_grad}"',
       _t(_JG + "test_a_tensor_argument_of_another_dtype_is_a_new_signature")),
    _M("jit entry: numpy argument's shape unchecked", ("tinygrad_mlp/jit/entry.py",),
       'f"type(a{i}) is not ndarray or a{i}.shape != S{i} or a{i}.dtype is not D{i}"',
       'f"type(a{i}) is not ndarray or a{i}.dtype is not D{i}"',
       _t(_JG + "test_a_numpy_argument_of_another_shape_gets_the_eager_error")),
    _M("jit entry: grad mode unchecked", ("tinygrad_mlp/jit/entry.py",),
       'check.append("GM.enabled is not GRAD")', "pass",
       _t(_JG + "test_grad_mode_is_part_of_the_signature")),
    _M("jit key: dtype ignored", ("tinygrad_mlp/jit/signature.py",),
       "return (d.shape, d.dtype, a.requires_grad)", "return (d.shape, None, a.requires_grad)",
       _t(_JG + "test_a_tensor_argument_of_another_dtype_is_a_new_signature")),
    _M("jit: parameter rebound to another dtype accepted", ("tinygrad_mlp/jit/plan.py",),
       "if d.shape != s.shape or d.dtype != s.dtype:", "if d.shape != s.shape:",
       _t(_JG + "test_a_parameter_rebound_to_another_dtype_traces_again")),
    _M("jit generic: labels converted on replay without cross_entropy's range check",
       ("tinygrad_mlp/jit/generic.py",), "), _checks(plan, used)", "), []",
       _t("test_jit.py::test_labels_out_of_range_on_replay_are_refused_as_eagerly_in_every_form")),
    _M("jit generic: an input converted on replay without the step's check (probabilities)",
       ("tinygrad_mlp/jit/generic.py",), "            verify(slot.value)\n", "            pass\n",
       _t("test_jit_made.py::test_what_a_step_makes_from_its_arguments_replays_bit_for_bit")),
    _M("jit origins: a tensor made in the step not watched", ("tinygrad_mlp/jit/origins.py",),
       "                self.mark(t)  # guarded", "                pass  # guarded",
       _t("test_jit_made.py::test_a_value_read_from_a_tensor_made_in_the_step_is_refused_at_the_"
          "trace")),
    _M("jit origins: a conversion of a conversion taken for one conversion of the argument",
       ("tinygrad_mlp/jit/origins.py",),
       "if arg is not None and (data.dtype == arg.dtype or to == data.dtype):",
       "if arg is not None:",
       _t("test_jit_made.py::test_a_conversion_of_a_conversion_is_refused_not_replayed_as_one")),
    _M("jit build: the fused loss reads labels made in another kind as the argument",
       ("tinygrad_mlp/jit/build.py",), "s.dtype.kind == e.value.dtype.kind:",
       's.dtype.kind in "iu":',
       _t("test_jit_made_edges.py::test_labels_made_in_another_dtype_replay_in_the_fused_loss_as_eagerly")),
    _M("jit generic: the check of a target read just after it was checked not run",
       ("tinygrad_mlp/jit/generic.py",),
       "    verified += [(verify, ins[j]) for j, verify in rec.checks]", "    pass",
       _t("test_jit_made_edges.py::test_a_bad_probability_target_that_requires_grad_raises_on_replay")),
    _M("cross_entropy: a target that requires grad not checked on replay",
       ("tinygrad_mlp/functional/losses.py",), "_engine_state.tracer.check_on_read(soft,",
       "(lambda *a: None)(soft,",
       _t("test_jit_made_edges.py::test_a_bad_probability_target_that_requires_grad_raises_on_replay")),
    _M("jit watch: the guarded subclass renamed", ("tinygrad_mlp/jit/watch.py",),
       "type(cls.__name__, (Guarded, cls), names)",
       'type("Traced" + cls.__name__, (Guarded, cls), names)',
       _t("test_jit_made_edges.py::test_a_made_tensor_keeps_its_class_name_inside_a_traced_step")),
    _M("jit capture: a list holding argument arrays baked as Python numbers",
       ("tinygrad_mlp/jit/origins.py",), "return all(map(_numbers, v))", "return True",
       _t("test_jit_made_edges.py::test_a_list_holding_argument_arrays_is_not_baked")),
    _M("jit entry: arguments traced as one array not checked to be one still",
       ("tinygrad_mlp/jit/entry.py",), "for i, j in pairs]", "for i, j in ()]",
       _t("test_jit_made_edges.py::test_arguments_passed_as_one_array_then_as_two_are_told_apart")),
    _M("jit entry: arguments traced apart not checked to be apart still",
       ("tinygrad_mlp/jit/entry.py",), 'return check + ([" or ".join(one)] if one else [])',
       "return check",
       _t("test_jit_made_review.py::test_arguments_traced_apart_then_passed_as_one_are_not_replayed_as_apart")),
    _M("jit results: a tensor wrapping an array argument returned as the array",
       ("tinygrad_mlp/jit/results.py",), "return a if isinstance(a, Tensor) else make(a, False)",
       "return a",
       _t("test_jit_made_review.py::test_a_tensor_wrapping_an_array_argument_is_returned_as_a_tensor")),
    _M("jit origins: a copy of an argument made after its update followed as derived",
       ("tinygrad_mlp/jit/origins.py",), "origin = self._stale(origin, data) if copy else origin",
       "pass",
       _t("test_jit_made_review.py::test_a_copy_of_an_argument_made_after_an_optimizer_updated_it_"
          "is_refused_at_the_trace")),
    _M("jit origins: a target converted after its argument's update followed as derived",
       ("tinygrad_mlp/jit/origins.py",), "= self._stale(self._source(source, array.dtype), source)",
       "= self._source(source, array.dtype)",
       _t("test_jit_made_review.py::test_a_copy_of_an_argument_made_after_an_optimizer_updated_it_"
          "is_refused_at_the_trace")),
    _M("jit origins: an argument the optimizer updates taken for any argument",
       ("tinygrad_mlp/jit/origins.py",), "if _array_of(p) is array:", "if True:",
       _t("test_jit_made_review.py::test_an_argument_read_after_an_optimizer_updated_it_replays")),
    _M("jit origins: a parameter sharing a global array not taken for an update of it",
       ("tinygrad_mlp/jit/origins.py",), "p = self.arrays[r.index] if e is None else e.tensor",
       "p = self.arrays[r.index] if e is None else None",
       _t("test_jit_made_review.py::test_a_copy_of_a_global_array_made_after_an_update_of_a_"
          "parameter_sharing_it_is_refused")),
    _M("jit key: which arguments are one array ignored", ("tinygrad_mlp/jit/api.py",),
       "*names, aliases(flat))", "*names, ())",
       _t("test_jit_made_edges.py::test_arguments_passed_as_one_array_then_as_two_are_told_apart")),
    _M("jit entry: a .grad the caller kept not checked", ("tinygrad_mlp/jit/entry.py",),
       'check.append("KEPT()")', "pass",
       _t("test_jit.py::test_a_grad_kept_across_calls_keeps_its_values_as_eagerly")),
    _M("jit plan: a .grad the caller kept not checked", ("tinygrad_mlp/jit/plan.py",),
       "if self.kept():", "if False:",
       _t("test_jit.py::test_a_grad_kept_across_calls_keeps_its_values_as_eagerly")),
    _M("jit SGD: flat buffer used without checking .grad is its view",
       ("tinygrad_mlp/jit/updates.py",),
       'kept = [f"$p{j}.grad is $v{j}" for j in range(len(flat[1]))]', 'kept = ["True"]',
       _t(_JG + "test_the_generated_entry_and_the_general_path_agree_on_every_guard")),
)  # fmt: skip
MUTANTS += (
    _M("jit guards: a small numpy array guarded by identity only", ("tinygrad_mlp/jit/guards.py",),
       "if type(v) is np.ndarray and v.size <= _ARRAY_CONTENTS:",
       "if False:",
       _t("test_jit_unseen.py::"
          "test_an_element_of_a_global_numpy_array_changed_and_changed_back")),
    _M("jit entry: an array's bytes guard skipped by the generated entry",
       ("tinygrad_mlp/jit/entry.py",),
       'check.append(f"{arr}.shape != GS{j} or {arr}.tobytes() != GB{j}")',
       'check.append("False")',
       _t("test_jit_unseen.py::"
          "test_an_element_of_a_global_numpy_array_changed_and_changed_back")),
    _M("jit guards: a class attribute read through an instance not guarded",
       ("tinygrad_mlp/jit/guards.py",),
       "        _add(guards, vars(holder), key, (), v)", "        pass",
       _t("test_jit_unseen.py::"
          "test_a_class_attribute_read_through_an_instance_changed_and_changed_back")),
    _M("jit guards: a value drawn in Python not refused", ("tinygrad_mlp/jit/draws.py",),
       "    what = hidden_source(value, attrs)\n    if what:",
       "    what = hidden_source(value, attrs)\n    if False:",
       _t("test_jit_unseen.py::test_a_value_drawn_in_python_is_refused_at_the_trace")),
    _M("jit guards: the step's Python state not guarded", ("tinygrad_mlp/jit/guards.py",),
       "    if code is None or depth <= 0:\n        return []\n    glob",
       "    if True:\n        return []\n    glob",
       _t("test_jit_sound.py::test_a_global_loss_coefficient_from_a_schedule")),
    _M("jit: externs equal on two calls taken as constants", ("tinygrad_mlp/jit/trace.py",),
       'elif kind == ("value",) and a.origin == b.origin and same_bits(a.value, b.value):',
       "elif same_bits(a.value, b.value):",
       _t("test_jit_sound.py::test_a_numpy_value_equal_on_both_traced_calls_is_still_refused")),
)  # fmt: skip

# --- the saved-array guard and the kink detector (issue 17): tests/test_saved_guard_mutants.py
_SG = "test_saved_guard_mutants.py::"
_OP = "test_optim_protocols.py::"
MUTANTS += (
    _M("saved: an update inside writing bumps no version", ("tinygrad_mlp/engine/writes.py",),
       "_version[k] = _version.get(k, 0) + 1", "pass",
       _t(_SG + "test_an_optimizer_update_between_forward_and_backward_is_refused")),
    _M("saved: an undone write (a gradient check) bumps versions anyway",
       ("tinygrad_mlp/engine/writes.py",),
       "if bump and k in _count:", "if k in _count:",
       _t("test_saved_arrays_and_misuse.py::"
          "test_a_check_on_an_input_a_live_graph_holds_is_not_a_modification")),
    _M("saved: Linear does not freeze its weight", ("tinygrad_mlp/ops/nn.py",),
       "saves = (0, 1)  # x and W", "saves = (0,)  # x and W",
       _t(_SG + "test_a_linear_layer_freezes_its_weight_for_its_backward")),
    _M("saved: LinearReLU leaves its output (the ReLU's mask) out of saves", NN,
       'saves = (0, 1, "out")  # x, W', "saves = (0, 1)  # x, W",
       _t("test_saved_arrays_and_misuse.py::"
          "test_an_op_never_reads_in_backward_an_array_its_saves_leaves_out")),
    _M("saved: a rebound output's .data not checked", ("tinygrad_mlp/engine/saved.py",),
       " or node.data is not out:", ":",
       _t(_SG + "test_rebinding_the_output_data_before_backward_is_refused")),
    _M("saved: writing does not relock on exit (an update, a gradient check)",
       ("tinygrad_mlp/engine/writes.py",),
       "    def __exit__(self, *exc: object) -> None:\n        _relock(self.opened)",
       "    def __exit__(self, *exc: object) -> None:\n        pass",
       _t(_SG + "test_a_gradient_check_leaves_held_inputs_read_only_again",
          _OP + "test_an_exception_inside_the_update_relocks_the_held_arrays")),
    _M("optim: a step nested in a step records itself again", ("tinygrad_mlp/optim/base.py",),
       "    if opt._stepping:\n        return body(", "    if False:\n        return body(",
       _t(_OP + "test_a_jitted_step_replays_a_user_optimizer_exactly")),
    _M("optim: a subclass's own step not wrapped in the protocols",
       ("tinygrad_mlp/optim/base.py",),
       "            cls.step = _wrap_step(own)", "            pass",
       _t(_OP + "test_a_step_under_a_live_graph_writes_and_that_graph_then_refuses_backward")),
    _M("kinks: the refinement step skipped", ("tinygrad_mlp/checks/kinks.py",),
       "    fine = finer()", "    fine = coarse",
       _t(_SG + "test_a_smooth_curved_function_is_refined_and_not_taken_for_a_kink")),
)  # fmt: skip

_P25 = "test_probe25.py::"
MUTANTS += (
    _M("inplace: off the graph, the result rebound instead of written into the tensor",
       ("tinygrad_mlp/tensor/methods/inplace.py",),
       '    _write(self, sign, lambda d: np.copyto(d, result.data, casting="same_kind"))\n'
       "    return self",
       "    return result",
       _t(_P25 + "test_hand_written_sgd_step_moves_the_parameters_as_torch")),
    _M("flip: numpy's view, not torch's copy", SHAPE,
       "return np.flip(x, axes).copy()", "return np.flip(x, axes)",
       _t(_P25 + "test_an_inplace_update_of_a_result_changes_the_input_exactly_when_torch_does")),
    _M("named_parameters: a tied parameter listed once per use", ("tinygrad_mlp/nn/module.py",),
       "if remove_duplicate and id(p) in seen:", "if False:",
       _t(_P25 + "test_a_tied_parameter_is_listed_once_as_in_torch")),
    _M("Sequential: Linear + ReLU fused past a forward replaced on the instance",
       ("tinygrad_mlp/nn/layers.py",),
       "                and not _patched(layers[i : i + 2])\n", "",
       _t(_P25 + "test_a_forward_replaced_on_an_instance_is_called_by_sequential")),
    _M("apply: leaves not checked before the first .grad changes", CHAIN,
       "    for leaf, _, _ in pending:\n        if leaf.requires_grad:\n"
       "            _check_leaf(leaf)\n", "",
       _t(_P25 + "test_a_refused_leaf_leaves_every_grad_of_the_pass_as_it_was")),
    _M("deliver: a create_graph .grad is the rule's tensor itself (shared)", CHAIN,
       "leaf.grad = g * 1 if leaf.grad is None", "leaf.grad = g if leaf.grad is None",
       _t(_P25 + "test_a_plain_backward_after_create_graph_never_writes_into_a_shared_gradient",
          _P25 + "test_create_graph_gives_each_leaf_a_grad_of_its_own")),
)  # fmt: skip

_R25 = "test_review25.py::"
MUTANTS += (
    _M("jit in-place: the name rebound to the op's output, aliases left with the old values",
       ("tinygrad_mlp/tensor/methods/inplace.py",),
       "        tracer.written(self, result)\n        np.copyto(self.data, result.data)\n"
       "        return self\n", "        return result\n",
       _t(_R25 + "test_a_jitted_in_place_write_reaches_every_alias_as_eagerly")),
    _M("jit in-place: the op's output kept in its own dtype, not the tensor's",
       ("tinygrad_mlp/tensor/methods/inplace.py",),
       "            result = result.astype(self.dtype)\n", "            pass\n",
       _t(_R25 + "test_a_jitted_in_place_write_keeps_the_tensors_dtype")),
    _M("apply: a held .grad added into without a sanctioned write (numpy's read-only error)",
       CHAIN, "    with writing([array]):\n        np.add(array, g, out=array)\n",
       "    np.add(array, g, out=array)\n",
       _t(_R25 + "test_a_grad_a_live_graph_used_takes_the_next_backward_as_in_torch")),
    _M("apply: a Tensor .grad replaced by a new recorded sum, not added into in place",
       CHAIN, "            _add_into(held, g)\n", "            leaf.grad = held + g\n",
       _t(_R25 + "test_a_plain_backward_adds_into_a_create_graph_grad_in_place_as_torch")),
    _M("Index: an element picked by integers is numpy's scalar (a copy), not a 0-d view",
       ("tinygrad_mlp/ops/index.py",),
       "            if type(y) is np.ndarray:\n                return y\n",
       "            return np.asarray(y)\n",
       _t(_R25 + "test_an_element_picked_by_integers_is_a_view_as_in_torch")),
)  # fmt: skip
