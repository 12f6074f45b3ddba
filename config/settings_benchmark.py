"""Benchmark settings: the product plus viewflow's workflow engine and its peer flow.

Only the benchmark comparing our engine against django-viewflow uses this module; the product
never installs ``viewflow.workflow`` or ``benchmarks.viewflow_peer``.  VIEWFLOW["AUTOREGISTER"]
stays False from the base settings: it only decides whether viewflow appends its middlewares.
"""

from .settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "viewflow.workflow", "benchmarks.viewflow_peer"]  # noqa: F405
