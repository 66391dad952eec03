"""Op tables (the minitorch layout): rows of ops that one set of tests runs on both engines.

Each module holds one family's rows; ``ALL_ROWS`` gathers them. A row says what the op
is, what it should compute (a numpy reference) and what its derivative is at its kinks;
``tests/test_op_tables.py`` holds the checks, written once.
"""

from . import activations, binary, core, elementwise, losses, reduce, shape
from .row import Kink, OpRow

# One line per family module: its rows join the table here.
ALL_ROWS: tuple[OpRow, ...] = (
    *core.ROWS,
    *elementwise.ROWS,
    *binary.ROWS,
    *activations.ROWS,
    *reduce.ROWS,
    *shape.ROWS,
    *losses.ROWS,
)

__all__ = ["Kink", "OpRow", "ALL_ROWS"]
