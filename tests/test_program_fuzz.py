"""Differential fuzzing of random PROGRAMS: ops composed as users compose them.

The op tables check each op alone; here hypothesis draws whole programs
(:mod:`tinygrad_mlp.testing.programs`: 2-4 leaves, 3-25 ops over the whole op surface,
operands from all earlier values, scalars, in-place updates, reductions to 0-d and back)
and :func:`~tinygrad_mlp.testing.program_checks.check_program` checks values, every leaf's
gradient, a second backward, ``tm.grad`` and second order against torch (when importable)
and finite differences (always). A failure shrinks to a short program and prints it as a
runnable reproducer.

Sizes: the default run checks ``FAST`` programs and ``SCALAR_FAST`` programs of 0-d leaves
(< 40 s together); ``pytest --exhaustive`` (CI) runs the test marked ``exhaustive`` with
``MANY`` programs.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import tinygrad_mlp as tm
from tinygrad_mlp.testing.program_checks import check_program, torch_available
from tinygrad_mlp.testing.program_ops import OPS
from tinygrad_mlp.testing.programs import Line, Program, programs

from . import strategies as st

FAST = 200
SCALAR_FAST = 400
MANY = 3000
_SETTINGS = {"suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large], "deadline": None}


@settings(max_examples=FAST, **_SETTINGS)
@given(p=programs(), seed=st.seeds)
def test_random_programs_match_torch_and_finite_differences(p, seed):
    check_program(p, rng_seed=seed)


@settings(max_examples=SCALAR_FAST, **_SETTINGS)
@given(p=programs(max_ops=12, scalars=True), seed=st.seeds)
def test_random_programs_of_0d_leaves(p, seed):
    # scalars, mostly arithmetic: cheap (~0.03 s each), and where issue 17's bug lives
    check_program(p, rng_seed=seed)


@pytest.mark.exhaustive
@settings(max_examples=MANY, **_SETTINGS)
@given(p=programs(), seed=st.seeds)
def test_many_random_programs(p, seed):
    check_program(p, rng_seed=seed)


def _issue_17_program() -> Program:
    lines = (
        Line("c", "x0 + x1", "add", ("x0", "x1")),
        Line("d", "x0 * x1 + x1 ** 3", "mul", ("x0", "x1")),
        Line("c", "c + c + 1", "add", ("c", "c")),
        Line("out", "c + d"),
    )
    return Program((np.array(1.0), np.array(2.0)), lines)


def test_issue_17_program_of_0d_leaves():
    # found from outside (issue 17): the gradient buffers of two 0-d leaves were one array,
    # so a later accumulation wrote into both. a, b 0-d: c = a + b; d = a*b + b**3;
    # c = c + c + 1; (c + d).backward(): torch gives 4 and 15
    check_program(_issue_17_program(), use_torch=False)
    if torch_available():
        check_program(_issue_17_program(), use_torch=True)


def test_reproducer_is_runnable_and_prints_the_gradients(capsys):
    p = _issue_17_program()
    exec(compile(p.source(), "<reproducer>", "exec"), {})  # our own source
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("tinygrad_mlp 17.0 [")  # L = 2a + 2b + 1 + ab + b^3 at (1, 2)
    if torch_available():
        assert printed[1] == "torch 17.0 [array(4.), array(15.)]"  # dL/da = 2 + b, 2 + a + 3b^2


def test_a_wrong_gradient_is_caught_with_a_reproducer():
    # the checker must fail on a program whose rule is wrong: relu with the wrong convention
    # is not a bug here, so break the program instead: a detached operand hides a gradient
    lines = (Line("v0", "x0 * x1.detach()", "mul", ("x0", "x1")), Line("out", "v0.sum()"))
    p = Program((np.array([0.5, -0.7]), np.array([1.3, 0.9])), lines)
    with pytest.raises(AssertionError, match="central differences") as info:
        check_program(p, use_torch=False)
    assert "np.array([1.3, 0.9]).reshape((2,))," in str(info.value)  # the reproducer


def test_every_op_of_the_surface_is_drawn():
    seen: set[str] = set()

    @settings(max_examples=600, database=None, derandomize=True, **_SETTINGS)
    @given(p=programs())
    def collect(p):
        seen.update(ln.op for ln in p.lines if ln.op)

    collect()
    missing = {op.name for op in OPS} - seen
    assert not missing, f"never drawn in 600 programs: {sorted(missing)}"


def test_programs_use_in_place_updates_reuse_and_0d_values():
    counts = {"inplace": 0, "reused": 0, "0-d leaf": 0, "empty leaf": 0}

    @settings(max_examples=300, database=None, derandomize=True, **_SETTINGS)
    @given(p=programs())
    def collect(p):
        counts["inplace"] += any(ln.inplace for ln in p.lines)
        used = [a for ln in p.lines for a in ln.args]
        counts["reused"] += len(used) > len(set(used))
        counts["0-d leaf"] += any(x.ndim == 0 for x in p.leaves)
        counts["empty leaf"] += any(x.size == 0 for x in p.leaves)

    collect()
    assert all(n > 0 for n in counts.values()), counts


def test_hvp_of_the_issue_program_is_the_closed_form():
    # L = 2a + 2b + 1 + ab + b^3: H = [[0, 1], [1, 6b]], at (1, 2) along (1, 1): (1, 13)
    hv = tm.hvp(lambda a, b: (a + b) * 2 + 1 + a * b + b**3, [np.array(1.0), np.array(2.0)],
                [np.array(1.0), np.array(1.0)])
    np.testing.assert_allclose([float(h) for h in hv], [1.0, 13.0], rtol=1e-14)
