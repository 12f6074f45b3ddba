"""Benchmark-only peer: the 双告知 one-department flow on django-viewflow's own workflow engine.

Never part of the product: only ``config.settings_benchmark`` installs it (with ``viewflow.workflow``).
"""
