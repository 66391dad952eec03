"""Writing an experiment's rows as JSON or CSV, atomically (``tinygrad_mlp.atomic``), with
their provenance (tool and its version, numpy's, python's, the command line), and reading
them back.

In JSON the provenance is a top-level ``"provenance"`` object; in CSV it is a block of
``# key: value`` comment lines above the header, which ``read_results`` reads apart from the
rows (with the csv module alone, drop the lines that start with ``#`` before the DictReader).
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..utils.atomic import atomic_write

__all__ = ["SUFFIXES", "provenance", "write_results", "read_results"]

SUFFIXES = (".json", ".csv")


def provenance(command: Sequence[str] | None = None) -> dict[str, str]:
    """Where a results file came from: the tool, its version, numpy's and python's versions
    and the command line (``command``, else this process's ``sys.argv``), shell-quoted.

    Example::

        >>> p = provenance(["tinygrad-mlp", "gradcheck", "--kinks"])
        >>> list(p), p["command"]
        (['tool', 'version', 'numpy', 'python', 'command'], 'tinygrad-mlp gradcheck --kinks')
    """
    from .. import __version__

    argv = list(sys.argv if command is None else command)
    return {
        "tool": "tinygrad-mlp",
        "version": __version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "command": " ".join(shlex.join(argv).splitlines()),  # one line, even for odd argv
    }


def write_results(
    path: str | os.PathLike[str],
    experiment: str,
    settings: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    command: Sequence[str] | None = None,
) -> None:
    """Write ``rows`` to ``path``: JSON or CSV by the suffix, with ``provenance``.

    JSON holds ``{"provenance", "experiment", "settings", "rows"}``; CSV holds ``# key: value``
    lines (the provenance, the experiment, the settings as JSON), then the rows under a header
    of the first row's keys. ``command`` is the command line to record (default: sys.argv).

    Example::

        >>> import tempfile, pathlib
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
        >>> write_results(target, "demo", {}, [{"eps": 0.1, "error": 0.5}], ["demo"])
        >>> target.read_text().splitlines()[4:]
        ['# command: demo', '# experiment: demo', '# settings: {}', 'eps,error', '0.1,0.5']
    """
    suffix = Path(path).suffix.lower()
    origin = provenance(command)
    if suffix == ".json":
        doc = {
            "provenance": origin,
            "experiment": experiment,
            "settings": dict(settings),
            "rows": list(rows),
        }
        text = json.dumps(doc, indent=2, default=_plain) + "\n"
    elif suffix == ".csv":
        buf = io.StringIO()
        about = {**origin, "experiment": experiment}
        about["settings"] = json.dumps(dict(settings), default=_plain)
        for key, value in about.items():
            buf.write(f"# {key}: {value}\n")
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


def read_results(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a file of ``write_results`` (or an older one without provenance) back as
    ``{"provenance", "experiment", "settings", "rows"}``; CSV cells stay strings.

    Example::

        >>> import tempfile, pathlib
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
        >>> write_results(target, "demo", {"seed": 0}, [{"eps": 0.1}], ["tinygrad-mlp"])
        >>> doc = read_results(target)
        >>> doc["provenance"]["command"], doc["settings"], doc["rows"]
        ('tinygrad-mlp', {'seed': 0}, [{'eps': '0.1'}])
    """
    text = Path(path).read_text(encoding="utf-8")
    if Path(path).suffix.lower() == ".json":
        doc = json.loads(text)
        if not isinstance(doc, dict) or "rows" not in doc:
            raise ValueError(f"{str(path)!r}: not a results file (no rows)")
        return {"provenance": {}, "experiment": None, "settings": {}, **doc}
    about: dict[str, str] = {}
    lines = text.splitlines()
    while lines and lines[0].startswith("#"):
        key, sep, value = lines.pop(0)[1:].strip().partition(":")
        if sep:
            about[key.strip()] = value.strip()
    experiment = about.pop("experiment", None)
    settings = json.loads(about.pop("settings", "{}"))
    rows = [dict(r) for r in csv.DictReader(lines)]
    return {"provenance": about, "experiment": experiment, "settings": settings, "rows": rows}


def _plain(value: Any) -> Any:
    """numpy scalars and tuples as JSON-friendly values ("4x5" for a shape in CSV)."""
    if isinstance(value, (tuple, list)):
        return "x".join(map(str, value))
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write a {type(value).__name__} to a results file")
