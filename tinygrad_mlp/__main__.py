"""``python -m tinygrad_mlp ...``: the same as the ``tinygrad-mlp`` command."""

import sys

from .cli import main

__all__: list[str] = []  # a script, not a module to import from

if __name__ == "__main__":
    sys.exit(main())
