"""Shared test configuration: a fixed, deterministic hypothesis profile."""

import os

import matplotlib
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

settings.register_profile(
    "dynsys",
    derandomize=True,
    deadline=None,
    max_examples=int(os.environ.get("DYNSYS_HYPOTHESIS_EXAMPLES", "50")),
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("dynsys")
