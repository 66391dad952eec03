"""Training end to end: determinism, resuming, divergence, and ``tinygrad-mlp train``.

Exit statuses of ``train``: 0 trained, 1 the loss became NaN or infinite, 2 bad usage or an
unreadable data or checkpoint file. Runs here are small (a hidden layer of 16, 2-4 epochs),
except the one that checks the default run's accuracy target.
"""

from __future__ import annotations

import gzip
import io
import re
import struct
import sys

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import train
from tinygrad_mlp.train import TrainConfig
from tinygrad_mlp.utils.blas import _openblas, limit_threads

from .helpers import run_cli

SMALL = {"hidden": (16,), "batch_size": 64}


# --- the library ----------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_same_seed_gives_the_same_loss_curve_bit_for_bit(optimizer: str) -> None:
    config = TrainConfig(epochs=2, optimizer=optimizer, **SMALL)
    a, b = train.run(config).history, train.run(config).history
    assert len(a.step_loss) == 2 * 23  # ceil(1438 / 64) steps per epoch
    assert a.step_loss == b.step_loss
    assert [r.test_loss for r in a.epochs] == [r.test_loss for r in b.epochs]
    other = train.run(TrainConfig(epochs=2, optimizer=optimizer, seed=1, **SMALL)).history
    assert other.step_loss != a.step_loss


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_resuming_continues_the_uninterrupted_run_bit_for_bit(optimizer: str, tmp_path) -> None:
    path = tmp_path / "ckpt.npz"
    whole = train.run(TrainConfig(epochs=4, optimizer=optimizer, **SMALL))
    train.run(TrainConfig(epochs=2, optimizer=optimizer, **SMALL), save=path)
    ckpt = tm.load(path)
    assert int(ckpt["epoch"]) == 2
    resumed = train.run(TrainConfig(epochs=4, optimizer=optimizer, **SMALL), resume=ckpt)
    assert resumed.history.step_loss == whole.history.step_loss
    for name, value in whole.model.state_dict().items():
        assert np.array_equal(resumed.model.state_dict()[name], value), name
    strip = lambda h: [(r.train_loss, r.train_accuracy, r.test_loss) for r in h.epochs]  # noqa: E731
    assert strip(resumed.history) == strip(whole.history)


def test_resume_refuses_a_checkpoint_of_other_settings(tmp_path) -> None:
    path = tmp_path / "ckpt.npz"
    train.run(TrainConfig(epochs=1, **SMALL), save=path)
    with pytest.raises(ValueError, match=r"other settings: hidden \(16,\) != \(8,\)"):
        train.run(TrainConfig(epochs=2, hidden=(8,), batch_size=64), resume=tm.load(path))


def test_a_diverging_loss_stops_training_naming_epoch_and_step() -> None:
    # lr 1e6 only makes the loss huge; 1e12 overflows float32 within a few steps
    config = TrainConfig(epochs=3, lr=1e12, momentum=0.0, **SMALL)
    with pytest.raises(train.NonFiniteLossError, match=r"at epoch 1, step \d+ of 23") as info:
        train.run(config)
    assert "smaller --lr" in str(info.value)
    assert info.value.epoch == 1 and info.value.step >= 2


def test_spirals_train_and_beat_chance() -> None:
    result = train.run(TrainConfig(dataset="spirals", epochs=30, hidden=(32, 32), lr=0.1))
    assert result.dataset.classes == 3
    # chance is 1/3; a linear model gets ~50% on these arms, a small MLP far more
    assert result.history.epochs[-1].test_accuracy > 0.8


def test_the_default_run_reaches_97_percent_on_digits() -> None:
    with limit_threads(1):  # as the command runs it: one BLAS thread, far faster here
        result = train.run(TrainConfig())
    assert result.history.epochs[-1].test_accuracy >= 0.97


# --- the command ----------------------------------------------------------------------------


def test_train_prints_progress_on_stderr_and_the_summary_on_stdout(capsys) -> None:
    status, out, err = run_cli(["train", "--epochs", "2", "--hidden", "16"], capsys)
    assert status == 0, err
    epochs = [line for line in err.splitlines() if line.startswith("epoch")]
    assert len(epochs) == 2
    assert re.search(
        r"epoch 2/2  loss \d\.\d{4}  acc +\d+\.\d\d%  test loss \d\.\d{4}  "
        r"test acc +\d+\.\d\d%  [\d,]+ samples/s",
        epochs[1],
    ), epochs[1]
    assert out.startswith(
        "digits: 1438 train / 359 test samples, 10 classes; seed network 64-16-10"
    )
    assert re.search(
        r"test accuracy \d+\.\d\d% \(\d+/359\), test loss \d\.\d{4} after 2 epochs", out
    )
    assert re.search(r"trained 2 epochs in \d+\.\d\d s \([\d,]+ samples/s\)", out)


