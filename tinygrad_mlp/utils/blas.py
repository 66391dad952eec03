"""How many threads numpy's BLAS may use: small matrices train fastest on one.

The seed network's matrices are small (at most a few hundred wide); splitting each product
over threads costs more than it saves, and on a busy machine spinning BLAS threads can make
an epoch tens of times slower. ``limit_threads`` caps the thread count while it is
active, through threadpoolctl when it is installed, else by calling OpenBLAS's own
``openblas_set_num_threads`` (in the build numpy ships, or a system one) found among the
loaded libraries. It is best effort: with another BLAS, or off Linux, it changes nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
from collections.abc import Iterator
from typing import Any

__all__ = ["limit_threads"]

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
    if n < 1:
        raise ValueError(f"limit_threads: n must be >= 1, got {n}")
    try:
        threadpoolctl = importlib.import_module("threadpoolctl")
    except ImportError:
        threadpoolctl = None
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
