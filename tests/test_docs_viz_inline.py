"""tm.viz.show / tm.viz.draw return a Drawing that Jupyter displays inline (``_repr_svg_``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot not installed")


def _loss() -> Tensor:
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    return (x * 3.0).relu().sum()


def test_show_is_the_dot_source_and_writes_nothing(tmp_path: Path) -> None:
    drawing = tm.viz.show(_loss(), rankdir="TB")
    assert drawing.source == tm.viz.to_dot(_loss(), rankdir="TB") == str(drawing)
    assert drawing.path is None and not list(tmp_path.iterdir())


@needs_dot
def test_repr_svg_is_the_rendered_picture() -> None:
    svg = tm.viz.show(_loss())._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert svg.count('class="node"') == 5  # x, 3, Mul, ReLU, Sum


@needs_dot
def test_draw_returns_the_drawing_of_the_file_it_wrote(tmp_path: Path) -> None:
    path = tmp_path / "g.svg"
    drawing = tm.viz.draw(_loss(), path)
    assert drawing.path == str(path)
    assert drawing._repr_svg_() == path.read_text()


def test_without_graphviz_the_inline_picture_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(tm.viz.GraphvizNotFoundError, match="Graphviz"):
        tm.viz.show(_loss())._repr_svg_()