def test_train_shows_a_plain_progress_bar_on_a_terminal(monkeypatch, capsys) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setitem(sys.modules, "tqdm", None)  # the plain fallback, tqdm or not
    fake = Tty()
    monkeypatch.setattr(sys, "stderr", fake)
    status, _, _ = run_cli(["train", "--epochs", "1", "--hidden", "8"], capsys)
    assert status == 0
    assert re.search(r"\repoch 1/1 \[#+\.*\] \d+/45 loss \d\.\d{4}", fake.getvalue())
    assert "epoch 1/1  loss" in fake.getvalue()


def test_train_same_seed_same_output_lines(capsys) -> None:
    argv = ["train", "--epochs", "2", "--hidden", "16", "--optimizer", "adam", "--seed", "3"]
    runs = [run_cli(argv, capsys) for _ in range(2)]
    strip = [re.sub(r"[\d,]+ samples/s|\d+\.\d\d s", "", r[2] + r[1]) for r in runs]
    assert strip[0] == strip[1]


def test_train_save_then_resume_reports_the_same_final_result(tmp_path, capsys) -> None:
    ckpt = str(tmp_path / "run.npz")
    base = ["train", "--hidden", "16", "--batch-size", "64"]
    _, whole, _ = run_cli([*base, "--epochs", "3"], capsys)
    assert run_cli([*base, "--epochs", "1", "--save", ckpt], capsys)[0] == 0
    status, out, err = run_cli(["train", "--resume", ckpt, "--epochs", "3", "--save", ckpt], capsys)
    assert status == 0, err
    assert "resuming after epoch 1" in out
    assert len([line for line in err.splitlines() if line.startswith("epoch")]) == 2
    final = lambda text: re.search(r"test accuracy .*", text).group(0)  # noqa: E731
    assert final(out) == final(whole)
    assert int(tm.load(ckpt)["epoch"]) == 3


def test_train_with_huge_lr_stops_with_exit_1_naming_epoch_and_step(capsys) -> None:
    status, _, err = run_cli(["train", "--lr", "1e12", "--momentum", "0", "--hidden", "16"], capsys)
    assert status == 1
    assert re.search(r"loss became (nan|inf) at epoch 1, step \d+ of \d+.*smaller --lr", err), err


def idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">I", s) for s in array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_train_on_idx_files(tmp_path, capsys) -> None:
    rng = np.random.default_rng(0)
    labels = np.arange(40) % 4
    images = (labels[:, None, None] * 60 + rng.integers(0, 20, (40, 3, 3))).astype(np.uint8)
    (tmp_path / "tr-img.gz").write_bytes(gzip.compress(idx(images[:30])))
    (tmp_path / "tr-lab").write_bytes(idx(labels[:30]))
    (tmp_path / "te-img").write_bytes(idx(images[30:]))
    (tmp_path / "te-lab").write_bytes(idx(labels[30:]))
    argv = [
        "train",
        "--dataset",
        "idx",
        "--train-images",
        str(tmp_path / "tr-img.gz"),
        "--train-labels",
        str(tmp_path / "tr-lab"),
        "--test-images",
        str(tmp_path / "te-img"),
        "--test-labels",
        str(tmp_path / "te-lab"),
        "--epochs",
        "30",
        "--hidden",
        "8",
        "--batch-size",
        "10",
        "--optimizer",
        "adam",
        "--lr",
        "0.05",
    ]
    status, out, err = run_cli(argv, capsys)
    assert status == 0, err
    assert out.startswith("idx: 30 train / 10 test samples, 4 classes; seed network 9-8-4")
    assert "test accuracy 100.00% (10/10)" in out  # the classes are 60 grey levels apart


