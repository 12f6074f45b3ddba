"""A Celery worker knows only the tasks its start-up imports: every lifecycle's jobs must be among
them (Celery's autodiscovery looks for ``<app>.tasks`` only, and the lifecycles live deeper; the
batch import's job was once unknown to a real worker)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

from celery import Task

from casework import lifecycles

SCRIPT = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup();"
    "from config.celery import app; app.loader.import_default_modules();"
    "print('\\n'.join(sorted(app.tasks)))"
)


def test_a_fresh_worker_process_knows_every_lifecycles_jobs():
    known = set(
        subprocess.run(
            [sys.executable, "-c", SCRIPT],
            check=True,
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout.split()
    )
    wanted = set()
    for name in lifecycles.names():
        if (lifecycles.ROOT / name / "tasks.py").exists():
            module = importlib.import_module(f"casework.lifecycles.{name}.tasks")
            wanted |= {value.name for value in vars(module).values() if isinstance(value, Task)}
    assert wanted, "no lifecycle defines a Celery job"
    assert wanted <= known, sorted(wanted - known)
