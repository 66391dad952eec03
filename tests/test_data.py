"""Data: the bundled digits, splits and batches driven by a Generator, spirals, IDX files.

IDX files are written here byte by byte with ``struct`` from the format's description
(magic 0, 0, type code, ndim; big-endian uint32 sizes; big-endian values), independently of
the library's ``save_idx``.
"""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from tinygrad_mlp import data


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# --- digits ---------------------------------------------------------------------------------


def test_digits_has_1797_samples_of_64_pixels_in_10_classes() -> None:
    (xtr, ytr), (xte, yte) = data.load_digits(test_fraction=0.2, rng=rng())
    assert xtr.shape == (1438, 64) and xte.shape == (359, 64)  # 359 = round(0.2 * 1797)
    assert xtr.dtype == np.float32 and ytr.dtype == np.int64 and yte.dtype == np.int64
    y = np.concatenate([ytr, yte])
    assert sorted(set(y.tolist())) == list(range(10))
    assert np.bincount(y).min() >= 170  # about 180 of each digit in the UCI test set


def test_digits_pixels_are_counts_0_to_16_divided_by_16() -> None:
    (xtr, _), (xte, _) = data.load_digits(rng=rng(), dtype=np.float64)
    x = np.concatenate([xtr, xte])
    assert x.min() == 0.0 and x.max() == 1.0
    assert np.array_equal(x * 16, np.round(x * 16))  # exact: k / 16 is a dyadic rational


def test_digits_split_is_deterministic_and_a_partition() -> None:
    a = data.load_digits(rng=rng(3))
    b = data.load_digits(rng=rng(3))
    c = data.load_digits(rng=rng(4))
    assert all(np.array_equal(u, v) for u, v in zip(a[0] + a[1], b[0] + b[1], strict=True))
    assert not np.array_equal(a[1][1], c[1][1])
    (_, _), (x_all, _) = data.load_digits(test_fraction=0.0, rng=rng(5))
    assert len(x_all) == 0  # fraction 0: nothing held out
    whole = data.load_digits(test_fraction=0.0, rng=rng(5))[0]
    rows = {r.tobytes() + bytes([int(lab)]) for r, lab in zip(*whole, strict=True)}
    split = {r.tobytes() + bytes([int(lab)]) for part in a for r, lab in zip(*part, strict=True)}
    assert rows == split


def test_digits_look_like_digits() -> None:
    # a nearest-class-mean classifier, fitted on the training split, gets > 85% of the test
    # split right on the real data; shuffled labels would give ~10%
    (xtr, ytr), (xte, yte) = data.load_digits(rng=rng(), dtype=np.float64)
    means = np.stack([xtr[ytr == k].mean(axis=0) for k in range(10)])
    pred = ((xte[:, None, :] - means) ** 2).sum(axis=2).argmin(axis=1)
    assert (pred == yte).mean() > 0.85


# --- splits and batches ---------------------------------------------------------------------


def test_train_test_split_partitions_by_the_generators_permutation() -> None:
    x, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    (xtr, ytr), (xte, yte) = data.train_test_split(x, y, 0.3, rng(7))
    perm = rng(7).permutation(10)
    assert ytr.tolist() == perm[3:].tolist() and yte.tolist() == perm[:3].tolist()
    assert np.array_equal(xtr[:, 0], 2 * ytr) and np.array_equal(xte[:, 0], 2 * yte)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"test_fraction": 1.0}, ValueError, "test_fraction"),
        ({"test_fraction": -0.1}, ValueError, "test_fraction"),
        ({"rng": 0}, TypeError, "Generator"),
    ],
)
def test_train_test_split_refuses_bad_arguments(kwargs, exc, match) -> None:
    args = {"x": np.zeros((4, 2)), "y": np.zeros(4), "test_fraction": 0.5, "rng": rng()}
    with pytest.raises(exc, match=match):
        data.train_test_split(**{**args, **kwargs})


