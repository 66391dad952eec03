"""Small utilities the rest of the package shares, one concern per module.

- :mod:`.atomic`: write a file so that readers see the old or the new contents, never half;
- :mod:`.axes`: axis arguments checked and made non-negative;
- :mod:`.blas`: how many threads the BLAS library may use;
- :mod:`.state`: the checks every ``load_state_dict`` makes before changing anything;
- :mod:`.table`: plain-text tables for the command line.
"""

__all__: list[str] = []