def test_plot_without_matplotlib_exits_2_with_a_hint(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    status, out, err = run_cli(["train", "--plot", str(tmp_path / "c.png")], capsys)
    assert status == 2 and out == ""
    assert "--plot needs matplotlib" in err and "pip install" in err


def test_plot_writes_a_png(tmp_path, capsys) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "curves.png"
    status, out, _ = run_cli(
        ["train", "--epochs", "2", "--hidden", "8", "--plot", str(png)], capsys
    )
    assert status == 0 and f"plot: {png}" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


BAD_USAGE = {
    "unknown option": (["--bogus"], r"unrecognized arguments: --bogus"),
    "unknown optimizer": (["--optimizer", "rmsprop"], r"invalid choice: '?rmsprop"),
    "unknown dataset": (["--dataset", "cifar"], r"invalid choice: '?cifar"),
    "bad dtype": (["--dtype", "float16"], r"invalid choice: '?float16"),
    "zero epochs": (["--epochs", "0"], r"--epochs: expected a positive integer, got 0"),
    "negative lr": (["--lr", "-1"], r"--lr: expected a positive number"),
    "nan momentum": (["--momentum", "nan"], r"--momentum: expected a non-negative number"),
    "bad hidden": (["--hidden", "16", "x"], r"--hidden: expected a positive integer"),
    "test fraction 1": (["--test-fraction", "1"], r"expected a fraction in \(0, 1\)"),
    "test fraction 0": (["--test-fraction", "0"], r"expected a fraction in \(0, 1\)"),
    "test fraction with spirals": (
        ["--dataset", "spirals", "--test-fraction", "0.3"],
        r"spirals makes its own test set",
    ),
    "momentum 1": (["--momentum", "1"], r"--momentum must be below 1"),
    "momentum with adam": (["--optimizer", "adam", "--momentum", "0.5"], r"sgd only"),
    "idx without files": (["--dataset", "idx"], r"needs --train-images and --train-labels"),
    "idx files without idx": (["--train-images", "a"], r"--train-images needs --dataset idx"),
    "save into nowhere": (["--save", "/nonexistent/dir/c.npz"], r"--save /nonexistent/dir/c.npz"),
    "resume missing": (["--resume", "/nonexistent.npz"], r"--resume: .*nonexistent\.npz: no such"),
}


@pytest.mark.parametrize("case", list(BAD_USAGE))
def test_bad_usage_exits_2_with_a_usage_message(case: str, capsys) -> None:
    argv, problem = BAD_USAGE[case]
    status, out, err = run_cli(["train", *argv], capsys)
    assert status == 2
    assert out == ""
    assert err.startswith("usage: tinygrad-mlp")  # argparse reports unknown options at the top
    assert re.search(problem, err), err


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, r"no such file"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", r"truncated: shape \(5,\)"),
        (b"PK\x03\x04junk", r"bad magic number"),
    ],
)
def test_bad_idx_files_exit_2_naming_the_file(content, problem, tmp_path, capsys) -> None:
    lab = tmp_path / "labels-idx1"
    if content is not None:
        lab.write_bytes(content)
    img = tmp_path / "images-idx3"
    img.write_bytes(idx(np.zeros((5, 2, 2), np.uint8)))
    argv = ["train", "--dataset", "idx", "--train-images", str(img), "--train-labels", str(lab)]
    status, out, err = run_cli(argv, capsys)
    assert status == 2 and out == ""
    assert str(lab) in err and re.search(problem, err), err


def test_resume_from_a_bad_or_contradicting_checkpoint_exits_2(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"garbage")
    status, _, err = run_cli(["train", "--resume", str(bad)], capsys)
    assert status == 2 and "bad.npz: truncated, or not an .npz checkpoint" in err
    tm.save({"model": {}}, tmp_path / "other.npz")
    status, _, err = run_cli(["train", "--resume", str(tmp_path / "other.npz")], capsys)
    assert status == 2 and "not a checkpoint of tinygrad-mlp train" in err
    good = str(tmp_path / "good.npz")
    assert run_cli(["train", "--epochs", "1", "--hidden", "8", "--save", good], capsys)[0] == 0
    status, out, err = run_cli(["train", "--resume", good, "--hidden", "16"], capsys)
    assert status == 2 and out == ""
    assert "--hidden (16,) (the checkpoint has (8,))" in err


def test_limit_threads_sets_and_restores_openblas_threads() -> None:
    libs = _openblas()
    if not libs:
        pytest.skip("no OpenBLAS loaded in this process (another BLAS, or not Linux)")
    get = libs[0][0]
    before = get()
    with limit_threads(1):
        assert get() == 1
    assert get() == before


def test_train_uses_tqdm_when_installed(monkeypatch, capsys) -> None:
    calls: list[tuple[str, object]] = []

    class FakeBar:
        def __init__(self, total: int, desc: str, file, leave: bool) -> None:
            calls.append(("open", (total, desc)))

        def set_postfix_str(self, text: str, refresh: bool) -> None:
            calls.append(("postfix", text))

        def update(self, n: int) -> None:
            calls.append(("update", n))

        def close(self) -> None:
            calls.append(("close", None))

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setitem(sys.modules, "tqdm", type(sys)("tqdm"))
    sys.modules["tqdm"].tqdm = FakeBar
    monkeypatch.setattr(sys, "stderr", Tty())
    status, _, _ = run_cli(["train", "--epochs", "2", "--hidden", "8"], capsys)
    assert status == 0
    assert [c for c in calls if c[0] == "open"] == [
        ("open", (45, "epoch 1/2")),
        ("open", (45, "epoch 2/2")),
    ]
    assert sum(1 for c in calls if c[0] == "update") == 90  # one per step
    assert sum(1 for c in calls if c[0] == "close") == 2