@pytest.mark.parametrize(("n", "batch"), [(10, 3), (10, 5), (7, 10), (1, 1)])
def test_batches_visit_every_row_once_in_the_generators_order(n: int, batch: int) -> None:
    x, y = np.arange(n * 2).reshape(n, 2), np.arange(n)
    got = list(data.batches(x, y, batch, rng(1)))
    assert [len(yb) for _, yb in got] == [min(batch, n - s) for s in range(0, n, batch)]
    order = np.concatenate([yb for _, yb in got])
    assert order.tolist() == rng(1).permutation(n).tolist()
    for xb, yb in got:
        assert np.array_equal(xb[:, 0], 2 * yb)


def test_batches_without_a_generator_keep_the_order_and_drop_last_drops() -> None:
    y = np.arange(7)
    assert [b.tolist() for _, b in data.batches(y, y, 3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for _, b in data.batches(y, y, 3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]


@pytest.mark.parametrize(
    ("args", "exc", "match"),
    [
        ((np.zeros(3), np.zeros(4), 2), ValueError, r"same number of rows.*\(3,\).*\(4,\)"),
        ((np.zeros(3), np.zeros(3), 0), ValueError, "batch_size must be >= 1"),
        ((np.zeros(3), np.zeros(3), 1.5), TypeError, "batch_size"),
        ((np.zeros(3), np.zeros(3), 2, 42), TypeError, "Generator"),
    ],
)
def test_batches_refuse_bad_arguments(args, exc, match) -> None:
    with pytest.raises(exc, match=match):
        list(data.batches(*args))


# --- spirals --------------------------------------------------------------------------------


def test_spirals_shape_labels_and_radii() -> None:
    x, y = data.make_spirals(50, 4, noise=0.3, rng=rng(2))
    assert x.shape == (200, 2) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50] * 4
    # noise moves the angle only: the radii are 0, 1/49, ..., 1 on every arm
    radii = np.hypot(x[:, 0], x[:, 1]).reshape(4, 50)
    np.testing.assert_allclose(radii, np.tile(np.linspace(0, 1, 50), (4, 1)), atol=1e-15)


def test_spirals_are_deterministic_given_the_generator() -> None:
    a, b, c = (data.make_spirals(20, 3, 0.1, rng(s))[0] for s in (1, 1, 2))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize(
    "kwargs", [{"n_per_class": 1}, {"classes": 1}, {"noise": -1.0}, {"noise": float("nan")}]
)
def test_spirals_refuse_bad_arguments(kwargs) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        data.make_spirals(**{"n_per_class": 10, "classes": 3, "noise": 0.1, **kwargs})


# --- IDX files ------------------------------------------------------------------------------

CODES = {
    np.uint8: 0x08,
    np.int8: 0x09,
    np.int16: 0x0B,
    np.int32: 0x0C,
    np.float32: 0x0D,
    np.float64: 0x0E,
}


def idx_bytes(array: np.ndarray, code: int | None = None) -> bytes:
    """The IDX encoding of ``array``, written from the format's description."""
    code = CODES[array.dtype.type] if code is None else code
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", s) for s in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("dtype", list(CODES))
@pytest.mark.parametrize("compressed", [False, True])
def test_load_idx_reads_every_type_raw_and_gzipped(dtype, compressed: bool, tmp_path) -> None:
    values = (rng().standard_normal((3, 4, 2)) * 50).astype(dtype)
    raw = idx_bytes(values)
    path = tmp_path / ("x-idx3.gz" if compressed else "x-idx3")
    path.write_bytes(gzip.compress(raw) if compressed else raw)
    got = data.load_idx(path)
    assert got.dtype == np.dtype(dtype) and got.dtype.isnative
    assert np.array_equal(got, values)


def test_load_idx_reads_mnist_style_images_and_labels(tmp_path) -> None:
    images = rng().integers(0, 256, (5, 28, 28)).astype(np.uint8)
    labels = np.array([7, 2, 1, 0, 4], dtype=np.uint8)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images)))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(labels))
    assert np.array_equal(data.load_idx(tmp_path / "train-images-idx3-ubyte.gz"), images)
    assert data.load_idx(tmp_path / "train-labels-idx1-ubyte").tolist() == [7, 2, 1, 0, 4]


