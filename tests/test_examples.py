"""Every program in examples/ runs to completion with --fast (so none of them rots), and says
what it is meant to show; spirals and draw_graphs also run without their optional extras.

Each example runs in a fresh interpreter, as a user would run it (``python examples/x.py``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# What each example prints when it shows what it is meant to show.
EXPECT = {
    "seed_three_ways.py": ["all three agree"],
    "spirals.py": ["accuracy train", "decision regions"],
    "buggy_custom_op.py": ["FAILED, 6 of 6 entries", "passed", "backward of WrongShape"],
    "hessian_by_hand.py": ["the hand-derived Hessian matches"],
    "draw_graphs.py": ["neuron.dot", "seed_network.dot", "digraph"],
    "anomaly_mode.py": ["loss = nan", "Exp turned finite inputs into inf", "anomaly_mode.py:"],
}


def run(name: str, out: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name), "--fast", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,  # a hang is a failure, not a stuck suite (the examples take seconds)
    )
    assert proc.returncode == 0, f"{name} exited {proc.returncode}:\n{proc.stderr}"
    return proc.stdout


def test_every_example_is_listed() -> None:
    found = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert found == set(EXPECT)


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_example_runs(name: str, tmp_path: Path) -> None:
    out = run(name, tmp_path)
    for text in EXPECT[name]:
        assert text in out, f"{name} did not print {text!r}:\n{out}"


def test_spirals_without_matplotlib(tmp_path: Path) -> None:
    blocker = tmp_path / "block" / "matplotlib"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('matplotlib hidden for this test')\n")
    env = {**os.environ, "PYTHONPATH": str(blocker.parent)}
    out = run("spirals.py", tmp_path, env)
    assert "matplotlib is not installed" in out and "decision regions" in out
    assert not (tmp_path / "spirals.png").exists()


def test_draw_graphs_without_graphviz(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": os.path.dirname(sys.executable)}  # a PATH with no dot on it
    if shutil.which("dot", path=env["PATH"]):
        pytest.skip("dot lives beside the Python interpreter")
    out = run("draw_graphs.py", tmp_path, env)
    assert "only .dot files" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["neuron.dot", "seed_network.dot"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_draw_graphs_renders_svg_with_graphviz(tmp_path: Path) -> None:
    run("draw_graphs.py", tmp_path)
    for name in ("neuron.svg", "seed_network.svg"):
        assert (tmp_path / name).read_text().lstrip().startswith("<?xml")
