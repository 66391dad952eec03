"""Progress of a long sweep on stderr: ``tinygrad_mlp.utils.progress``, shared by every command.

Example::

    >>> Progress is __import__("tinygrad_mlp.utils.progress", fromlist=["x"]).Progress
    True
"""

from __future__ import annotations

from ..utils.progress import Progress

__all__ = ["Progress"]
