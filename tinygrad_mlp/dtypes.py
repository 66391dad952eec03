"""torch's dtype names: ``tm.float32`` is ``numpy.float32``, and so on (``tm.bool`` is numpy's
bool). Anywhere a ``dtype=`` is taken, these and numpy's own are the same thing.

Example::

    >>> tm.zeros(2, dtype=tm.float64).dtype, tm.Tensor([1, 2]).dtype == tm.int64
    (dtype('float64'), True)
"""

import numpy as np

__all__ = ["float16", "float32", "float64", "int32", "int64", "bool"]

float16 = np.float16
float32 = np.float32
float64 = np.float64
int32 = np.int32
int64 = np.int64
bool = np.bool_  # torch's name; it shadows the builtin in this module only
