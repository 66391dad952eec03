"""One place per op (issue 19, item 4): adding a Tensor op touches four places by hand.

Those are its op class (in its family module, with that module's ``__all__``), its Tensor
method, its op-table row (``tinygrad_mlp/testing/op_tables``) and its row in docs/ops.md.
Everything else is derived: ``ops.__all__`` and ``functional.__all__`` from the family
modules' own ``__all__``, ``F.<name>`` from the Tensor method of the tensor alone, numpy's
``np.<name>`` from a Tensor method of the same name. The scalar engine (``scalar/``) is a
separate engine with its own arithmetic and mirrors only the ops it chooses.

Checked here on the source, structurally: the two package ``__init__`` files hold no name
list; every function of the tensor alone is written by hand (a ``def`` or a string literal
of its name) only in the allowed places, plus a fixed list of unrelated uses of the same word
(``"tanh"`` as gelu's approximation, ``"log"`` as a plot's axis scale, ...), which may shrink
but not grow; and each such function has its table row and its docs/ops.md row.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import numpy as np
import pytest

from tinygrad_mlp import Tensor, functional, ops
from tinygrad_mlp.functional.elementwise import unary_method_names
from tinygrad_mlp.testing.op_tables import ALL_ROWS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tinygrad_mlp"
UNARY = unary_method_names()

# Where the name of a new function of the tensor alone may be written by hand: its method
# table, its op-table row, the scalar engine (a separate engine, optional), and the program
# fuzzer's op surface (optional too: an op it leaves out is simply not fuzzed).
ALLOWED = (
    "engine/methods/",
    "testing/op_tables/",
    "scalar/",
    "testing/program_ops.py",
)

# Names that also occur, by hand, as another word in a file that is not one of the allowed
# places; each is not a list of ops. This may only shrink.
UNRELATED: dict[str, set[str]] = {
    "bench/scalar.py": {"exp", "log"},  # the scalar bench's own micrograd-style Value
    "engine/numpy_interop/names.py": {  # numpy's name differs (arcsin -> asin): by hand
        "abs", "acos", "acosh", "asin", "asinh", "atan", "atanh",
    },
    "experiments/plots.py": {"log"},  # matplotlib's axis scale
    "nn/activations.py": {"tanh"},  # nn.GELU(approximate="tanh")
    "ops/activation_smooth.py": {"tanh"},  # gelu's approximate="tanh"
    "seed/closed_form.py": {"relu"},  # the seed network's closed form, in plain numpy
    "testing/program_checks.py": {"hardsigmoid"},  # a torch-version note on one kink
    "viz/walk.py": {"relu"},  # the label of a fused Linear+ReLU node
}  # fmt: skip


def _hand_written_names(path: Path) -> set[str]:
    """The names of ``UNARY`` that ``path`` defines (``def name``) or spells as a string."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in UNARY:
            found.add(node.name)
        elif isinstance(node, ast.Constant) and node.value in UNARY:
            found.add(node.value)
    return found


def _offenders() -> dict[str, set[str]]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(ALLOWED):
            continue
        extra = _hand_written_names(path) - UNRELATED.get(rel, set())
        if extra:
            out[rel] = extra
    return out


def test_the_method_tables_give_the_functions_of_the_tensor_alone():
    # a regression guard on the derivation itself: the families it reads are there
    assert {"exp", "expm1", "erf", "atanh", "relu", "sigmoid", "hardswish"} <= set(UNARY)
    assert not {"leaky_relu", "clamp", "softmax", "sum"} & set(UNARY)  # they take more


@pytest.mark.parametrize("package", [ops, functional])
def test_the_package_keeps_no_name_list_of_its_own(package):
    init = Path(package.__file__)
    tree = ast.parse(init.read_text(encoding="utf-8"))
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
               and isinstance(n.value, str) and id(n) not in docstrings]  # fmt: skip
    assert not strings, f"{init.name} spells names by hand: {strings[:5]}"
    named = [a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
             for a in n.names if n.level == 1 and n.module and a.name != "*"]  # fmt: skip
    assert not named, f"{init.name} imports names by hand: {named[:5]}"
    starred = [
        n.module
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names)
    ]
    derived = [
        name for m in starred for name in importlib.import_module(f"{package.__name__}.{m}").__all__
    ]
    assert sorted(package.__all__) == sorted(derived)
    assert len(set(package.__all__)) == len(package.__all__), "a name exported twice"


def test_a_function_of_the_tensor_alone_is_written_by_hand_only_in_its_places():
    offenders = _offenders()
    assert not offenders, (
        "op names written by hand outside their method, table row and docs row "
        f"(derive them instead, see this test's docstring): {offenders}"
    )


def test_the_list_of_unrelated_uses_holds_no_stale_entry():
    for rel, words in UNRELATED.items():
        assert words <= _hand_written_names(PACKAGE / rel), (rel, words)


@pytest.mark.parametrize("name", UNARY)
def test_each_function_of_the_tensor_alone_has_its_table_row_and_docs_row(name):
    rows = {row.name for row in ALL_ROWS}
    assert name in rows or f"F.{name}" in rows, f"no op-table row named {name} or F.{name}"
    doc = (ROOT / "docs" / "ops.md").read_text(encoding="utf-8")
    assert f"`{name}`" in doc or f"`F.{name}`" in doc, f"docs/ops.md has no row for {name}"


@pytest.mark.parametrize("name", UNARY)
def test_the_function_is_the_method(name):
    fn = getattr(functional, name)
    assert fn.__name__ == name and fn.__doc__ == getattr(Tensor, name).__doc__
    x = Tensor(np.array([-0.5, 0.5, 1.5]))
    with np.errstate(all="ignore"):  # asin(1.5), acosh(-0.5), ...: NaN in both, equal
        np.testing.assert_array_equal(fn(x).numpy(), getattr(x, name)().numpy())
    with pytest.raises(TypeError, match=rf"^{name}: expected a Tensor, got list"):
        fn([1.0])
