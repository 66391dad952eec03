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

__all__ = ["draw", "show", "Drawing", "render", "GraphvizNotFoundError", "FORMATS"]

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


class Drawing:
    """A drawn graph: its DOT source and the file written, if any; shows inline in Jupyter.

    Jupyter displays an object through its ``_repr_svg_``: here the source rendered by
    Graphviz's ``dot -Tsvg`` (rendered once, on first display). ``str(drawing)`` is the source.

    Example::

        >>> x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        >>> drawing = show((x * x).sum())
        >>> drawing.source.startswith("digraph"), drawing.path is None
        (True, True)
    """

    def __init__(self, source: str, path: str | None = None) -> None:
        self.source = source
        self.path = path
        self._svg: str | None = None

    def svg(self) -> str:
        """The SVG text of the picture (needs Graphviz's ``dot``)."""
        if self._svg is None:
            self._svg = render(self.source, "svg").decode()
        return self._svg

    def _repr_svg_(self) -> str:
        return self.svg()

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        where = f", written to {self.path!r}" if self.path else ""
        nodes = self.source.count('[label="')  # every node has a quoted label; edges do not
        return f"<Drawing of {nodes} nodes{where}>"


def show(root: Any, **options: Any) -> Drawing:
    """The graph behind ``root`` as a ``Drawing``, which Jupyter displays inline (no file).

    ``options`` are ``to_dot``'s. Formula: ``show(root, **o).source == to_dot(root, **o)``.

    Example::

        >>> x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
        >>> show((x * 3).relu().sum())
        <Drawing of 5 nodes>
    """
    return Drawing(to_dot(root, **options))


def draw(root: Any, path: str | os.PathLike[str], **options: Any) -> Drawing:
    """Draw the graph behind ``root`` into ``path``; its suffix picks .svg, .png, .pdf or .dot.

    ``options`` are ``to_dot``'s (``params``, ``show_data``, ``show_grad``, ``cluster``,
    ...). The file is written atomically; a .dot path needs no Graphviz. Returns the
    ``Drawing``, so a notebook cell ending in ``tm.viz.draw(...)`` also shows the picture.

    Example::

        >>> import tempfile, os
        >>> x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        >>> path = os.path.join(tempfile.mkdtemp(), "g.dot")
        >>> draw((x * x).sum(), path)
        <Drawing of 3 nodes, written to '...g.dot'>
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
    drawing = Drawing(source, target)
    if fmt == "svg":
        drawing._svg = content.decode()
    return drawing
