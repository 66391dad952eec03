"""Misuse is refused with the right exception and a message that names the problem.

Each case checks the exception type and, with ``match``, that the message carries the
offending shapes, labels or names, so a user can see what to fix.
"""

from __future__ import annotations

import contextlib
import operator
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tinygrad_mlp import Tensor, no_grad
from tinygrad_mlp import functional as F


def t(*shape: int, requires_grad: bool = False) -> Tensor:
    """A float64 tensor of the given shape with seeded normal entries."""
    data = np.random.default_rng(0).standard_normal(shape)
    return Tensor(data, requires_grad=requires_grad)


def shapes_pattern(*shapes: tuple[int, ...]) -> str:
    """A regex matching the shapes, in this order, as Python prints them."""
    return ".*".join(re.escape(str(s)) for s in shapes)


# --- shape errors of ops ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (2,)), ((5, 2, 3), (4, 2))],
)
def test_matmul_shape_mismatch_names_both_shapes(a: tuple, b: tuple) -> None:
    with pytest.raises(ValueError, match=rf"matmul.*{shapes_pattern(a, b)}"):
        t(*a) @ t(*b)


def test_matmul_of_a_0d_operand_is_refused() -> None:
    with pytest.raises(ValueError, match=r"matmul.*at least 1 dimension.*\(\).*\(3,\)"):
        t() @ t(3)


@pytest.mark.parametrize(
    ("op", "name"),
    [
        (operator.add, "add"),
        (operator.sub, "sub"),
        (operator.mul, "mul"),
        (operator.truediv, "div"),
    ],
)
@pytest.mark.parametrize(("a", "b"), [((2, 3), (4,)), ((3, 1), (2, 1, 4, 2))])
def test_broadcast_mismatch_names_the_op_and_both_shapes(
    op: Callable, name: str, a: tuple, b: tuple
) -> None:
    with pytest.raises(ValueError, match=rf"{name}: shapes {shapes_pattern(a, b)} cannot be"):
        op(t(*a), t(*b))


@pytest.mark.parametrize("new_shape", [(4, 2), (7,), (4, -1), (-1, -1)])
def test_impossible_reshape_names_both_shapes(new_shape: tuple) -> None:
    pattern = rf"reshape.*{shapes_pattern((2, 3))} \(6 elements\).*{shapes_pattern(new_shape)}"
    with pytest.raises(ValueError, match=pattern):
        t(2, 3).reshape(*new_shape)


@pytest.mark.parametrize("fn", [F.linear, F.linear_relu])
@pytest.mark.parametrize(
    ("x", "w"), [((2, 3), (4, 5)), ((3,), (4, 2)), ((2, 3), (3,)), ((2, 3), (3, 4))]
)
def test_linear_weight_that_does_not_fit_the_input(fn: Callable, x: tuple, w: tuple) -> None:
    pattern = rf"linear: input of shape {shapes_pattern(x)} does not fit weight of shape " + (
        shapes_pattern(w)
    )
    with pytest.raises(ValueError, match=pattern):
        fn(t(*x), t(*w), None)


@pytest.mark.parametrize("fn", [F.linear, F.linear_relu])
def test_linear_bias_of_the_wrong_shape(fn: Callable) -> None:
    with pytest.raises(ValueError, match=r"bias of shape \(5,\), expected \(4,\)"):
        fn(t(2, 3), t(4, 3), t(5))


# --- cross-entropy targets ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "labels"), [(-1, [0, 1, -1, 2]), (3, [0, 3, 1, 2]), (7, [7, 0, 0, 0])]
)
def test_label_out_of_range_names_the_label_and_the_range(bad: int, labels: list) -> None:
    with pytest.raises(ValueError, match=rf"label {bad} is out of range for 3 classes.*\[0, 2\]"):
        F.cross_entropy(t(4, 3), np.array(labels))


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.array([0, 1, -1, 2]), r"label -1 is out of range for 3 classes.*\[0, 2\]"),
        (np.array([0, 3, 1, 2], dtype=np.uint8), r"label 3 is out of range for 3 classes"),
        (np.array([0.0, 1.0, 2.0, 0.0]), r"labels must be integers, got dtype float64"),
        (np.array([0, 1]), r"labels must have shape \(4,\) for logits of shape \(4, 3\)"),
        (np.array([[0, 1, 2, 0]]), r"must have shape \(4,\).*got \(1, 4\)"),
        ([0, 1, 2, 0], r"labels must be a numpy array of 4 integers"),
        # numpy's indexing takes booleans as 0 and 1: cross_entropy refuses them, as torch does
        (np.array([True, False, True, False]), r"labels must be integers, got dtype bool"),
        (np.array([0, 1, 2, 0], dtype=object), r"labels must be integers, got dtype object"),
    ],
)
def test_the_fused_node_itself_refuses_labels_it_cannot_use(labels: Any, message: str) -> None:
    # ops.CrossEntropy called directly, without cross_entropy's checks: a negative label
    # used to pick from the end of its row (numpy's negative indexing), a silent wrong loss
    from tinygrad_mlp.ops import CrossEntropy

    with pytest.raises(ValueError, match=message):
        CrossEntropy.apply(t(4, 3), labels=labels)


