"""Atomic file writes: a reader (or a crash) never sees half a file.

The content goes to a temporary file in the target's folder, which is flushed and fsynced,
then renamed over the target (``os.replace`` is atomic within one file system), then the
folder is fsynced so the rename itself survives a power cut (POSIX). If anything fails on
the way, the temporary file is removed and a previous file at the target is left as it was.
A process killed mid-write leaves at most a hidden ``.name.<pid>.<hex>.tmp`` beside it; the
next write to the same target removes it (the temporaries of dead processes only).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from collections.abc import Callable
from typing import IO

__all__ = ["atomic_write"]


NAME_MAX = 255  # bytes in one file name on the usual file systems (ext4, APFS, NTFS)
_SUFFIX = 1 + 1 + 10 + 1 + 8 + 4  # ".", "." pid (at most 10 digits) "." 8 hex ".tmp"


def _stem(base: str) -> str:
    """The target's name inside its temporary's name, short enough for NAME_MAX.

    A target name of 230-255 bytes is legal, but the temporary adds about 25: such names
    are cut and tagged with a hash of the whole name, so two long names stay apart.
    """
    if len(os.fsencode(base)) + _SUFFIX <= NAME_MAX:
        return base
    tag = hashlib.sha256(os.fsencode(base)).hexdigest()[:8]
    room = NAME_MAX - _SUFFIX - 1 - len(tag)  # "~" and the tag
    cut = os.fsencode(base)[:room].decode("utf-8", "ignore")  # never half a character
    return f"{cut}~{tag}"


def _remove_stale(folder: str, stem: str) -> None:
    """Delete temporaries of this target left by processes that died mid-write (POSIX).

    A temporary is stale when the pid in its name is not a live process. A live pid (our
    own included: it may be another thread's write) is left alone; so is everything on a
    system where liveness cannot be asked without risk.
    """
    if os.name != "posix":
        return  # os.kill(pid, 0) would not be a harmless probe there
    pattern = re.compile(rf"\.{re.escape(stem)}\.(\d+)\.[0-9a-f]{{8}}\.tmp")
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        m = pattern.fullmatch(name)
        if m is None or int(m.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:  # no such process: the writer died
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))
        except (PermissionError, OverflowError, OSError):
            continue  # alive under another user, or not a pid at all: leave it


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
    stem = _stem(base)
    _remove_stale(folder, stem)
    tmp = os.path.join(folder, f".{stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
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
