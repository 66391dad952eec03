"""MNIST-format IDX files, raw or gzipped: read with every header field checked, and written.

The format (LeCun et al., "THE MNIST DATABASE of handwritten digits"): two zero bytes, a
type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64),
the number of dimensions d, then d big-endian uint32 sizes, then the values, big-endian,
row-major. A gzipped file is recognised by its first two bytes (1f 8b), not by its name.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from typing import Any

import numpy as np

from ..utils.atomic import atomic_write

__all__ = ["IdxError", "IDX_TYPES", "load_idx", "save_idx"]

# type code -> big-endian numpy dtype
IDX_TYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class IdxError(ValueError):
    """A file that is not a well-formed IDX file; the message names the file and the problem."""


def _read_bytes(path: str | os.PathLike[str]) -> bytes:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"load_idx: {os.fspath(path)}: no such file") from None
    except IsADirectoryError:
        raise IdxError(f"load_idx: {os.fspath(path)}: is a directory, not an IDX file") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, gzip.BadGzipFile, zlib.error) as e:
            raise IdxError(
                f"load_idx: {os.fspath(path)}: truncated or corrupt gzip data ({e})"
            ) from None
    return raw


def load_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (raw or gzipped) into a native-byte-order array of its type and shape.

    Checks, each with an ``IdxError`` naming the file: the magic number (0, 0, type,
    d), a known type code, d >= 1, a complete header, and a body of exactly
    prod(sizes) * itemsize bytes (shorter: truncated; longer: trailing bytes).

    Example::

        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte")
        >>> save_idx(path, np.array([3, 1, 4], dtype=np.uint8))
        >>> load_idx(path)
        array([3, 1, 4], dtype=uint8)
    """
    name = os.fspath(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise IdxError(f"load_idx: {name}: {len(raw)} bytes is too short for an IDX header")
    zero0, zero1, code, ndim = raw[0], raw[1], raw[2], raw[3]
    if zero0 != 0 or zero1 != 0:
        raise IdxError(
            f"load_idx: {name}: bad magic number 0x{raw[:4].hex()} (an IDX file starts with "
            "two zero bytes, a type code and the number of dimensions)"
        )
    if code not in IDX_TYPES:
        known = ", ".join(f"0x{c:02x}" for c in IDX_TYPES)
        raise IdxError(f"load_idx: {name}: unknown type code 0x{code:02x} (known: {known})")
    if ndim == 0:
        raise IdxError(f"load_idx: {name}: the header declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IdxError(
            f"load_idx: {name}: truncated header: {ndim} dimensions need {header} bytes, "
            f"the file has {len(raw)}"
        )
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = IDX_TYPES[code]
    expected = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
    body = len(raw) - header
    if body < expected:
        raise IdxError(
            f"load_idx: {name}: truncated: shape {shape} of {dtype.name} needs {expected} "
            f"bytes of data, the file has {body}"
        )
    if body > expected:
        raise IdxError(
            f"load_idx: {name}: {body - expected} unexpected bytes after the data of shape {shape}"
        )
    data = np.frombuffer(raw, dtype=dtype, count=expected // dtype.itemsize, offset=header)
    return data.reshape(shape).astype(dtype.newbyteorder("="))


def save_idx(path: str | os.PathLike[str], array: np.ndarray, compress: bool = False) -> None:
    """Write ``array`` as an IDX file (gzipped when ``compress``) atomically: load_idx's inverse.

    Example: ``save_idx("labels-idx1-ubyte.gz", labels.astype(np.uint8), compress=True)``.
    """
    arr = np.asarray(array)
    codes = {dt.newbyteorder("="): code for code, dt in IDX_TYPES.items()}
    code = codes.get(arr.dtype.newbyteorder("="))
    if code is None:
        raise TypeError(f"save_idx: IDX has no type for dtype {arr.dtype}")
    if not 1 <= arr.ndim <= 255:
        raise ValueError(f"save_idx: IDX needs 1 to 255 dimensions, got {arr.ndim}")
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    payload = header + arr.astype(IDX_TYPES[code]).tobytes()
    content = gzip.compress(payload) if compress else payload
    atomic_write(path, lambda f: f.write(content))  # never a half-written file