@pytest.mark.parametrize("target", ["labels", "probs"])
def test_the_fused_nodes_target_cannot_change_between_its_forward_and_backward(
    target: str,
) -> None:
    # ops.CrossEntropy called directly kept the caller's own array: an edit after the
    # forward moved the gradient to another class (or, for -1, to the last one) while the
    # loss had been computed from the old target; the node now owns a copy (as Index owns
    # an index list), so the gradient is the forward's
    from tinygrad_mlp.ops import CrossEntropy

    given = np.array([0, 1]) if target == "labels" else np.array([[1.0, 0.0], [0.0, 1.0]])
    z = Tensor(np.array([[1.0, 2.0], [3.0, 5.0]]), requires_grad=True)
    loss = CrossEntropy.apply(z, **{target: given})
    given[1] = 0 if target == "labels" else np.array([1.0, 0.0])  # the caller reuses it
    loss.backward()
    a = np.exp(z.data) / np.exp(z.data).sum(axis=1, keepdims=True)  # softmax
    # eq. 3 with the forward's target; 1e-14: softmax with and without the max shift differ
    # by a few ulps
    np.testing.assert_allclose(z.grad, (a - np.eye(2)) / 2, rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.uint8, np.uint64])
def test_label_range_check_works_for_every_integer_dtype(dtype: type) -> None:
    labels = np.array([0, 1, 2, 3], dtype=dtype)
    with pytest.raises(ValueError, match=r"label 3 is out of range.*\[0, 2\]"):
        F.cross_entropy(t(4, 3), labels)


LOSS_FORMS: dict[str, Callable[[Tensor, Any], Any]] = {
    "fused": F.cross_entropy,
    "sum": lambda z, y: F.cross_entropy(z, y, reduction="sum"),
    "smoothed": lambda z, y: F.cross_entropy(z, y, label_smoothing=0.1),
    "nll_loss": lambda z, y: F.nll_loss(z, y),
}


@pytest.mark.parametrize("form", list(LOSS_FORMS))
@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint8, np.uint64])
def test_the_label_out_of_range_is_named_as_given_for_every_integer_dtype(
    dtype: type, form: str
) -> None:
    # the labels were checked as an unsigned copy and named from a signed copy of that:
    # a uint64 label of 2**64 - 1 was reported as "label -1", 2**63 as -9223372036854775808
    info = np.iinfo(dtype)
    extremes = (int(info.min), -1, 3, int(info.max))  # each outside [0, 3) if representable
    for bad in sorted({v for v in extremes if v >= info.min and not 0 <= v < 3}):
        labels = np.array([0, bad, 1, 2], dtype=dtype)
        with pytest.raises(ValueError, match=rf"label {bad} is out of range for 3 classes"):
            LOSS_FORMS[form](t(4, 3), labels)


@pytest.mark.parametrize("shape", [(4, 1), (3,), (1, 4), ()])
def test_labels_of_the_wrong_shape(shape: tuple) -> None:
    labels = np.zeros(shape, dtype=np.int64)
    pattern = rf"integer labels must have shape \(4,\).*{shapes_pattern((4, 3), shape)}"
    with pytest.raises(ValueError, match=pattern):
        F.cross_entropy(t(4, 3), labels)


@pytest.mark.parametrize("shape", [(4, 2), (3, 3), (4,), (4, 3, 1)])
def test_probability_target_of_the_wrong_shape(shape: tuple) -> None:
    target = np.full(shape, 0.25)
    pattern = (
        rf"probability targets must have the logits' shape \(4, 3\), got {shapes_pattern(shape)}"
    )
    with pytest.raises(ValueError, match=pattern):
        F.cross_entropy(t(4, 3), target)


@pytest.mark.parametrize("bad", [-0.5, np.nan, np.inf, -np.inf])
def test_probability_target_with_negative_or_non_finite_entries(bad: float) -> None:
    target = np.full((4, 3), 1 / 3)
    target[2, 1] = bad
    with pytest.raises(ValueError, match="probability targets must be finite and non-negative"):
        F.cross_entropy(t(4, 3), target)


def test_target_of_another_kind_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"integer labels or float probabilities, got dtype bool"):
        F.cross_entropy(t(4, 3), np.array([True, False, True, False]))


@pytest.mark.parametrize("shape", [(3,), (2, 3, 4), ()])
def test_logits_must_be_2d(shape: tuple) -> None:
    with pytest.raises(
        ValueError, match=rf"logits must have shape \(B, K\).*{shapes_pattern(shape)}"
    ):
        F.cross_entropy(t(*shape), np.array([0]))


def test_logits_must_be_a_tensor() -> None:
    with pytest.raises(TypeError, match="logits must be a Tensor, got ndarray"):
        F.cross_entropy(np.zeros((2, 3)), np.array([0, 1]))


