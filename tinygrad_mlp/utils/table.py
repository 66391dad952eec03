"""Plain-text tables for the command line: columns padded to their widest cell."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["render_table"]


def render_table(
    head: Sequence[str], rows: Sequence[Sequence[str]], align: str = "left"
) -> list[str]:
    """Lines of an aligned table: the head, a rule of dashes, then one line per row.

    ``align`` is "left" (text) or "right" (numbers); cells are separated by two spaces.

    Example::

        >>> print("\\n".join(render_table(["name", "n"], [["a", "10"], ["bcd", "2"]])))
        name  n
        -------
        a     10
        bcd   2
    """
    lines = [list(head), *(list(r) for r in rows)]
    widths = [max(len(line[c]) for line in lines) for c in range(len(head))]
    pad = str.ljust if align == "left" else str.rjust
    out = [
        "  ".join(pad(cell, w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    out.insert(1, "-" * len(out[0]))
    return out
