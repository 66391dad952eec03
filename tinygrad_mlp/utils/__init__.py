"""Small utilities the rest of the package shares, one concern per module.

- ``atomic``: write a file so that readers see the old or the new contents, never half;
- ``axes``: axis arguments checked and made non-negative;
- ``blas``: how many threads the BLAS library may use;
- ``progress``: progress on stderr, a live line on a terminal (every command's);
- ``state``: the checks every ``load_state_dict`` makes before changing anything;
- ``table``: plain-text tables for the command line.
"""

__all__: list[str] = []
