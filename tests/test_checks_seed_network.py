"""checks/seed_network.py: the seed network's first-order (three-way) and second-order checks.

The command that prints them, ``tinygrad-mlp gradcheck [--order 2]``, is tested in
tests/test_cli.py; here the checks themselves, and a rule bug the second order must catch.
"""

from __future__ import annotations

import pytest

from tinygrad_mlp.checks.seed_network import format_table2, seed_network_check, seed_network_check2
from tinygrad_mlp.cli import main
from tinygrad_mlp.ops import CrossEntropyGrad


@pytest.mark.parametrize(
    ("sizes", "batch", "seed"),
    [((4, [5, 4], 3), 6, 0), ((6, [7], 4), 9, 3), ((3, [4, 4, 4], 2), 5, 1)],
)
def test_every_row_passes_on_the_engine(sizes, batch, seed):
    n_in, hidden, n_out = sizes
    rows = seed_network_check2(n_in, hidden, n_out, batch, seed)
    assert rows[0].name == "logits Hessian" and len(rows) == 1 + 2 * (len(hidden) + 1)
    assert all(r.ok for r in rows), format_table2(rows)


def test_a_cross_entropy_rule_that_cuts_the_graph_fails(monkeypatch, capsys):
    """Negative control: the gradient's softmax taken as a constant zeroes the Hessian."""
    original = CrossEntropyGrad.backward

    def cut(self, u, inputs, out):
        _, gg = original(self, u, inputs, out)
        return None, gg  # no path from dE/dz back to z: the bug a second-order check must catch

    monkeypatch.setattr(CrossEntropyGrad, "backward", cut)
    rows = seed_network_check2()
    assert not rows[0].ok  # the logits' Hessian is zero instead of diag(a) - a a^T
    assert main(["gradcheck", "--order", "2"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_cli_order_2_passes_and_refuses_mixed_options(capsys):
    assert main(["gradcheck", "--order", "2"]) == 0
    out = capsys.readouterr().out
    assert "all second derivatives agree" in out and out.count("PASS") == 7
    for extra in (["--kinks"], ["--engine", "scalar"], ["--sweep-eps"]):
        with pytest.raises(SystemExit) as exc:
            main(["gradcheck", "--order", "2", *extra])
        assert exc.value.code == 2


def test_seed_network_check_passes_with_the_defaults():
    """The check behind ``tinygrad-mlp gradcheck`` (the command itself: tests/test_cli.py)."""
    rows = seed_network_check()
    assert [r.name for r in rows] == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
        "4.weight",
        "4.bias",
    ]
    assert all(r.ok for r in rows)
    assert all(r.err_closed_form < 1e-14 for r in rows)  # float64, a handful of terms
