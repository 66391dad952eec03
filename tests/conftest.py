"""Hypothesis profiles: ``ci`` (derandomized, bounded) and ``dev`` (more examples, random).

CI sets HYPOTHESIS_PROFILE=ci: no deadline (timings on a shared 2-core machine are noise),
a bounded number of examples, and derandomize=True so a run is a pure function of the code:
a failure in CI fails again, identically, on any machine. Locally the default ``dev``
profile draws fresh examples each run and prints a reproduce blob on failure.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=40,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=100, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
