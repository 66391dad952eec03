"""The library runs on numpy alone and the suite on what the README installs.

A newcomer's ``pip install -e '.[test,plot]' && pytest`` has numpy, pytest, hypothesis and
matplotlib, not torch, mkdocs or a browser driver. A test module that imports one of those at
its top level does not skip: it fails to collect, and the whole run fails (this happened
with three modules that compared against torch). So: the library's modules import only the
standard library, numpy and themselves at their top level (anything else lazily, where
used); a test module imports at top level only those plus pytest and hypothesis, and takes
any other package through ``pytest.importorskip`` or a ``try``/``except ImportError``.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = {"numpy", "tinygrad_mlp"}
SUITE = LIBRARY | {"pytest", "hypothesis"}


def _top_level_imports(path: Path) -> list[tuple[int, str]]:
    """(line, root package) of each import statement at the module's top level, outside
    ``try`` blocks and ``if TYPE_CHECKING:`` (never executed)."""
    found = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name.split(".")[0]) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def _outside(allowed: set[str], path: Path) -> list[str]:
    std = set(sys.stdlib_module_names) | {"__future__"}
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for line, name in _top_level_imports(path)
        if name not in std and name not in allowed
    ]


@pytest.mark.parametrize("path", sorted((ROOT / "tinygrad_mlp").rglob("*.py")), ids=str)
def test_the_library_imports_only_numpy_at_module_level(path: Path) -> None:
    # tinygrad_mlp.testing (strategies and random programs for tests, users' too) is built on
    # hypothesis, which the `test` extra installs; nothing else in the package imports it
    testing = "testing" in path.relative_to(ROOT / "tinygrad_mlp").parts
    assert not _outside(LIBRARY | ({"hypothesis"} if testing else set()), path)


def test_the_package_imports_with_numpy_alone() -> None:
    import subprocess

    blocked = ["torch", "hypothesis", "pytest", "matplotlib", "tqdm", "threadpoolctl", "scipy"]
    code = (
        "import sys\n"
        f"for name in {blocked!r}: sys.modules[name] = None  # importing it raises\n"
        "import tinygrad_mlp, tinygrad_mlp.cli, tinygrad_mlp.functional, tinygrad_mlp.nn\n"
        "print(tinygrad_mlp.__version__)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("path", sorted((ROOT / "tests").glob("*.py")), ids=lambda p: p.name)
def test_a_test_module_imports_optional_packages_only_guarded(path: Path) -> None:
    assert not _outside(SUITE, path)


def test_the_check_sees_an_unguarded_import(tmp_path: Path) -> None:
    bad = tmp_path / "test_bad.py"
    guarded = "try:\n    import mkdocs\nexcept ImportError:\n    mkdocs = None\n"
    bad.write_text("import numpy\nimport torch\n" + guarded)
    assert [name for _, name in _top_level_imports(bad)] == ["numpy", "torch"]
