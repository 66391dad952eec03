"""The experiments: the eps sweep's V-curve, kink counts, and the command's files and plots.

What is asserted is physics, not copied numbers: truncation makes a too-large eps worse than
the best, round-off makes a too-small one worse, float64's best error is far below
float32's, and float32's best eps is larger (u^(1/3): 3.9e-3 against 4.8e-6).
"""

from __future__ import annotations

import csv
import json
import os
import platform
import shlex
import sys

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp.experiments import kink_stats, sweep_eps
from tinygrad_mlp.experiments.eps_sweep import eps_grid
from tinygrad_mlp.experiments.results import read_results, write_results
from tinygrad_mlp.utils.atomic import atomic_write

from .helpers import run_cli

SMALL = ["--sizes", "3", "4", "2", "--batch", "3"]


def test_sweep_draws_the_v_curve_in_both_dtypes():
    sweep = sweep_eps((3, 4, 2), batch=3, eps=list(eps_grid(12)), quiet=True)
    for dtype in ("float32", "float64"):
        errs = sweep.errors[("central", dtype)]
        _, best = sweep.best(dtype)
        assert errs[0] > 10 * best and errs[-1] > 10 * best  # both arms of the V
    (e32, m32), (e64, m64) = sweep.best("float32"), sweep.best("float64")
    assert m64 < 1e-8 < 1e-5 < m32  # u^(2/3): ~2e-11 against ~1.5e-5, give or take 1000x
    assert e32 > e64
    rows = sweep.rows()
    assert len(rows) == 24 and sum(r["best"] for r in rows) == 2
    assert {r["scheme"] for r in rows} == {"central"}


def test_kink_stats_counts_entries_and_sees_more_kinks_with_a_larger_eps():
    tiny = kink_stats([3, 6], [4], eps=1e-6, quiet=True)
    # entries: 4 -> w -> w -> 3 has w*4 + w + w*w + w + 3*w + 3 parameters
    assert [r.entries for r in tiny] == [3 * 4 + 3 + 9 + 3 + 9 + 3, 6 * 4 + 6 + 36 + 6 + 18 + 3]
    assert all(r.kinks == (0,) and r.failed == (0,) for r in tiny)  # a kink within 2.5e-7: ~never
    large = kink_stats([8], [64], eps=1e-2, quiet=True)
    assert large[0].kinks[0] > 0 and large[0].fraction == large[0].kinks[0] / large[0].entries


def test_sweep_command_prints_the_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "sweep.json"
    status, stdout, stderr = run_cli(
        ["gradcheck", "--sweep-eps", *SMALL, "--points", "4", "--out", str(out)], capsys
    )
    assert status == 0
    assert "central float32" in stdout and "central float64: best eps" in stdout
    assert "gradcheck --sweep-eps: 8/8 done" in stderr  # progress on stderr, not stdout
    doc = json.loads(out.read_text())
    assert doc["experiment"] == "sweep-eps" and len(doc["rows"]) == 8
    assert set(doc["settings"]["best"]) == {"central float32", "central float64"}
    assert {(r["scheme"], r["dtype"]) for r in doc["rows"]} == {
        ("central", "float32"),
        ("central", "float64"),
    }


def test_kinks_command_writes_csv(tmp_path, capsys):
    out = tmp_path / "kinks.csv"
    argv = ["gradcheck", "--kinks", *SMALL, "--widths", "2", "3", "--batches", "1", "--out"]
    status, stdout, _ = run_cli([*argv, str(out)], capsys)
    assert status == 0 and "fraction" in stdout
    doc = read_results(out)
    assert [(r["width"], r["batch"]) for r in doc["rows"]] == [("2", "1"), ("3", "1")]
    assert doc["experiment"] == "kinks" and doc["settings"]["seeds"] == 3
    assert doc["provenance"] == _provenance([*argv, str(out)])
    # the provenance is a block of '# key: value' comments above the header: csv readers
    # that skip comments see the plain table
    lines = out.read_text().splitlines()
    assert all(line.startswith("# ") for line in lines[:7]) and lines[7].startswith("width,")
    plain = list(csv.DictReader(line for line in out.open() if not line.startswith("#")))
    assert plain == doc["rows"]


def _provenance(argv):
    """What every results file must say about where it came from."""
    return {
        "tool": "tinygrad-mlp",
        "version": tm.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "command": shlex.join(["tinygrad-mlp", *argv]),
    }


def test_every_json_output_starts_with_its_provenance(tmp_path, capsys):
    out = tmp_path / "sweep.json"
    argv = ["gradcheck", "--sweep-eps", *SMALL, "--points", "2", "--out", str(out)]
    assert run_cli(argv, capsys)[0] == 0
    doc = json.loads(out.read_text())
    assert next(iter(doc)) == "provenance" and doc["provenance"] == _provenance(argv)
    assert read_results(out)["provenance"] == doc["provenance"]


