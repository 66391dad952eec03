"""Progress of a long sweep, on stderr so stdout keeps only the table."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Count steps of a sweep and show ``label: i/total`` on ``stream`` (default stderr).

    On a terminal the line is rewritten in place; elsewhere (a log, a pipe) only the final
    line is written, so logs stay short. ``quiet=True`` writes nothing.

    Example::

        >>> import io
        >>> buf = io.StringIO()
        >>> p = Progress(2, "sweep", stream=buf)
        >>> p.step(); p.step(); p.close()
        >>> buf.getvalue().startswith("sweep: 2/2 done")
        True
    """

    def __init__(
        self, total: int, label: str, stream: TextIO | None = None, quiet: bool = False
    ) -> None:
        self.total, self.label, self.done = total, label, 0
        self.stream = sys.stderr if stream is None else stream
        self.quiet = quiet
        self.start = time.perf_counter()
        self.live = not quiet and bool(getattr(self.stream, "isatty", lambda: False)())

    def step(self) -> None:
        """One more step done."""
        self.done += 1
        if self.live:
            self.stream.write(f"\r{self.label}: {self.done}/{self.total}")
            self.stream.flush()

    def close(self) -> None:
        """Write the final line: steps done and the time taken."""
        if self.quiet:
            return
        seconds = time.perf_counter() - self.start
        prefix = "\r" if self.live else ""
        self.stream.write(
            f"{prefix}{self.label}: {self.done}/{self.total} done in {seconds:.1f} s\n"
        )
        self.stream.flush()