def test_save_idx_round_trips_and_is_the_format_above(tmp_path) -> None:
    values = np.arange(6, dtype=np.int16).reshape(2, 3) - 3
    data.save_idx(tmp_path / "a", values)
    assert (tmp_path / "a").read_bytes() == idx_bytes(values)
    data.save_idx(tmp_path / "b.gz", values, compress=True)
    assert np.array_equal(data.load_idx(tmp_path / "b.gz"), values)


GOOD = idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4))
BAD_FILES = {
    "wrong magic": (b"\x01\x02" + GOOD[2:], "bad magic number 0x01020802"),
    "unknown type": (GOOD[:2] + b"\x07" + GOOD[3:], "unknown type code 0x07"),
    "zero dims": (GOOD[:3] + b"\x00" + GOOD[4:], "0 dimensions"),
    "short header": (GOOD[:6], "truncated header: 2 dimensions need 12 bytes, the file has 6"),
    "tiny": (b"\x00\x00", "2 bytes is too short"),
    "empty": (b"", "0 bytes is too short"),
    "truncated data": (GOOD[:-5], r"truncated: shape \(3, 4\) of uint8 needs 12 bytes.* has 7"),
    "trailing bytes": (GOOD + b"\x00\x00", r"2 unexpected bytes after the data of shape \(3, 4\)"),
    "truncated gzip": (gzip.compress(GOOD)[:-10], "truncated or corrupt gzip data"),
    "gzipped garbage": (gzip.compress(b"\x01\x00\x08\x01"), "bad magic number"),
    "wide dims": (GOOD[:4] + struct.pack(">II", 2**31, 2**31) + GOOD[12:], "truncated"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_load_idx_names_the_file_and_the_problem(case: str, tmp_path) -> None:
    content, problem = BAD_FILES[case]
    path = tmp_path / f"{case.replace(' ', '-')}-idx"
    path.write_bytes(content)
    with pytest.raises(data.IdxError, match=problem) as info:
        data.load_idx(path)
    assert str(path) in str(info.value)


def test_load_idx_missing_file_and_directory(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope-idx1-ubyte: no such file"):
        data.load_idx(tmp_path / "nope-idx1-ubyte")
    with pytest.raises(data.IdxError, match="is a directory"):
        data.load_idx(tmp_path)


def test_load_dataset_idx_checks_images_against_labels(tmp_path) -> None:
    (tmp_path / "img").write_bytes(idx_bytes(np.zeros((4, 2, 2), np.uint8)))
    (tmp_path / "lab").write_bytes(idx_bytes(np.array([0, 1, 1], np.uint8)))
    files = (str(tmp_path / "img"), str(tmp_path / "lab"), "", "")
    with pytest.raises(ValueError, match=r"img holds 4 images but .*lab holds 3 labels"):
        data.load_dataset("idx", rng(), idx_files=files)
    (tmp_path / "lab").write_bytes(idx_bytes(np.array([0, 1, 1, 0], np.float32)))
    with pytest.raises(ValueError, match="labels must be a 1-D integer array"):
        data.load_dataset("idx", rng(), idx_files=files)
    (tmp_path / "lab").write_bytes(idx_bytes(np.array([0, 1, 1, 0], np.uint8)))
    ds = data.load_dataset("idx", rng(), np.float64, test_fraction=0.25, idx_files=files)
    assert ds.x_train.shape == (3, 4) and ds.x_test.shape == (1, 4) and ds.classes == 2
