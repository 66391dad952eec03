"""docs/ops.md: its python code blocks run (the "write your own op" guide is real code)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "ops.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _blocks() -> list[str]:
    return BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_the_guide_has_code_to_run():
    assert _blocks(), "docs/ops.md has no ```python block"


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_python_block_runs(index):
    code = _blocks()[index]
    exec(compile(code, f"docs/ops.md, python block {index}", "exec"), {"__name__": "docs_ops"})


def test_every_op_class_is_named_in_the_doc():
    import inspect

    from tinygrad_mlp import ops

    text = DOC.read_text(encoding="utf-8").lower()
    missing = []
    for name in ops.__all__:
        obj = getattr(ops, name)
        if inspect.isclass(obj) and issubclass(obj, ops.Op) and obj is not ops.Op:
            if name.lower() not in text.replace("_", ""):
                missing.append(name)
    assert not missing, f"docs/ops.md does not mention: {missing}"
