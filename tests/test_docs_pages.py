"""Every ```python block in docs/*.md runs: each page's blocks in order, as one program.

A page is read as a newcomer pastes it: block after block into one interpreter, so a later
block may use names an earlier one defined. Each page runs in a fresh temporary folder (with
an empty ``docs/`` inside, where the drawing examples write), so nothing lands in the
repository. A block that draws through Graphviz is skipped, by name, where ``dot`` is missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import tinygrad_mlp as tm

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
PAGES = sorted(p.name for p in DOCS.rglob("*.md") if BLOCK.search(p.read_text(encoding="utf-8")))


def test_the_docs_have_code_to_run() -> None:
    # the guides with examples: a page losing all of them is a regression, not a pass
    for name in ("debugging.md", "gradcheck.md", "higher_order.md", "jit.md", "training.md"):
        assert name in PAGES, f"docs/{name} has no ```python block any more"


@pytest.mark.parametrize("page", PAGES)
def test_page_python_blocks_run_in_order(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "docs").mkdir()
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "docs_page"}
    text = next(DOCS.rglob(page)).read_text(encoding="utf-8")
    drawn_without_dot = []
    for index, code in enumerate(BLOCK.findall(text)):
        try:
            exec(compile(code, f"docs/{page}, python block {index}", "exec"), namespace)
        except tm.viz.GraphvizNotFoundError:
            drawn_without_dot.append(index)  # the later blocks still run
    if drawn_without_dot:
        pytest.skip(f"docs/{page} blocks {drawn_without_dot} draw with Graphviz (not installed)")
