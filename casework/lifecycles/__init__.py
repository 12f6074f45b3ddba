"""The lifecycles: one folder each (plus its ``bpmn/<key>.bpmn``), found here, named nowhere else.

A lifecycle folder holds its models, services (the actions), forms, views, API, templates and
a ``steps`` module that registers it at start-up: engine hooks, task forms, task-page panels,
menu entries, URLs, notices and demo data (see ``casework.workbench.extensions``).
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent


def names() -> list[str]:
    """The lifecycle packages present, in a stable order."""
    return sorted(info.name for info in pkgutil.iter_modules([str(ROOT)]) if info.ispkg)


def submodules(module: str) -> list[ModuleType]:
    """``casework.lifecycles.<name>.<module>`` of every lifecycle that has one, imported."""
    found = []
    for name in names():
        qualified = f"{__name__}.{name}.{module}"
        if importlib.util.find_spec(qualified) is not None:
            found.append(importlib.import_module(qualified))
    return found


def template_dirs() -> list[str]:
    """Each lifecycle's ``templates`` folder (settings add them to the template search path)."""
    return [str(path) for path in sorted(ROOT.glob("*/templates")) if path.is_dir()]


def static_dirs() -> list[str]:
    """Each lifecycle's ``static`` folder (settings add them to STATICFILES_DIRS; a lifecycle keeps
    its files under ``static/<name>/`` so they are served as ``/static/<name>/…``)."""
    return [str(path) for path in sorted(ROOT.glob("*/static")) if path.is_dir()]


def discover() -> None:
    """Import each lifecycle's ``steps`` (its registrations), ``admin`` and ``tasks`` (its Celery
    jobs: a worker knows only the tasks imported at start-up, and Celery's autodiscovery looks
    for ``<app>.tasks`` only); called once at start-up."""
    submodules("steps")
    submodules("admin")
    submodules("tasks")
