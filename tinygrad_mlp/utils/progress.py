"""Progress on stderr (stdout keeps only the results): one implementation for every command.

A live line on a terminal, rewritten in place (tqdm's bar instead, when asked for and
installed); lines that stay, written anywhere; nothing at all with ``quiet=True``. The sweeps
of ``tinygrad-mlp gradcheck`` show ``label: i/total`` and a final line; ``tinygrad-mlp
train`` restarts it per epoch as a bar and writes one line per epoch (``cli/train_support``).
"""

from __future__ import annotations

import importlib
import sys
import time
from typing import IO, Any

__all__ = ["Progress"]


class Progress:
    """Count steps of a sweep and show ``label: i/total`` on ``stream`` (default stderr).

    On a terminal the line is rewritten in place; elsewhere (a log, a pipe) only the lines
    that stay are written (``line``, and ``close``'s final line), so logs stay short.
    ``quiet=True`` writes nothing. ``width`` > 0 draws a bar of that many characters instead
    of the count alone, redrawn every ``every`` steps; ``tqdm=True`` uses tqdm's bar on a
    terminal when tqdm is installed (the optional extra "progress").

    Example::

        >>> import io
        >>> buf = io.StringIO()
        >>> p = Progress(2, "sweep", stream=buf)
        >>> p.step(); p.step(); p.close()
        >>> buf.getvalue().startswith("sweep: 2/2 done")
        True
    """

    def __init__(
        self,
        total: int,
        label: str,
        stream: IO[str] | None = None,
        quiet: bool = False,
        *,
        width: int = 0,
        every: int = 1,
        tqdm: bool = False,
    ) -> None:
        self.total, self.label, self.done = total, label, 0
        self.stream = sys.stderr if stream is None else stream
        self.quiet, self.width, self.every = quiet, width, every
        self.start = time.perf_counter()
        self.live = not quiet and bool(getattr(self.stream, "isatty", lambda: False)())
        self.bar: Any = None  # tqdm's bar of the current stage, once drawn
        self._tqdm: Any = None
        if tqdm and self.live:
            try:
                self._tqdm = importlib.import_module("tqdm").tqdm
            except ImportError:
                pass

    def restart(self, total: int, label: str) -> None:
        """A new stage (the next epoch): the count starts again from 0 of ``total``."""
        self.end_bar()
        self.total, self.label, self.done = total, label, 0

    def step(self, note: str = "", done: int | None = None) -> None:
        """One more step done (or ``done`` steps so far); ``note`` follows the count."""
        self.done = self.done + 1 if done is None else done
        if not self.live:
            return
        if self._tqdm is not None:
            if self.bar is None:
                self.bar = self._tqdm(
                    total=self.total, desc=self.label, file=self.stream, leave=False
                )
            if note:
                self.bar.set_postfix_str(note, refresh=False)
            self.bar.update(1)
        elif self.done % self.every == 0 or self.done == self.total:
            self.stream.write("\r" + self._status(note))
            self.stream.flush()

    def _status(self, note: str) -> str:
        if self.width:
            filled = self.width * self.done // max(self.total, 1)
            bar = "#" * filled + "." * (self.width - filled)
            text = f"{self.label} [{bar}] {self.done}/{self.total}"
        else:
            text = f"{self.label}: {self.done}/{self.total}"
        return f"{text} {note}" if note else text

    def end_bar(self) -> None:
        """Close tqdm's bar, if one is drawn (before an error message, say)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def line(self, text: str) -> None:
        """A line that stays: the live line is cleared first (on a terminal)."""
        if self.quiet:
            return
        if self.bar is not None:
            self.end_bar()
        elif self.live:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
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
