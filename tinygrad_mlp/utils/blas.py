"""How many threads numpy's BLAS may use: small matrices train fastest on one.

The seed network's matrices are small (at most a few hundred wide); splitting each product
over threads costs more than it saves, and on a busy machine spinning BLAS threads can make
an epoch tens of times slower. ``set_num_threads`` (``tm.set_num_threads``) sets the
thread count for the rest of the process, as torch's; ``limit_threads`` sets it for a
block only. Both go through threadpoolctl when it is installed, else call OpenBLAS's own
``openblas_set_num_threads`` (in the build numpy ships, or a system one) found among the
loaded libraries. It is best effort: with another BLAS, or off Linux, it changes nothing
(``get_num_threads`` then says None).

The library does not limit threads on import (neither does torch): large matrices do gain
from them. For networks like the seed network call ``tm.set_num_threads(1)`` first; the
measured difference is in docs/training.md.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
from collections.abc import Iterator
from typing import Any

__all__ = ["limit_threads", "set_num_threads", "get_num_threads"]

_SET = (
    "scipy_openblas_set_num_threads64_",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)
_GET = (
    "scipy_openblas_get_num_threads64_",
    "openblas_get_num_threads64_",
    "openblas_get_num_threads",
)


def _openblas() -> list[tuple[Any, Any]]:
    """(get, set) function pairs of every OpenBLAS loaded in this process (Linux only)."""
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower()})
    except OSError:
        return []
    found = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for get, set_ in zip(_GET, _SET, strict=True):
            if hasattr(lib, get) and hasattr(lib, set_):
                found.append((getattr(lib, get), getattr(lib, set_)))
                break
    return found


def _threadpoolctl() -> Any:
    try:
        return importlib.import_module("threadpoolctl")
    except ImportError:
        return None


def _check(n: Any, who: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{who}: the thread count must be an int >= 1, got {n!r}")
    return n


def set_num_threads(n: int) -> None:
    """Let numpy's BLAS use ``n`` threads from now on (torch's ``set_num_threads``).

    One thread is fastest for small matrices (a few hundred wide), most of all on a busy
    machine; the default is BLAS's own (usually one per core).

    Example::

        >>> before = tm.get_num_threads()
        >>> tm.set_num_threads(1)
        >>> tm.get_num_threads() in (1, None)   # None: no BLAS found whose threads it can set
        True
        >>> tm.set_num_threads(before or 1)
    """
    n = _check(n, "set_num_threads")
    threadpoolctl = _threadpoolctl()
    if threadpoolctl is not None:
        threadpoolctl.threadpool_limits(limits=n, user_api="blas")
        return
    for _, set_ in _openblas():
        set_(n)


def get_num_threads() -> int | None:
    """How many threads numpy's BLAS may use now (the most among the loaded BLAS libraries);
    None when none is found that reports it.

    Example: ``tm.get_num_threads()`` is 2 on a two-core machine before any limit is set.
    """
    threadpoolctl = _threadpoolctl()
    if threadpoolctl is not None:
        counts = [
            i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"
        ]
    else:
        counts = [int(get()) for get, _ in _openblas()]
    return max(counts) if counts else None


@contextlib.contextmanager
def limit_threads(n: int | None) -> Iterator[None]:
    """Run the block with BLAS limited to ``n`` threads (None: leave it alone); restore after.

    Example::

        >>> with limit_threads(1):
        ...     float((np.ones((50, 50)) @ np.ones((50, 50)))[0, 0])
        50.0
    """
    if n is None:
        yield
        return
    n = _check(n, "limit_threads")
    threadpoolctl = _threadpoolctl()
    if threadpoolctl is not None:
        with threadpoolctl.threadpool_limits(limits=n, user_api="blas"):
            yield
        return
    libs = _openblas()
    before = [get() for get, _ in libs]
    for _, set_ in libs:
        set_(n)
    try:
        yield
    finally:
        for (_, set_), old in zip(libs, before, strict=True):
            set_(old)
