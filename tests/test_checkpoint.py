"""Checkpoints: round trips without pickle, refusal of bad files, and crash safety.

The crash tests run a child process (a script written here) that saves a first checkpoint,
then starts a second save and is killed with SIGKILL at a point chosen by the environment
variable KILL_AT: "mid-write" (after the first array of the new file is written) or
"before-rename" (the new file is complete and fsynced but not yet renamed). Either way the
first checkpoint must still load, unchanged.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import nn, optim
from tinygrad_mlp.train import checkpoint
from tinygrad_mlp.utils.atomic import atomic_write


def sample() -> dict:
    return {
        "model": {"0.weight": np.arange(6, dtype=np.float32).reshape(2, 3), "0.bias": np.ones(2)},
        "optimizer": {"type": "SGD", "lr": 0.1, "nesterov": True, "state": {}},
        "epoch": 3,
        "note": "hello",
        "ints": np.array([1, 2, 3], dtype=np.int16),
    }


def test_round_trip_keeps_structure_values_and_dtypes(tmp_path) -> None:
    path = tmp_path / "ckpt.npz"
    tm.save(sample(), path)
    got = tm.load(path)
    assert sorted(got) == ["epoch", "ints", "model", "note", "optimizer"]
    assert got["model"]["0.weight"].dtype == np.float32
    assert np.array_equal(got["model"]["0.weight"], sample()["model"]["0.weight"])
    assert np.array_equal(got["model"]["0.bias"], np.ones(2))
    assert got["ints"].dtype == np.int16
    assert got["epoch"] == 3 and isinstance(got["epoch"], np.integer)
    assert got["note"] == "hello" and got["optimizer"]["type"] == "SGD"
    assert got["optimizer"]["lr"] == 0.1 and bool(got["optimizer"]["nesterov"]) is True
    assert got["optimizer"]["state"] == {}  # empty dicts survive


def test_file_is_a_plain_npz_readable_without_pickle(tmp_path) -> None:
    path = tmp_path / "ckpt.npz"
    tm.save(sample(), path)
    with np.load(path, allow_pickle=False) as f:
        assert "model/0.weight" in f.files and "optimizer/lr" in f.files
        assert f["epoch"].shape == () and f["epoch"].dtype == np.int64
        assert all(f[k].dtype != object for k in f.files)


def test_model_and_optimizer_resume_from_a_file(tmp_path) -> None:
    model = nn.MLP(4, [5], 3, rng=np.random.default_rng(0), dtype=np.float64)
    opt = optim.Adam(model.parameters(), lr=0.01)
    for p in model.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()
    tm.save(
        {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 1}, tmp_path / "c.npz"
    )
    ckpt = tm.load(tmp_path / "c.npz")
    other = nn.MLP(4, [5], 3, rng=np.random.default_rng(1), dtype=np.float64)
    other_opt = optim.Adam(other.parameters())
    other.load_state_dict(ckpt["model"])
    other_opt.load_state_dict(ckpt["optimizer"])
    assert other_opt.state[0]["step"] == 1
    for name, value in model.state_dict().items():
        assert np.array_equal(other.state_dict()[name], value)


@pytest.mark.parametrize(
    ("obj", "exc", "match"),
    [
        ({"a": np.array([object()])}, TypeError, "'a' has dtype object"),
        ({"a": {"b": None}}, TypeError, "'a/b' is a NoneType"),
        ({1: np.ones(2)}, KeyError, "non-empty strings"),
        ({"a/b": np.ones(2)}, KeyError, "without '/'"),
        ({"__format__": 1}, KeyError, "reserved"),
        ([1, 2], TypeError, "expected a dict"),
    ],
)
def test_save_refuses_what_it_cannot_store_and_writes_nothing(obj, exc, match, tmp_path) -> None:
    path = tmp_path / "ckpt.npz"
    tm.save({"x": 1}, path)
    before = path.read_bytes()
    with pytest.raises(exc, match=match):
        tm.save(obj, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # no temporary file left behind


def test_a_failing_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch) -> None:
    path = tmp_path / "ckpt.npz"
    tm.save({"x": 1}, path)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", boom)
    with pytest.raises(OSError, match="disk full"):
        tm.save({"x": 2}, path)
    monkeypatch.undo()
    assert int(tm.load(path)["x"]) == 1
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def _write_foreign(path, kind: str) -> None:
    if kind == "plain npz":
        np.savez(path, a=np.ones(2))
    elif kind == "pickled npz":
        np.savez(path, a=np.array([{"x": 1}], dtype=object))
    elif kind == "npy":
        with open(path, "wb") as f:
            np.save(f, np.ones(3))
    elif kind == "text":
        path.write_text("not a checkpoint\n")
    elif kind == "empty":
        path.write_bytes(b"")


@pytest.mark.parametrize(
    ("kind", "match"),
    [
        ("plain npz", "not a tinygrad_mlp checkpoint"),
        ("pickled npz", "object array that would need pickle; refused"),
        ("npy", "single .npy array"),
        ("text", "truncated, or not an .npz checkpoint"),
        ("empty", "truncated, or not an .npz checkpoint"),
    ],
)
def test_load_refuses_foreign_files_naming_them(kind: str, match: str, tmp_path) -> None:
    path = tmp_path / "foreign.npz"
    _write_foreign(path, kind)
    with pytest.raises(checkpoint.CheckpointError, match=match) as info:
        tm.load(path)
    assert str(path) in str(info.value)


def test_load_refuses_a_pickled_member_without_unpickling(tmp_path) -> None:
    # a file with our marker and an object array: numpy refuses it, we report it
    path = tmp_path / "evil.npz"
    np.savez(
        path,
        __format__=np.asarray(checkpoint.FORMAT),
        __version__=np.asarray(1),
        x=np.array([{"x": 1}], dtype=object),
    )
    with pytest.raises(checkpoint.CheckpointError, match="pickle"):
        tm.load(path)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_load_refuses_a_truncated_checkpoint(keep: float, tmp_path) -> None:
    path = tmp_path / "ckpt.npz"
    tm.save({"w": np.arange(1000.0), "epoch": 2}, path)
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * keep)])
    with pytest.raises(checkpoint.CheckpointError, match=r"ckpt\.npz: truncated"):
        tm.load(path)


def test_load_refuses_a_corrupt_member(tmp_path) -> None:
    path = tmp_path / "ckpt.npz"
    tm.save({"w": np.arange(1000.0)}, path)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("w.npy")
    raw[info.header_offset + 200] ^= 0xFF  # inside w's data: the CRC no longer matches
    path.write_bytes(bytes(raw))
    with pytest.raises(checkpoint.CheckpointError, match="truncated or corrupt"):
        tm.load(path)


def test_load_refuses_a_newer_format_and_missing_files(tmp_path) -> None:
    path = tmp_path / "new.npz"
    np.savez(path, __format__=np.asarray(checkpoint.FORMAT), __version__=np.asarray(99))
    with pytest.raises(checkpoint.CheckpointError, match="version 99 is newer"):
        tm.load(path)
    with pytest.raises(FileNotFoundError, match=r"missing\.npz: no such file"):
        tm.load(tmp_path / "missing.npz")
    with pytest.raises(checkpoint.CheckpointError, match="is a directory"):
        tm.load(tmp_path)


def test_a_refused_model_state_leaves_the_model_untouched(tmp_path) -> None:
    model = nn.MLP(4, [5], 3, rng=np.random.default_rng(0), dtype=np.float64)
    other = nn.MLP(4, [6], 3, rng=np.random.default_rng(1), dtype=np.float64)
    tm.save({"model": other.state_dict()}, tmp_path / "c.npz")
    before = model.state_dict()
    with pytest.raises(ValueError, match="shape"):
        model.load_state_dict(tm.load(tmp_path / "c.npz")["model"])
    for name, value in model.state_dict().items():
        assert np.array_equal(value, before[name])


# --- killed in the middle of a save ---------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    import numpy as np
    import tinygrad_mlp as tm
    from tinygrad_mlp.train import checkpoint

    path = sys.argv[1]
    tm.save({"w": np.zeros(50_000), "epoch": 1}, path)   # the checkpoint to keep

    def die():
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    where = os.environ["KILL_AT"]
    if where == "mid-write":
        write_array = np.lib.format.write_array
        def write_then_die(fp, array, *args, **kwargs):
            write_array(fp, array, *args, **kwargs)   # one array of the new file is written
            fp.flush()
            die()
        np.lib.format.write_array = write_then_die
    elif where == "before-rename":
        def replace_then_die(src, dst):
            print(os.path.getsize(src), flush=True)   # the complete new file, not renamed yet
            die()
        os.replace = replace_then_die
    tm.save({"w": np.ones(50_000), "epoch": 2}, path)
    print("save finished: the hook did not fire")
    """
)


@pytest.mark.parametrize("kill_at", ["mid-write", "before-rename"])
def test_a_process_killed_mid_save_leaves_the_previous_checkpoint(kill_at: str, tmp_path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    path = tmp_path / "ckpt.npz"
    proc = subprocess.run(
        [sys.executable, str(script), str(path)],
        env={**os.environ, "KILL_AT": kill_at},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    ckpt = tm.load(path)  # the first checkpoint, whole
    assert int(ckpt["epoch"]) == 1 and np.array_equal(ckpt["w"], np.zeros(50_000))
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".ckpt.npz.")]
    assert len(leftovers) == 1  # the killed save's temporary file, beside the target
    if kill_at == "mid-write":
        with pytest.raises(checkpoint.CheckpointError):
            tm.load(leftovers[0])  # half a file is refused, never half-loaded
    else:
        assert leftovers[0].stat().st_size == int(proc.stdout.split()[0])
    tm.save({"w": np.ones(3), "epoch": 3}, path)  # the next save works despite the leftover
    assert int(tm.load(path)["epoch"]) == 3


def test_atomic_write_replaces_the_whole_file(tmp_path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"old content that is long")
    atomic_write(path, lambda f: f.write(b"new"))
    assert path.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["f.bin"]
