"""Rendering DOT source to .svg, .png or .pdf through Graphviz's ``dot`` program, if installed.

The library depends on numpy alone: Graphviz is an optional program, found on the PATH with
``shutil.which`` when a picture is asked for, never imported.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

from ..utils.atomic import atomic_write
from .dot import to_dot

__all__ = ["draw", "render", "GraphvizNotFoundError", "FORMATS"]

FORMATS = ("svg", "png", "pdf", "dot")  # "dot" writes the source itself, no Graphviz needed


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is not on the PATH."""


def render(source: str, fmt: str) -> bytes:
    """``source`` (DOT) rendered by ``dot -T<fmt>``; raises if dot is absent or refuses it."""
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFoundError(
            "drawing needs Graphviz's 'dot' program, which is not on the PATH: install "
            "Graphviz (apt install graphviz, brew install graphviz, conda install graphviz), "
            "or save the source with a .dot path / tm.viz.to_dot(...)"
        )
    proc = subprocess.run([exe, f"-T{fmt}"], input=source.encode(), capture_output=True)
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"dot -T{fmt} failed (exit {proc.returncode}): {err}")
    return proc.stdout


def draw(root: Any, path: str | os.PathLike[str], **options: Any) -> None:
    """Draw the graph behind ``root`` into ``path``; its suffix picks .svg, .png, .pdf or .dot.

    ``options`` are ``to_dot``'s (``params``, ``show_data``, ``show_grad``, ``cluster``,
    ...). The file is written atomically; a .dot path needs no Graphviz.

    Example::

        >>> import tempfile, os
        >>> x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        >>> path = os.path.join(tempfile.mkdtemp(), "g.dot")
        >>> draw((x * x).sum(), path)
        >>> open(path).read().startswith('digraph')
        True
    """
    target = os.fspath(path)
    fmt = os.path.splitext(target)[1].lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(
            f"draw: {target!r} must end in one of {', '.join('.' + f for f in FORMATS)}"
        )
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"draw: the folder {folder} does not exist")
    source = to_dot(root, **options)
    content = source.encode() if fmt == "dot" else render(source, fmt)
    atomic_write(target, lambda f: f.write(content))
