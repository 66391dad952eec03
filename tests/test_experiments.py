"""The experiments: the eps sweep's V-curve, kink counts, and the command's files and plots.

What is asserted is physics, not copied numbers: truncation makes a too-large eps worse than
the best, round-off makes a too-small one worse, float64's best error is far below
float32's, and float32's best eps is larger (u^(1/3): 3.9e-3 against 4.8e-6).
"""

from __future__ import annotations

import csv
import json
import os
import sys

import pytest

from tinygrad_mlp.experiments import kink_stats, sweep_eps
from tinygrad_mlp.experiments.eps_sweep import eps_grid
from tinygrad_mlp.experiments.results import write_results
from tinygrad_mlp.utils.atomic import atomic_write

from .helpers import run_cli

SMALL = ["--sizes", "3", "4", "2", "--batch", "3"]


def test_sweep_draws_the_v_curve_in_both_dtypes():
    sweep = sweep_eps((3, 4, 2), batch=3, eps=list(eps_grid(12)), quiet=True)
    for dtype in ("float32", "float64"):
        errs = sweep.errors[dtype]
        _, best = sweep.best(dtype)
        assert errs[0] > 10 * best and errs[-1] > 10 * best  # both arms of the V
    (e32, m32), (e64, m64) = sweep.best("float32"), sweep.best("float64")
    assert m64 < 1e-8 < 1e-5 < m32  # u^(2/3): ~2e-11 against ~1.5e-5, give or take 1000x
    assert e32 > e64
    rows = sweep.rows()
    assert len(rows) == 24 and sum(r["best"] for r in rows) == 2


def test_kink_stats_counts_entries_and_sees_more_kinks_with_a_larger_eps():
    tiny = kink_stats([3, 6], [4], eps=1e-6, quiet=True)
    # entries: 4 -> w -> w -> 3 has w*4 + w + w*w + w + 3*w + 3 parameters
    assert [r.entries for r in tiny] == [3 * 4 + 3 + 9 + 3 + 9 + 3, 6 * 4 + 6 + 36 + 6 + 18 + 3]
    assert all(r.kinks == 0 and r.failed == 0 for r in tiny)  # a kink within 2.5e-7: ~never
    large = kink_stats([8], [64], eps=1e-2, quiet=True)
    assert large[0].kinks > 0 and large[0].fraction == large[0].kinks / large[0].entries


def test_sweep_command_prints_the_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "sweep.json"
    status, stdout, stderr = run_cli(
        ["gradcheck", "--sweep-eps", *SMALL, "--points", "4", "--out", str(out)], capsys
    )
    assert status == 0
    assert "float32 rel error" in stdout and "float64: best eps" in stdout
    assert "gradcheck --sweep-eps: 8/8 done" in stderr  # progress on stderr, not stdout
    doc = json.loads(out.read_text())
    assert doc["experiment"] == "sweep-eps" and len(doc["rows"]) == 8
    assert set(doc["settings"]["best"]) == {"float32", "float64"}


def test_kinks_command_writes_csv(tmp_path, capsys):
    out = tmp_path / "kinks.csv"
    argv = ["gradcheck", "--kinks", *SMALL, "--widths", "2", "3", "--batches", "1", "--out"]
    status, stdout, _ = run_cli([*argv, str(out)], capsys)
    assert status == 0 and "fraction" in stdout
    rows = list(csv.DictReader(out.open()))
    assert [(r["width"], r["batch"]) for r in rows] == [("2", "1"), ("3", "1")]


def test_the_table_writes_its_rows_too(tmp_path, capsys):
    out = tmp_path / "table.json"
    status, _, _ = run_cli(["gradcheck", *SMALL, "--out", str(out)], capsys)
    rows = json.loads(out.read_text())["rows"]
    assert status == 0 and [r["name"] for r in rows] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(r["ok"] for r in rows)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--out", "r.txt"], "must end in .json or .csv"),
        (["--out", "no/such/folder/r.json"], "does not exist"),
        (["--plot", "p.jpg"], "must end in .png"),
        (["--points", "5"], "--points applies to --sweep-eps"),
        (["--widths", "4"], "--widths and --batches apply to --kinks"),
        (["--sweep-eps", "--eps", "1e-3"], "--sweep-eps sweeps eps itself"),
        (["--sweep-eps", "--kinks"], "not allowed with argument"),
        (["--sweep-eps", "--points", "1"], "--points needs at least 2"),
    ],
)
def test_bad_experiment_options_exit_2(argv, message, capsys):
    status, _, err = run_cli(["gradcheck", *argv], capsys)
    assert status == 2 and message in err


def test_plot_without_matplotlib_says_what_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    argv = ["gradcheck", "--sweep-eps", *SMALL, "--points", "2", "--plot", str(tmp_path / "p.png")]
    status, stdout, err = run_cli(argv, capsys)
    assert status == 2 and "needs matplotlib" in err and "tinygrad-mlp[plot]" in err
    assert stdout == "" and not (tmp_path / "p.png").exists()  # refused before any work


@pytest.mark.parametrize(
    "mode", [["--sweep-eps", "--points", "3"], ["--kinks", "--widths", "2"], []]
)
def test_plot_writes_a_png(mode, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "figure.png"
    status, stdout, _ = run_cli(["gradcheck", *mode, *SMALL, "--plot", str(png)], capsys)
    assert status == 0 and f"plot written to {png}" in stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert os.listdir(tmp_path) == ["figure.png"]  # no temporary file left behind


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("previous results\n")
    with pytest.raises(TypeError, match="cannot write a object"):
        write_results(target, "demo", {}, [{"value": object()}])
    assert target.read_text() == "previous results\n"
    assert os.listdir(tmp_path) == ["r.json"]


def test_a_write_that_dies_halfway_leaves_the_previous_file_whole(tmp_path):
    target = tmp_path / "r.csv"
    target.write_text("previous results\n")

    def half_then_crash(f):
        f.write(b"eps,error\n0.1,")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, half_then_crash)
    assert target.read_text() == "previous results\n"
    assert os.listdir(tmp_path) == ["r.csv"]  # the temporary file is gone
