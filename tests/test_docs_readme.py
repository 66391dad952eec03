"""README.md: its python blocks run, in order, as one program (as a newcomer pastes them)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def test_readme_python_blocks_run_in_order():
    blocks = BLOCK.findall(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 3, "README.md lost its python examples"
    namespace: dict[str, object] = {"__name__": "readme"}
    for i, code in enumerate(blocks):
        if "@tm.jit" in code:  # the jit block defines a step; call it as the README says
            code += "\nX = rng.standard_normal((8, 64)); loss = step(tm.Tensor(X), y)\n"
            code += "assert loss.shape == () and float(loss.item()) > 0\n"
        exec(compile(code, f"README.md, python block {i}", "exec"), namespace)
