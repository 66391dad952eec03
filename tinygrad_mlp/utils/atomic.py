"""Atomic file writes: a reader (or a crash) never sees half a file.

The content goes to a temporary file in the target's folder, which is flushed and fsynced,
then renamed over the target (``os.replace`` is atomic within one file system), then the
folder is fsynced so the rename itself survives a power cut (POSIX). If anything fails on
the way, the temporary file is removed and a previous file at the target is left as it was.
A process killed mid-write leaves at most a hidden ``.name.<pid>.<hex>.tmp`` beside it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from typing import IO

__all__ = ["atomic_write"]


def atomic_write(path: str | os.PathLike[str], write: Callable[[IO[bytes]], object]) -> None:
    """Call ``write(f)`` on a temporary file beside ``path``, fsync it, rename it over ``path``.

    Either the whole new file is at ``path`` afterwards or, if anything fails or the process
    dies, the old one still is (a killed process may leave a hidden ``.name.*.tmp`` file).

    Example::

        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "note.txt")
        >>> atomic_write(path, lambda f: f.write(b"hello"))
        >>> open(path, "rb").read()
        b'hello'
    """
    target = os.path.abspath(os.fspath(path))
    folder, base = os.path.split(target)
    tmp = os.path.join(folder, f".{base}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
    try:
        with open(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (POSIX only)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
