"""Tools for testing gradients: ``assert_grads_close`` and hypothesis ``strategies``.

``strategies`` needs hypothesis (``pip install tinygrad-mlp[test]``); importing this package
or ``tinygrad_mlp`` does not.
"""

from .asserts import assert_grads_close

__all__ = ["assert_grads_close"]