def test_the_library_records_its_own_command_line_when_given_none(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.argv", ["my script.py", "--flag"])
    write_results(tmp_path / "r.json", "demo", {}, [{"a": 1}])
    assert read_results(tmp_path / "r.json")["provenance"]["command"] == "'my script.py' --flag"


def test_a_results_file_without_provenance_still_reads(tmp_path):
    old = tmp_path / "old.csv"
    old.write_text("eps,error\n0.1,0.5\n")
    assert read_results(old) == {
        "provenance": {}, "experiment": None, "settings": {},
        "rows": [{"eps": "0.1", "error": "0.5"}],
    }  # fmt: skip


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
        (["--plot", "p.jpg"], "must end in .png or .pdf or .svg"),
        (["--plot", "p"], "must end in .png or .pdf or .svg"),
        (["--schemes", "complex"], "--schemes applies to --sweep-eps"),
        (["--sweep-eps", "--schemes", "spline"], "invalid choice: 'spline'"),
        (["--seeds", "3"], "--seeds applies to --kinks"),
        (["--kinks", "--seeds", "0"], "expected a positive integer"),
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


MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-", ".svg": b"<?xml"}


@pytest.mark.parametrize("suffix", list(MAGIC))
@pytest.mark.parametrize(
    "mode", [["--sweep-eps", "--points", "3"], ["--kinks", "--widths", "2", "--seeds", "2"], []]
)
def test_plot_writes_the_format_of_the_extension(mode, suffix, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / f"figure{suffix}"
    status, stdout, _ = run_cli(["gradcheck", *mode, *SMALL, "--plot", str(path)], capsys)
    assert status == 0 and f"plot written to {path}" in stdout
    data = path.read_bytes()
    assert data.startswith(MAGIC[suffix])
    if suffix == ".svg":  # the caption line names the run's settings; text stays text
        assert "seed 0" in data.decode() and "<svg" in data.decode()
    assert os.listdir(tmp_path) == [path.name]  # no temporary file left behind


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


# --- schemes, seeds, figures ------------------------------------------------------------------


def test_every_scheme_draws_its_own_curve_and_the_complex_step_has_no_right_arm():
    grid = list(eps_grid(12))  # 1e-1 .. 1e-12, one point per decade
    sweep = sweep_eps((3, 4, 2), batch=3, eps=grid, dtypes=["float64"], quiet=True,
                      schemes=("forward", "central", "richardson", "complex"))  # fmt: skip
    best = {s: sweep.best("float64", s)[1] for s in ("forward", "central", "richardson", "complex")}
    # higher order, lower floor: u^(1/2) ~ 1e-8, u^(2/3) ~ 2e-11, u^(4/5) ~ 2e-13, u ~ 1e-16
    assert best["forward"] > best["central"] > best["richardson"] > best["complex"]
    assert best["complex"] <= 1e-13  # round-off of float64, the criterion
    complex_errs = sweep.errors[("complex", "float64")]
    assert max(complex_errs[-4:]) <= 1e-13  # eps 1e-9 .. 1e-12: no subtraction, no round-off arm
    central_errs = sweep.errors[("central", "float64")]
    assert central_errs[-1] > 1e3 * best["central"]  # the central curve's round-off arm
    assert {r["scheme"] for r in sweep.rows()} == {"forward", "central", "richardson", "complex"}


def test_kink_statistics_over_seeds_hold_each_seed_and_their_spread():
    rows = kink_stats([6], [32], eps=1e-2, seeds=3, quiet=True)
    (row,) = rows
    assert len(row.kinks) == len(row.failed) == 3
    fractions = [k / row.entries for k in row.kinks]
    assert row.fraction == pytest.approx(sum(fractions) / 3, rel=1e-12)
    assert row.spread == pytest.approx(float(np.std(fractions, ddof=1)), rel=1e-12)
    d = row.as_dict()
    assert d["seeds"] == 3 and d["failed"] == sum(row.failed)
    assert d["fraction_min"] <= d["fraction"] <= d["fraction_max"]
    one = kink_stats([6], [32], eps=1e-2, seeds=1, quiet=True)[0]
    assert one.kinks == row.kinks[:1] and one.spread == 0.0  # seed 0 is the first of three


def test_the_sweep_figure_shows_reference_slopes_and_the_caption(tmp_path):
    pytest.importorskip("matplotlib")
    from tinygrad_mlp.experiments.plots import plot_sweep

    sweep = sweep_eps((3, 4, 2), batch=2, eps=list(eps_grid(12)), dtypes=["float64"], quiet=True,
                      schemes=("forward", "central", "richardson"))  # fmt: skip
    path = tmp_path / "s.svg"
    plot_sweep(sweep, path)
    text = path.read_text()
    for label in ("ε¹", "ε²", "ε⁴", "u/ε", "seed network 3-4-2", "best ε of a curve"):
        assert label in text
    assert "eps^" not in text  # typeset exponents, not raw carets


def _extent(fig, artist):
    """The artist's box in display pixels, after drawing the figure once."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    return artist.get_window_extent()


def test_the_sweep_legend_hides_no_point_of_the_data(tmp_path):
    pytest.importorskip("matplotlib")
    from tinygrad_mlp.experiments.plots import plot_sweep

    sweep = sweep_eps((3, 4, 2), batch=2, eps=list(eps_grid(8)), quiet=True,
                      schemes=("central", "richardson"))  # fmt: skip
    fig = plot_sweep(sweep, tmp_path / "s.png")
    (ax,) = fig.axes
    (legend,) = fig.legends
    # every marker, best-eps stars included, is drawn inside the axes; the legend lies
    # outside them, so it covers none of them
    assert not _extent(fig, legend).overlaps(_extent(fig, ax))
    stars = [line for line in ax.lines if line.get_marker() == "*"]
    assert len(stars) == 4  # one per (scheme, dtype): each curve's best eps


def test_the_kinks_figure_keeps_its_bars_within_0_and_100_percent(tmp_path):
    pytest.importorskip("matplotlib")
    from tinygrad_mlp.experiments.kink_stats import KinkRow, fraction_range
    from tinygrad_mlp.experiments.plots import plot_kinks

    # seeds with 0 and 6 kinks of 10: mean 30 %, sd 42 %, so mean - sd would be -12 %
    rows = [KinkRow(4, 1, 10, (0, 6), (0, 3), 2.0), KinkRow(8, 1, 20, (1, 1), (0, 0), 0.5)]
    low, high = fraction_range(rows)
    assert low.tolist() == [[0.0], [0.05]] and high.tolist() == [[0.6], [0.05]]
    fig = plot_kinks(rows, 1e-2, tmp_path / "k.svg")
    left, right = fig.axes
    assert left.get_ylim()[0] == 0  # nothing drawn below 0 %
    for collection in left.collections:  # the error bars' segments, in percent
        for segment in collection.get_segments():
            assert segment[:, 1].min() >= 0 and segment[:, 1].max() <= 100
    # the failures get their own panel instead of text beside the points (no overlaps)
    assert [t for t in left.texts] == [] and right.lines[0].get_ydata().tolist() == [3, 0]
    text = (tmp_path / "k.svg").read_text()
    assert "+-" not in text and "min to max over seeds" in text


def test_the_table_figure_marks_exact_zeros_and_draws_the_thresholds(tmp_path):
    pytest.importorskip("matplotlib")
    from tinygrad_mlp.checks.seed_network import CLOSED_FORM_RTOL, FD_RTOL
    from tinygrad_mlp.experiments.figure_style import ZERO_LABEL
    from tinygrad_mlp.experiments.plots import plot_table

    rows = [
        {"name": "0.weight", "err_closed_form": 1e-16, "err_fd": 3e-10},
        {"name": "0.bias", "err_closed_form": 0.0, "err_fd": 2e-10},
    ]
    fig = plot_table(rows, tmp_path / "t.svg", {"seed": 0})
    (ax,) = fig.axes
    ymin = ax.get_ylim()[0]
    points = [
        y for line in ax.lines for y in np.atleast_1d(line.get_ydata()) if line.get_marker() == "o"
    ]
    assert np.nanmin(points) == 1e-16 and np.isnan(points[1])  # the 0 is no invented 1e-18
    assert ymin > 1e-18
    thresholds = {line.get_ydata()[0] for line in ax.lines if line.get_linestyle() == "--"}
    assert thresholds == {CLOSED_FORM_RTOL, FD_RTOL}
    text = (tmp_path / "t.svg").read_text()
    for label in ("engine vs closed form", "engine vs finite differences", ZERO_LABEL,
                  "pass threshold vs closed form: 1e-12"):  # fmt: skip
        assert label in text
    assert "err_" not in text and "closed_form" not in text  # no raw column keys


def test_a_figure_with_an_unknown_extension_is_refused(tmp_path):
    from tinygrad_mlp.experiments.figure_style import check_format

    with pytest.raises(ValueError, match=r"must end in \.png, \.pdf, \.svg"):
        check_format(tmp_path / "figure.jpg")
