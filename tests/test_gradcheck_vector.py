"""gradcheck on vector outputs (the whole Jacobian, or random output weights), a function that
ignores its inputs, and what each report's header says.

Tolerances: gradcheck's float64 defaults (atol 1e-6, rtol 1e-5, eps 1e-6; reasons in
tinygrad_mlp/checks/tolerances.py). The wrong rules below are off by O(1), far above them.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import GradcheckError, Tensor, gradcheck
from tinygrad_mlp.checks import GradcheckWarning
from tinygrad_mlp.ops import Exp

MODES = ["full", "projection"]


def leaf(*values):
    return Tensor(np.array(values, dtype=np.float64), requires_grad=True)


class ExpWrongInEntry1(Exp):
    """exp whose derivative is doubled in entry 1 only: one Jacobian entry J[1, 1] is wrong."""

    def backward(self, g, inputs, out):
        scale = np.ones(out.shape)
        scale[1] = 2.0
        return (g * out * scale,)


def test_full_mode_checks_every_entry_of_the_jacobian():
    x, w = leaf(0.5, -1.2, 2.0), leaf(1.5, 0.7)
    fn = lambda x, w: (x.reshape(3, 1) * w).exp()  # noqa: E731  # a 3x2 output
    report = gradcheck(fn, [x, w], names=["x", "w"])
    assert report.ok
    assert [r.checked for r in report.inputs] == [6 * 3, 6 * 2]  # outputs x input entries


def test_a_wrong_jacobian_entry_is_named_by_output_and_input():
    x = leaf(0.5, -1.2, 2.0)
    report = gradcheck(lambda x: ExpWrongInEntry1.apply(x), [x], raise_exception=False)
    r = report.inputs[0]
    assert r.failed == 1 and r.worst == (1,) and r.worst_output == (1,)
    assert r.worst_analytic == pytest.approx(2 * np.exp(-1.2), rel=1e-12)  # the rule's value
    assert r.worst_numeric == pytest.approx(np.exp(-1.2), rel=1e-8)  # central FD round-off
    assert "(1) -> out(1)" in str(report)


def test_projection_mode_weighs_outputs_at_random_and_catches_the_same_entry():
    x = leaf(0.5, -1.2, 2.0)
    fn = lambda x: ExpWrongInEntry1.apply(x)  # noqa: E731
    assert gradcheck(lambda x: x.exp(), [x], mode="projection").ok
    report = gradcheck(fn, [x], mode="projection", n_directions=4, raise_exception=False)
    assert not report.ok and report.inputs[0].checked == 4
    # other directions and output weights: the verdict does not hinge on one lucky draw
    other = gradcheck(
        fn, [x], mode="projection", rng=np.random.default_rng(9), raise_exception=False
    )
    assert not other.ok


@pytest.mark.parametrize("mode", MODES)
def test_an_output_that_ignores_the_inputs_raises_never_passes(mode):
    x = leaf(1.0, 2.0)
    const = lambda x: Tensor(np.array(3.0))  # noqa: E731
    with pytest.raises(GradcheckError, match="does not depend on any of the inputs"):
        gradcheck(const, [x], mode=mode)
    detached = lambda x: Tensor(x.numpy() * 2).sum()  # noqa: E731  # a copy cuts the graph
    with pytest.raises(GradcheckError, match="does not depend"):
        gradcheck(detached, [x], mode=mode)
    with pytest.warns(GradcheckWarning, match="0 against 0 proves nothing"):
        report = gradcheck(const, [x], mode=mode, raise_exception=False)
    assert not report.ok and "nothing was checked" in str(report)


def test_headers_name_the_check_and_the_entrywise_rule():
    x = leaf(0.3, -0.7)
    first = str(gradcheck(lambda t: (t * t * t).sum(), [x]))
    second = str(tm.gradgradcheck(lambda t: (t * t * t).sum(), [x]))
    assert first.startswith("gradcheck (full, float64") and "entrywise |a - n|" in first
    assert second.startswith("gradgradcheck (full, float64")


def test_gradgradcheck_of_an_affine_function_checks_a_zero_hessian():
    x = leaf(0.3, -0.7)
    report = tm.gradgradcheck(lambda t: (t * 3.0).sum(), [x])  # gradient 3: constant
    assert report.ok and report.inputs[0].checked == 2
    # FD of a constant gradient: round-off only, far under the default atol = 1e-6
    assert report.inputs[0].worst_analytic == 0.0 and report.inputs[0].max_abs_err < 1e-6
