"""Checkpoints: nested dicts of arrays and scalars in a ``.npz``, written atomically, no pickle.

``save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, path)``
flattens nested dicts to keys joined by "/" ("model/0.weight", "optimizer/state/0/velocity"),
stores Python and numpy scalars as 0-d arrays and strings as unicode arrays, and never
stores an object array: ``load`` reads with ``np.load(..., allow_pickle=False)``, so nothing
is ever unpickled. The file is written to a temporary file in the same folder, flushed,
fsynced and renamed over the target (then the folder is fsynced), so a process killed in
the middle of a save leaves the previous checkpoint as it was.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Mapping
from typing import IO, Any

import numpy as np

from ..tensor import Tensor
from ..utils.atomic import atomic_write

__all__ = ["CheckpointError", "FORMAT", "VERSION", "save", "load"]

FORMAT = "tinygrad_mlp.checkpoint"
VERSION = 1
_META = ("__format__", "__version__", "__empty__")


class CheckpointError(ValueError):
    """A file that is not a readable checkpoint; the message names the file and the problem."""


def _to_array(value: Any, key: str) -> np.ndarray:
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, (bool, int, float, str, np.generic, np.ndarray, list, tuple)):
        arr = np.asarray(value)
        if arr.dtype.hasobject:
            raise TypeError(f"save: {key!r} has dtype {arr.dtype}, which needs pickle")
        return arr
    raise TypeError(
        f"save: {key!r} is a {type(value).__name__}; a checkpoint holds dicts, arrays, "
        "numbers and strings"
    )


def _flatten(
    tree: Mapping[str, Any], prefix: str, out: dict[str, np.ndarray], empty: list[str]
) -> None:
    if not tree:
        empty.append(prefix)
    for key, value in tree.items():
        if not isinstance(key, str) or not key or "/" in key:
            raise KeyError(f"save: keys must be non-empty strings without '/', got {key!r}")
        full = f"{prefix}/{key}" if prefix else key
        if isinstance(value, Mapping):
            _flatten(value, full, out, empty)
        else:
            out[full] = _to_array(value, full)


def save(obj: Mapping[str, Any], path: str | os.PathLike[str], compress: bool = False) -> None:
    """Write a nested dict of arrays, numbers and strings to ``path`` (.npz), atomically.

    Example::

        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
        >>> tm.save({"model": {"w": np.ones(2)}, "epoch": 3}, path)
        >>> ckpt = tm.load(path); ckpt["model"]["w"], int(ckpt["epoch"])
        (array([1., 1.]), 3)
    """
    if not isinstance(obj, Mapping):
        raise TypeError(f"save: expected a dict, got {type(obj).__name__}")
    if any(k in _META for k in obj):
        raise KeyError(f"save: the keys {list(_META)} are reserved")
    arrays: dict[str, np.ndarray] = {}
    empty: list[str] = []
    _flatten(obj, "", arrays, empty)  # every check runs before the disk is touched
    arrays["__format__"] = np.asarray(FORMAT)
    arrays["__version__"] = np.asarray(VERSION)
    arrays["__empty__"] = np.asarray(empty, dtype=str)
    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED

    def write(f: IO[bytes]) -> None:
        with zipfile.ZipFile(f, "w", compression=mode, allowZip64=True) as zf:
            for key, arr in arrays.items():
                with zf.open(key + ".npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, arr, allow_pickle=False)

    atomic_write(path, write)


def _member_array(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> np.ndarray:
    """One ``.npy`` member, its header checked against the member's size before reading.

    A header may claim any shape; reading it blindly would allocate that much (a claimed
    shape of (10**10,) is 80 GB). The data of an uncompressed ``.npy`` is exactly
    prod(shape) * itemsize bytes after the header, so a mismatch is refused first.
    """
    # deflate expands at most about 1032-fold; a larger claim is a corrupt or hostile entry
    stored = info.compress_type == zipfile.ZIP_STORED
    if (stored and info.file_size != info.compress_size) or (
        info.file_size > 1032 * info.compress_size + 4096
    ):
        raise CheckpointError(
            f"load: {name}: member {info.filename!r} claims {info.file_size} bytes from "
            f"{info.compress_size} stored: corrupt"
        )
    with zf.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError(f"npy format version {version} is not one save writes")
        except ValueError as e:
            raise CheckpointError(
                f"load: {name}: member {info.filename!r} is not a .npy array ({e})"
            ) from None
        if dtype.hasobject:
            raise CheckpointError(
                f"load: {name}: holds an object array that would need pickle; refused"
            )
        count = 1
        for n in shape:
            count *= int(n)
        header = f.tell()
        if header + count * dtype.itemsize != info.file_size:
            raise CheckpointError(
                f"load: {name}: member {info.filename!r} claims shape {shape} of {dtype} "
                f"({count * dtype.itemsize} bytes), but holds {info.file_size - header} bytes "
                "of data: truncated or corrupt"
            )
        data = f.read(count * dtype.itemsize)
    arr = np.frombuffer(data, dtype=dtype, count=count)
    arr = arr.reshape(shape[::-1]).T if fortran else arr.reshape(shape)
    return np.array(arr, copy=True)  # writeable, and owning its memory


def _is_npy(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(6) == b"\x93NUMPY"
    except OSError:
        return False


def _read_all(path: str) -> dict[str, np.ndarray]:
    """Every member of the .npz at ``path``, by key; anything unexpected is refused."""
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"load: {path}: no such file") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        if _is_npy(path):
            raise CheckpointError(f"load: {path}: not a checkpoint (a single .npy array)") from None
        raise CheckpointError(f"load: {path}: truncated, or not an .npz checkpoint ({e})") from None
    flat: dict[str, np.ndarray] = {}
    try:
        with zf:
            for info in zf.infolist():
                member = info.filename
                if info.is_dir() or not member.endswith(".npy"):
                    raise CheckpointError(
                        f"load: {path}: unexpected member {member!r} (a checkpoint holds "
                        "only .npy arrays)"
                    )
                key = member[: -len(".npy")]
                if key in flat:
                    raise CheckpointError(f"load: {path}: member {member!r} appears twice")
                flat[key] = _member_array(zf, info, path)
    except CheckpointError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise CheckpointError(f"load: {path}: truncated or corrupt ({e})") from None
    except MemoryError:
        raise CheckpointError(f"load: {path}: an array too large for memory") from None
    return flat


def _check_key(key: str, name: str) -> list[str]:
    """The parts of a "/"-joined key; an empty one (``""``, ``"a//b"``) is refused."""
    parts = key.split("/")
    if not all(parts):
        raise CheckpointError(f"load: {name}: malformed key {key!r} (an empty name in it)")
    return parts


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a checkpoint written by ``save``: nested dicts; 0-d arrays as numpy scalars.

    Refuses, with a ``CheckpointError`` naming the file, anything that is not a whole
    checkpoint: a truncated or corrupt file, an .npz from elsewhere, an object array.

    Example: ``ckpt = tm.load("ckpt.npz"); model.load_state_dict(ckpt["model"])``.
    """
    name = os.fspath(path)
    if os.path.isdir(name):
        raise CheckpointError(f"load: {name}: is a directory, not a checkpoint")
    flat = _read_all(name)
    fmt = flat.get("__format__")
    if fmt is None or fmt.shape != () or str(fmt) != FORMAT:
        raise CheckpointError(f"load: {name}: not a tinygrad_mlp checkpoint (no format marker)")
    version = flat.get("__version__")
    if version is None or version.shape != () or version.dtype.kind not in "iu":
        raise CheckpointError(f"load: {name}: the format version is missing or malformed")
    if int(version) > VERSION:
        raise CheckpointError(
            f"load: {name}: format version {int(version)} is newer than this library's {VERSION}"
        )
    tree: dict[str, Any] = {}
    empty = flat.get("__empty__", np.asarray([], dtype=str))
    if empty.dtype.kind != "U":
        raise CheckpointError(f"load: {name}: the list of empty dicts is malformed")
    items: list[tuple[str, np.ndarray | None]] = [(k, v) for k, v in flat.items() if k not in _META]
    items += [(str(k), None) for k in empty.reshape(-1)]
    for key, value in items:
        if value is None and key == "":
            continue  # the root itself was an empty dict
        parts = _check_key(key, name)
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise CheckpointError(f"load: {name}: key {key!r} clashes with another entry")
        if value is None:
            node.setdefault(parts[-1], {})
        elif parts[-1] in node:
            raise CheckpointError(f"load: {name}: key {key!r} clashes with another entry")
        else:
            node[parts[-1]] = value[()] if value.shape == () else value
    return tree
