"""Writing an experiment's rows as JSON or CSV, atomically (``tinygrad_mlp.atomic``)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..utils.atomic import atomic_write

__all__ = ["SUFFIXES", "write_results"]

SUFFIXES = (".json", ".csv")


def write_results(
    path: str | os.PathLike[str],
    experiment: str,
    settings: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """Write ``rows`` to ``path``: JSON (with the settings) or CSV (one line per row).

    JSON holds ``{"experiment", "settings", "rows"}``; CSV holds the rows under a header of
    the first row's keys. The format follows the suffix, ``.json`` or ``.csv``.

    Example::

        >>> import tempfile, pathlib
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
        >>> write_results(target, "demo", {}, [{"eps": 0.1, "error": 0.5}])
        >>> target.read_text().splitlines()
        ['eps,error', '0.1,0.5']
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        doc = {"experiment": experiment, "settings": dict(settings), "rows": list(rows)}
        text = json.dumps(doc, indent=2, default=_plain) + "\n"
    elif suffix == ".csv":
        buf = io.StringIO()
        fields = list(rows[0]) if rows else []
        writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: _plain(v) if isinstance(v, (tuple, list)) else v for k, v in row.items()}
            )
        text = buf.getvalue()
    else:
        raise ValueError(f"results file must end in .json or .csv, got {str(path)!r}")
    atomic_write(path, lambda f: f.write(text.encode()))


def _plain(value: Any) -> Any:
    """numpy scalars and tuples as JSON-friendly values ("4x5" for a shape in CSV)."""
    if isinstance(value, (tuple, list)):
        return "x".join(map(str, value))
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write a {type(value).__name__} to a results file")
