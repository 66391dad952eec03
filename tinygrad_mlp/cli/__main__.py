"""``python -m tinygrad_mlp.cli``: the same as the ``tinygrad-mlp`` command."""

import sys

from . import main

__all__: list[str] = []  # a script, not a module to import from

sys.exit(main())
