"""``python -m tinygrad_mlp.cli``: the same as the ``tinygrad-mlp`` command."""

import sys

from . import main

sys.exit(main())
