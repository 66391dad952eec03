"""Files and commands: hostile checkpoints, long names, stale temporaries, the CLI.

A bad file must give a :class:`CheckpointError` (or, from ``tinygrad-mlp train``, exit status
2 and one line) naming the file and the problem; no large allocation happens before the
sizes in a header are checked.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp.data.idx import save_idx
from tinygrad_mlp.train.checkpoint import CheckpointError
from tinygrad_mlp.utils.atomic import NAME_MAX, atomic_write

from .helpers import run_cli


def _good(path: Path) -> Path:
    tm.save({"model": {"w": np.arange(3.0)}, "epoch": 1}, path)
    return path


def _npy_header(shape: tuple[int, ...], dtype: str = "<f8") -> bytes:
    """A valid .npy v1.0 header claiming ``shape``, padded to 64 bytes as numpy writes it."""
    text = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape!r}, }}"
    text += " " * (64 - 10 - len(text) - 1) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode()


def _add_member(path: Path, name: str, data: bytes, compress: bool = False) -> None:
    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "a", compression=mode) as zf:
        zf.writestr(name, data)


# --- tm.load ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "data", "match"),
    [
        ("readme.txt", b"hello", "unexpected member 'readme.txt'"),
        ("notes/", b"", "unexpected member 'notes/'"),
        (".npy", np.lib.format.magic(1, 0), "malformed key ''|not a .npy array"),
        ("a//b.npy", b"", "not a .npy array"),
        ("x.npy", b"not an array", "member 'x.npy' is not a .npy array"),
        ("x.npy", _npy_header((10**10,)), r"claims shape \(10000000000,\)"),
        ("x.npy", _npy_header((2, 3)) + b"\0" * 8, "claims shape"),  # 8 of 48 bytes
        ("x.npy", _npy_header((2,), "|O") + b"\0" * 16, "would need pickle"),
    ],
)
def test_load_refuses_a_bad_member_naming_the_file(tmp_path, member, data, match) -> None:
    path = _good(tmp_path / "ckpt.npz")
    _add_member(path, member, data)
    with pytest.raises(CheckpointError, match=match) as info:
        tm.load(path)
    assert str(path) in str(info.value)


def test_an_empty_member_name_is_a_checkpoint_error(tmp_path) -> None:
    path = _good(tmp_path / "ckpt.npz")
    buf = tmp_path / "a.npy"
    np.save(buf, np.ones(2))
    _add_member(path, ".npy", buf.read_bytes())
    with pytest.raises(CheckpointError, match=r"malformed key ''") as info:
        tm.load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("compress", [False, True])
def test_a_huge_claimed_shape_is_refused_before_any_allocation(tmp_path, compress) -> None:
    path = _good(tmp_path / "ckpt.npz")
    _add_member(path, "x.npy", _npy_header((10**10,)) + b"\0" * 64, compress)
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match="claims shape"):
            tm.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20  # 10 MB: the file's own size, not the 80 GB the header claims


def test_a_zip_entry_claiming_more_than_deflate_can_give_is_refused(tmp_path) -> None:
    path = _good(tmp_path / "ckpt.npz")
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x.npy", _npy_header((10**6,)) + bytes(8 * 10**6))  # 8 MB of zeros
    # forge the sizes: claim 10^12 bytes of uncompressed data in the central directory
    raw = bytearray(path.read_bytes())
    at = raw.rfind(b"PK\x01\x02")  # the last member's central-directory entry
    raw[at + 24 : at + 28] = (0xFFFFFFF0).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError) as info:
        tm.load(path)
    assert str(path) in str(info.value)


def test_load_still_reads_what_save_writes(tmp_path) -> None:
    tree = {"m": {"a": np.arange(6.0).reshape(2, 3), "e": {}}, "s": "x", "n": 3}
    for compress in (False, True):
        tm.save(tree, tmp_path / "c.npz", compress=compress)
        back = tm.load(tmp_path / "c.npz")
        assert np.array_equal(back["m"]["a"], tree["m"]["a"]) and back["m"]["e"] == {}
        assert back["m"]["a"].flags.writeable and str(back["s"]) == "x" and int(back["n"]) == 3


# --- tm.save: long names, stale temporaries ---------------------------------------------


@pytest.mark.parametrize("length", [200, 230, 240, 250, NAME_MAX])
def test_save_accepts_every_legal_name_length(tmp_path, length: int) -> None:
    path = tmp_path / ("c" * (length - 4) + ".npz")
    tm.save({"w": np.ones(2)}, path)
    assert np.array_equal(tm.load(path)["w"], np.ones(2))
    assert os.listdir(tmp_path) == [path.name]  # no temporary left behind


def test_two_long_names_sharing_a_prefix_get_distinct_temporaries(tmp_path) -> None:
    a, b = tmp_path / ("p" * 250 + "a.npz"), tmp_path / ("p" * 250 + "b.npz")
    tm.save({"w": np.zeros(1)}, a)
    tm.save({"w": np.ones(1)}, b)
    assert float(tm.load(a)["w"][0]) == 0.0 and float(tm.load(b)["w"][0]) == 1.0


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # reaped: its pid names no process (until the system reuses it)
    return proc.pid


def test_the_next_save_removes_temporaries_of_dead_processes(tmp_path) -> None:
    target = tmp_path / "ckpt.npz"
    dead = tmp_path / f".ckpt.npz.{_dead_pid()}.0123abcd.tmp"
    alive = tmp_path / f".ckpt.npz.{os.getppid()}.0123abcd.tmp"  # our parent: alive
    other = tmp_path / f".other.npz.{_dead_pid()}.0123abcd.tmp"  # another target's
    for p in (dead, alive, other):
        p.write_bytes(b"half a checkpoint")
    tm.save({"w": np.ones(1)}, target)
    assert sorted(os.listdir(tmp_path)) == sorted([target.name, alive.name, other.name])


def test_a_failed_write_leaves_no_temporary(tmp_path) -> None:
    def boom(f) -> None:
        f.write(b"half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        atomic_write(tmp_path / "x.bin", boom)
    assert os.listdir(tmp_path) == []


# --- tinygrad-mlp train: one line, exit 2 ---------------------------------------------------


def _checkpoint(tmp_path: Path, capsys) -> Path:
    path = tmp_path / "run.npz"
    argv = ["train", "--dataset", "spirals", "--epochs", "1", "--hidden", "4", "--save", str(path)]
    status, _, err = run_cli(argv, capsys)
    assert status == 0, err
    return path


def _edited(tmp_path: Path, source: Path, edit) -> Path:
    ckpt = tm.load(source)
    edit(ckpt)
    path = tmp_path / "edited.npz"
    tm.save(ckpt, path)
    return path


def _assert_one_line(status: int, out: str, err: str, *needles: str) -> None:
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("tinygrad-mlp train: error: ")
    for needle in needles:
        assert needle in lines[0], (needle, err)


def test_resume_refuses_a_checkpoint_with_an_extra_member(tmp_path, capsys) -> None:
    path = _checkpoint(tmp_path, capsys)
    _add_member(path, "notes.txt", b"hi")
    status, out, err = run_cli(["train", "--resume", str(path)], capsys)
    _assert_one_line(status, out, err, str(path), "unexpected member 'notes.txt'")


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("batch_size", 0, "batch_size 0"),
        ("epochs", -1, "epochs -1"),
        ("lr", -0.5, "lr -0.5"),
        ("momentum", 1.5, "momentum 1.5"),
        ("optimizer", "rmsprop", "optimizer 'rmsprop'"),
        ("hidden", np.array([4, 0]), "hidden [4, 0]"),
    ],
)
def test_resume_refuses_impossible_settings(tmp_path, capsys, field, value, needle) -> None:
    path = _edited(
        tmp_path, _checkpoint(tmp_path, capsys), lambda c: c["config"].update({field: value})
    )
    status, out, err = run_cli(["train", "--resume", str(path), "--epochs", "2"], capsys)
    _assert_one_line(status, out, err, str(path), needle)


def test_resume_refuses_a_history_without_a_column(tmp_path, capsys) -> None:
    path = _edited(tmp_path, _checkpoint(tmp_path, capsys), lambda c: c["history"].pop("epoch"))
    status, out, err = run_cli(["train", "--resume", str(path), "--epochs", "2"], capsys)
    _assert_one_line(status, out, err, str(path), "lacks the column(s) ['epoch']")


def test_resume_refuses_history_columns_of_different_lengths(tmp_path, capsys) -> None:
    def cut(c) -> None:
        c["history"]["test_loss"] = np.zeros(0)

    path = _edited(tmp_path, _checkpoint(tmp_path, capsys), cut)
    status, out, err = run_cli(["train", "--resume", str(path), "--epochs", "2"], capsys)
    _assert_one_line(status, out, err, str(path), "differ in length")


def _idx_argv(tmp_path: Path, images: np.ndarray, labels: np.ndarray) -> list[str]:
    img, lab = tmp_path / "images.idx", tmp_path / "labels.idx"
    save_idx(img, images)
    save_idx(lab, labels)
    return ["train", "--dataset", "idx", "--train-images", str(img), "--train-labels", str(lab)]


@pytest.mark.parametrize(
    ("images", "labels", "needle"),
    [
        (np.zeros((60, 0), np.uint8), np.arange(60, dtype=np.uint8) % 3, "hold no values"),
        (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8), "holds no images"),
        (np.zeros((6, 4), np.uint8), np.zeros(6, np.uint8), "hold a single class"),
    ],
)
def test_idx_files_that_cannot_be_trained_on(tmp_path, capsys, images, labels, needle) -> None:
    argv = _idx_argv(tmp_path, images, labels)
    status, out, err = run_cli(argv, capsys)
    _assert_one_line(status, out, err, needle)
    assert "images.idx" in err or "labels.idx" in err


@pytest.mark.parametrize("fraction", ["0.0001", "0.0002"])  # of 1797 digits: 0.2, 0.4 rows
def test_a_test_fraction_leaving_no_test_rows_is_an_error(capsys, fraction: str) -> None:
    status, out, err = run_cli(["train", "--test-fraction", fraction, "--epochs", "1"], capsys)
    _assert_one_line(status, out, err, "test set is empty", fraction)
    assert "nan" not in err


def test_ctrl_c_during_train_exits_130_with_one_line(tmp_path) -> None:
    save = tmp_path / "run.npz"
    argv = ["--dataset", "spirals", "--epochs", "100000", "--hidden", "4", "--save", str(save)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_mlp", "train", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().startswith("spirals:")
        assert proc.stderr is not None and proc.stderr.readline().startswith("epoch ")
        proc.send_signal(signal.SIGINT)  # training has started: an epoch line was printed
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    lines = [line for line in err.splitlines() if line and not line.startswith("epoch ")]
    assert lines == [f"tinygrad-mlp train: interrupted; {save} holds the last finished epoch"]
    assert int(tm.load(save)["epoch"]) >= 1  # the checkpoint is whole


def test_gradcheck_with_stdout_closed_exits_non_zero() -> None:
    argv = [sys.executable, "-m", "tinygrad_mlp", "gradcheck", "--sizes", "3", "4", "3", "2"]
    proc = subprocess.run(
        argv, preexec_fn=lambda: os.close(1), stderr=subprocess.PIPE, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert "stdout is closed" in proc.stderr