# --- backward -----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(2, 3), (3,), (1, 2)])
def test_non_scalar_backward_without_grad_names_the_shape(shape: tuple) -> None:
    x = t(*shape, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=rf"shape {shapes_pattern(shape)} needs grad="):
        y.backward()
    assert x.grad is None


def test_one_element_output_needs_no_grad() -> None:
    x = t(1, 1, requires_grad=True)
    (x * 3).backward()  # one element: the implicit gradient 1 is well defined
    np.testing.assert_array_equal(x.grad, [[3.0]])


@pytest.mark.parametrize(
    "make",
    [
        lambda: t(),  # a plain leaf
        lambda: t(3) * 2,  # computed from leaves that do not require grad
        lambda: t(2, 3, requires_grad=True) > 0,  # a comparison
    ],
)
def test_backward_on_a_tensor_that_does_not_require_grad(make: Callable[[], Tensor]) -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        make().sum().backward()


def test_backward_on_a_result_computed_under_no_grad() -> None:
    x = t(3, requires_grad=True)
    with no_grad():
        y = (x * 2).sum()
    with pytest.raises(RuntimeError, match=r"does not require grad.*no_grad"):
        y.backward()
    assert x.grad is None


@pytest.mark.parametrize("grad_shape", [(3,), (3, 2), (1, 2, 3), ()])
def test_grad_of_the_wrong_shape_in_backward(grad_shape: tuple) -> None:
    x = t(2, 3, requires_grad=True)
    y = x * 2
    pattern = rf"grad has shape {shapes_pattern(grad_shape)}, the tensor has \(2, 3\)"
    with pytest.raises(ValueError, match=pattern):
        y.backward(np.ones(grad_shape))
    assert x.grad is None  # nothing accumulated


RETURNS: dict[str, Callable[[Any], Any]] = {
    "None": lambda g: None,  # a rule that forgot its return
    "an array": lambda g: g * 2,  # one gradient, not in a tuple: its rows were taken
    "a generator": lambda g: (g * 2 for _ in range(1)),  # anomaly mode consumed it first
    "a number": lambda g: 2.0,
    "a dict": lambda g: {0: g * 2},
}


@pytest.mark.parametrize("anomaly", [False, True], ids=["", "anomaly"])
@pytest.mark.parametrize("create_graph", [False, True], ids=["", "create_graph"])
@pytest.mark.parametrize("returned", list(RETURNS))
def test_a_rule_returning_no_tuple_of_gradients_is_named(
    returned: str, create_graph: bool, anomaly: bool
) -> None:
    # each gave a message about something else (no len(), an iterable after *, the truth
    # value of an array, fewer gradients than inputs) or, for an array of one row per
    # input, took its rows as the gradients
    from tinygrad_mlp import detect_anomaly
    from tinygrad_mlp.ops import Op

    class Doubles(Op):
        def forward(self, x: np.ndarray) -> np.ndarray:
            return 2 * x

        def backward(self, g: Any, inputs: Any, out: Any) -> Any:
            return RETURNS[returned](g)

    x = t(1, 3, requires_grad=True)
    with detect_anomaly() if anomaly else contextlib.nullcontext():
        y = Doubles.apply(x).sum()
        with pytest.raises(TypeError, match=r"Doubles\.backward returned .*, not a tuple"):
            y.backward(create_graph=create_graph)
    assert x.grad is None


def test_a_complex_gradient_for_a_real_input_is_refused() -> None:
    # numpy's cast to the input's dtype dropped the imaginary part with a warning only (as
    # backward(grad=complex) would, which _seed refuses for that reason); with
    # create_graph the rule's own product with a complex number already raises
    from tinygrad_mlp.ops import Op

    class Rotates(Op):
        def forward(self, x: np.ndarray) -> np.ndarray:
            return 2 * x

        def backward(self, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
            return (g * (2 + 1j),)

    x = t(3, requires_grad=True)
    with pytest.raises(TypeError, match=r"Rotates.*complex128.*input of dtype float64"):
        Rotates.apply(x).sum().backward()
    assert x.grad is None


# --- operand types ----------------------------------------------------------------------------


@pytest.mark.parametrize("exponent", ["2", None, {1: 2}])
def test_pow_refuses_an_exponent_that_is_not_a_number_or_an_array(exponent: object) -> None:
    # numbers, arrays and Tensors are exponents (issue 9); anything else is named
    with pytest.raises(TypeError, match=rf"unsupported operand type.*{type(exponent).__name__}"):
        t(3, requires_grad=True) ** exponent


def test_a_string_to_the_power_of_a_tensor_is_refused() -> None:
    with pytest.raises(TypeError, match=r"unsupported operand type.*str"):
        "2" ** t(3)  # type: ignore[operator]


@pytest.mark.parametrize("other", ["a", None, {1: 2}])
def test_unsupported_operand_types_are_named(other: object) -> None:
    with pytest.raises(
        TypeError, match=rf"unsupported operand type for Tensor: {type(other).__name__}"
    ):
        t(3) * other
