"""The command line's contract: --version, python -m tinygrad_mlp, every subcommand's --help
listing its exit statuses and an example, the gradcheck table naming its metric and
thresholds, and figures in the format of their extension (train --plot t.svg is SVG)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import tinygrad_mlp as tm
from tinygrad_mlp.checks.seed_network import CLOSED_FORM_RTOL, FD_RTOL
from tinygrad_mlp.cli import COMMANDS

from .helpers import run_cli


def test_version_is_the_package_version(capsys):
    status, out, _ = run_cli(["--version"], capsys)
    assert status == 0 and out.strip() == f"tinygrad-mlp {tm.__version__}"


ROOT = Path(__file__).resolve().parent.parent


def test_the_version_has_one_source_and_every_place_shows_it(capsys):
    """pyproject's version is dynamic, read from tinygrad_mlp.__version__; CITATION.cff and
    --version say the same."""
    # read as TOML, not through the venv's setuptools: an old one (a fresh venv's bundled
    # copy) cannot parse the SPDX license string that the build's setuptools >= 77 writes
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["project"]["dynamic"] == ["version"] and "version" not in config["project"]
    assert config["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "tinygrad_mlp.__version__"
    }
    from importlib.metadata import version

    assert version("tinygrad-mlp") == tm.__version__  # what the installed metadata says
    cff = (ROOT / "CITATION.cff").read_text()
    assert re.search(r"^cff-version: 1\.2\.0$", cff, re.M)
    assert re.search(rf'^version: "{re.escape(tm.__version__)}"$', cff, re.M)
    for key in ("message", "title", "authors", "license"):  # what CFF 1.2.0 asks for, + license
        assert re.search(rf"^{key}:", cff, re.M), key
    _, out, _ = run_cli(["--version"], capsys)
    assert out.split() == ["tinygrad-mlp", tm.__version__]


def test_the_license_file_is_mit_as_the_metadata_says():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    text = (ROOT / "LICENSE").read_text()
    assert project["license"] == "MIT" and text.startswith("MIT License")
    assert "Copyright (c) 2026 the tinygrad_mlp authors" in text
    assert "urls" not in project  # no public repository yet: no made-up address


def test_python_dash_m_tinygrad_mlp_runs_the_command():
    proc = subprocess.run(
        [sys.executable, "-m", "tinygrad_mlp", "--version"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.strip() == f"tinygrad-mlp {tm.__version__}"
    proc = subprocess.run(
        [sys.executable, "-m", "tinygrad_mlp", "gradcheck", "--sizes", "3"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 2 and "--sizes needs at least" in proc.stderr


@pytest.mark.parametrize("command", [c.NAME for c in COMMANDS])
def test_every_subcommand_help_lists_exit_statuses_and_an_example(command, capsys):
    status, out, _ = run_cli([command, "--help"], capsys)
    assert status == 0
    statuses = out.split("exit status:")[1].split("example:")[0]
    for code in ("0", "2", "130", "141"):
        assert f"  {code}  " in statuses
    example = out.split("example:")[1]
    assert f"tinygrad-mlp {command}" in example


def test_the_gradcheck_table_and_help_name_metric_and_thresholds(capsys):
    status, out, _ = run_cli(["gradcheck", "--sizes", "3", "4", "2", "--batch", "3"], capsys)
    assert status == 0
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("error columns:"))
    legend = " ".join(lines[start:-1])  # wrapped to 100 columns, above "all gradients agree"
    assert "normwise relative error max|a - r| / max|r|" in legend
    assert f"vs closed <= {CLOSED_FORM_RTOL:g}" in legend and f"vs FD <= {FD_RTOL:g}" in legend
    _, help_text, _ = run_cli(["gradcheck", "--help"], capsys)
    flat = " ".join(help_text.split())
    assert "max|a - r| / max|r|" in flat and "<= 1e-12" in flat and "<= 1e-6" in flat
    assert "|a - n| <= atol + rtol |n|" in flat  # and how tm.gradcheck differs


@pytest.mark.parametrize(("suffix", "magic"), [(".svg", b"<?xml"), (".pdf", b"%PDF-")])
def test_train_plot_writes_the_extensions_format(suffix, magic, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / f"t{suffix}"
    argv = ["train", "--dataset", "spirals", "--hidden", "8", "--epochs", "2", "--plot", str(path)]
    status, _, _ = run_cli(argv, capsys)
    assert status == 0 and path.read_bytes().startswith(magic)
    if suffix == ".svg":
        text = path.read_text()
        assert "spirals" in text and "seed 0" in text  # the caption says which run it shows


def test_train_plot_with_another_extension_is_a_usage_error(tmp_path, capsys):
    status, _, err = run_cli(["train", "--plot", str(tmp_path / "t.jpg")], capsys)
    assert status == 2 and "must end in .png, .pdf, .svg" in err
    assert not (tmp_path / "t.jpg").exists()
