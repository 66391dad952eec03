"""The ``tinygrad-mlp`` command line: gradcheck's table, exit statuses, usage errors, bench.

Exit statuses (cli.py): 0 when everything passed, 1 when a check failed, 2 for bad usage.
Bad usage reported by argparse arrives as SystemExit(2); run_cli turns both kinds into a
status so every case is checked the same way. No test asserts a timing: speed is not a
unit-test concern, only that bench runs and prints a well-formed row.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from .helpers import run_cli


def expected_rows(sizes: list[int]) -> list[tuple[str, str]]:
    """(name, shape column) of each parameter of the network N -> hidden... -> K."""
    rows = []
    for i in range(len(sizes) - 1):
        name = str(2 * i)  # Linear layers sit at 0, 2, 4, ... with ReLUs between
        rows.append((f"{name}.weight", f"{sizes[i + 1]}x{sizes[i]}"))
        rows.append((f"{name}.bias", f"{sizes[i + 1]}"))
    return rows


# --- gradcheck -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "sizes", "header"),
    [
        ([], [4, 5, 4, 3], "seed network 4-5-4-3, batch 6, seed 0, eps 1e-06, float64"),
        (
            ["--sizes", "6", "5", "4", "3", "--batch", "8", "--seed", "1"],
            [6, 5, 4, 3],
            "seed network 6-5-4-3, batch 8, seed 1, eps 1e-06, float64",
        ),
        (["--sizes", "3", "4", "2"], [3, 4, 2], "seed network 3-4-2, batch 6"),
        (
            ["--sizes", "5", "3", "--eps", "1e-5"],
            [5, 3],
            "seed network 5-3, batch 6, seed 0, eps 1e-05",
        ),
    ],
)
def test_gradcheck_passes_and_prints_a_pass_row_per_parameter(
    argv: list[str], sizes: list[int], header: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_cli(["gradcheck", *argv], capsys)
    assert status == 0
    assert err == ""
    lines = out.splitlines()
    assert lines[0].startswith(header)
    table_rows = [line.split() for line in lines if line.endswith(("PASS", "FAIL"))]
    assert len(table_rows) == 2 * (len(sizes) - 1)  # a weight and a bias per layer
    assert [(r[0], r[1]) for r in table_rows] == expected_rows(sizes)
    assert all(r[-1] == "PASS" for r in table_rows)
    assert lines[-1] == "all gradients agree"


def test_gradcheck_table_columns_hold_small_errors_and_full_counts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run_cli(["gradcheck", "--sizes", "6", "5", "4", "3", "--batch", "8"], capsys)
    rows = [line.split() for line in out.splitlines() if line.endswith("PASS")]
    assert len(rows) == 6
    for name, shape, err_closed, err_fd, fd_entries, kinks, _ in rows:
        size = int(np.prod([int(s) for s in shape.split("x")]))
        assert int(fd_entries) + int(kinks) == size, name  # every entry is accounted for
        # the PASS thresholds of seedcheck.py: 1e-12 (closed form) and 1e-6 (differences)
        assert 0 <= float(err_closed) <= 1e-12 and 0 <= float(err_fd) <= 1e-6, name


# --- bad usage ------------------------------------------------------------------------------

BAD_USAGE = {
    "batch 0": (["gradcheck", "--batch", "0"], r"--batch: expected a positive integer, got 0"),
    "negative eps": (["gradcheck", "--eps", "-1"], r"--eps: expected a positive number, got -1"),
    "nan eps": (["gradcheck", "--eps", "nan"], r"--eps: expected a positive number"),
    "size 0": (["gradcheck", "--sizes", "4", "0", "3"], r"--sizes: expected a positive integer"),
    "unknown option": (["gradcheck", "--bogus"], r"unrecognized arguments: --bogus"),
    "unknown subcommand": (["frobnicate"], r"invalid choice: '?frobnicate"),
    "unknown bench size": (["bench", "--sizes", "huge"], r"invalid choice: '?huge"),
    "one size": (["gradcheck", "--sizes", "3"], r"--sizes needs at least an input and an output"),
}


@pytest.mark.parametrize("case", list(BAD_USAGE))
def test_bad_usage_exits_2_and_names_the_problem_on_stderr(
    case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv, problem = BAD_USAGE[case]
    status, out, err = run_cli(argv, capsys)
    assert status == 2
    assert out == ""  # nothing was run
    assert re.search(problem, err), err


@pytest.mark.parametrize("case", list(BAD_USAGE))
def test_bad_usage_prints_the_usage_synopsis(case: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run_cli(BAD_USAGE[case][0], capsys)
    assert status == 2
    assert err.startswith("usage: tinygrad-mlp")


def test_negative_seed_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run_cli(["gradcheck", "--seed", "-1"], capsys)
    assert status == 2
    assert "--seed" in err


# --- the installed console script ----------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "status", "expected"),
    [
        (["gradcheck"], 0, "all gradients agree"),
        (["gradcheck", "--sizes", "3"], 2, "--sizes needs at least an input and an output"),
    ],
)
def test_console_script(argv: list[str], status: int, expected: str) -> None:
    exe = shutil.which("tinygrad-mlp")
    if exe is None:
        pytest.skip("the tinygrad-mlp console script is not on PATH (package not installed?)")
    proc = subprocess.run(
        [exe, *argv], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )
    assert proc.returncode == status, proc.stderr
    assert expected in (proc.stdout if status == 0 else proc.stderr)


def test_module_entry_point_returns_the_status() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tinygrad_mlp.cli", "gradcheck", "--sizes", "3"],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2, proc.stderr


# --- bench ----------------------------------------------------------------------------------


def test_bench_runs_and_prints_a_row_with_its_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["bench", "--sizes", "tiny", "--dtypes", "float64", "--budget", "0.05", "--runs", "2"]
    status, out, err = run_cli(argv, capsys)
    assert status == 0 and err == ""
    header, row, sizes, legend = out.splitlines()
    assert header.split() == ["size", "dtype", "numpy", "ms", "exact/np", "eager/np", "jit/np"]
    cell = r"(\S+)±(\S+)"
    m = re.fullmatch(rf"tiny\s+float64\s+(\S+)\s+{cell}\s+{cell}\s+{cell}\s+2x(\d+) steps", row)
    assert m, row
    numpy_ms, *cells = (float(v) for v in m.group(1, 2, 3, 4, 5, 6, 7))
    steps = int(m.group(8))
    # each ratio is the median of per-round ratios to the numpy step of the same round
    # (bench/tensor.py), then the median over runs: no timing is asserted, only that every
    # figure is a finite positive ratio with a non-negative spread
    assert np.isfinite(numpy_ms) and numpy_ms > 0
    ratios, spreads = cells[0::2], cells[1::2]
    assert all(np.isfinite(v) and v > 0 for v in ratios)
    assert all(np.isfinite(v) and v >= 0 for v in spreads)
    assert 20 <= steps <= 20000  # the calibration's clamp in cli/bench.py
    assert sizes == "sizes: tiny 64-32-32-10 (batch 32)"
    assert legend.startswith("ratio to the hand-written numpy step")


def test_a_closed_output_pipe_ends_quietly_with_the_sigpipe_status(monkeypatch):
    """'tinygrad-mlp gradcheck | head -1': no traceback, status 128 + SIGPIPE.

    In process and deterministic: stdout is a pipe whose reading end is already closed, so
    the first write fails with EPIPE, exactly as after head has exited.
    """
    import io
    import os

    from tinygrad_mlp.cli import main

    read_end, write_end = os.pipe()
    os.close(read_end)
    out = io.TextIOWrapper(os.fdopen(write_end, "wb", buffering=0), write_through=True)
    monkeypatch.setattr("sys.stdout", out)
    try:
        assert main(["gradcheck"]) == 141
    finally:
        monkeypatch.undo()
        out.close()


# --- the command as a whole: bare call, Ctrl-C, table widths, --kinks footer, --quiet ---------


def test_a_bare_command_prints_the_help_and_exits_0(capsys):
    """As pip does: nothing asked is no error; the usage and every command are shown."""
    from tinygrad_mlp.cli import COMMANDS

    status, out, err = run_cli([], capsys)
    assert status == 0 and err == ""
    assert out.startswith("usage: tinygrad-mlp")
    for command in COMMANDS:
        assert f"    {command.NAME}" in out and command.HELP.split()[0] in out
    statuses = out.split("exit status:")[1]
    for code in ("0", "1", "2", "130", "141"):
        assert f"  {code}  " in statuses
    assert run_cli(["--help"], capsys)[:2] == (0, out)  # the same help as asked for


def test_ctrl_c_ends_any_command_with_one_line_and_status_130(monkeypatch, capsys):
    from tinygrad_mlp.cli import gradcheck

    def interrupted(args, parser):
        raise KeyboardInterrupt

    monkeypatch.setattr(gradcheck, "run", interrupted)
    status, out, err = run_cli(["gradcheck"], capsys)
    assert status == 130 and out == ""
    assert err.strip() == "tinygrad-mlp gradcheck: interrupted"  # no traceback


@pytest.mark.parametrize(
    "argv",
    [
        ["gradcheck", "--engine", "both"],
        ["gradcheck", "--order", "2"],
        ["gradcheck", "--sweep-eps", "--points", "3", "--schemes", "forward", "central",
         "richardson", "complex"],
        ["gradcheck", "--kinks", "--widths", "4", "--batches", "1", "--seeds", "2"],
        ["bench", "--sizes", "tiny", "--dtypes", "float64", "--budget", "0.01", "--runs", "1"],
    ],
)  # fmt: skip
def test_every_table_fits_in_100_columns(argv, capsys):
    status, out, _ = run_cli(argv, capsys)
    assert status == 0
    widest = max(out.splitlines(), key=len)
    assert len(widest) <= 100, widest


def test_the_bench_sizes_line_wraps_within_100_columns():
    from tinygrad_mlp.cli.bench import SIZE_NAMES, sizes_lines

    lines = sizes_lines(SIZE_NAMES)  # all four: 130 columns on one line
    assert len(lines) == 2 and all(len(line) <= 100 for line in lines)
    assert " ".join(" ".join(lines).split()).startswith("sizes: tiny 64-32-32-10 (batch 32), ")
    assert "wide 784-1024-1024-10 (batch 256)" in " ".join(" ".join(lines).split())


def test_the_kinks_footer_blames_kinks_only_where_there_were_kinks(capsys):
    """At eps 1e-2, width 4, batch 1, seeds 0..4 have no entry at a kink, and one entry of
    seed 2 fails anyway: its truncation error (ratio 1.02, falling as eps^2: 0.09 at
    3e-3, 0.01 at 1e-3), which the footer must not put down to kinks."""
    argv = ["gradcheck", "--kinks", "--widths", "4", "--batches", "1", "--seeds", "5"]
    status, out, _ = run_cli(argv, capsys)
    assert status == 0
    row = next(line.split() for line in out.splitlines() if line.split()[:2] == ["4", "1"])
    assert row[4] == "0.0" and row[8] == "1"  # no kinks, one failure
    assert "in networks with entries at kinks" not in out
    assert "1 entries failed in networks with no entry at a kink: not kinks" in out


def test_train_quiet_prints_no_progress_only_the_results(capsys):
    argv = ["train", "--dataset", "spirals", "--hidden", "8", "--epochs", "2"]
    status, out, err = run_cli([*argv, "--quiet"], capsys)
    assert status == 0 and err == ""
    assert "test accuracy" in out
    status, loud_out, loud_err = run_cli(argv, capsys)
    assert status == 0 and "epoch 2/2" in loud_err  # without it: a line per epoch
    strip = [line for line in out.splitlines() if not line.startswith("trained")]  # timings
    assert strip == [line for line in loud_out.splitlines() if not line.startswith("trained")]


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_bench_out_and_train_records_carry_their_provenance(suffix, tmp_path, capsys):
    import platform

    import tinygrad_mlp as tm
    from tinygrad_mlp.experiments.results import read_results

    bench = ["bench", "--sizes", "tiny", "--dtypes", "float64", "--budget", "0.01", "--runs", "1"]
    train = ["train", "--dataset", "spirals", "--hidden", "8", "--epochs", "3", "-q"]
    for argv, option, experiment, count in ((bench, "--out", "bench", 1),
                                            (train, "--records", "train", 3)):  # fmt: skip
        path = tmp_path / f"{experiment}{suffix}"
        full = [*argv, option, str(path)]
        assert run_cli(full, capsys)[0] == 0
        doc = read_results(path)
        assert doc["provenance"] == {
            "tool": "tinygrad-mlp", "version": tm.__version__, "numpy": np.__version__,
            "python": platform.python_version(), "command": " ".join(["tinygrad-mlp", *full]),
        }  # fmt: skip
        assert doc["experiment"] == experiment and len(doc["rows"]) == count
    assert [int(r["epoch"]) for r in doc["rows"]] == [1, 2, 3]
    assert doc["settings"]["dataset"] == "spirals" and doc["settings"]["hidden"] == [8]
