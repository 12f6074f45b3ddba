"""The demo's inspection cases: the demo plan's draw (plan_demo) queues the job that starts one case
per drawn target when its transaction commits; ``seed_demo`` runs without a worker, so this seeder
starts what is still waiting, and the demo account ``inspector`` finds its assignments on the phone
(/workbench/m/inspections/).  Idempotent: a case is started once (``tasks.start_cases``)."""

from __future__ import annotations

from .models import Inspection
from .tasks import start_cases


def start_demo_cases() -> int:
    waiting = list(
        Inspection.objects.filter(instance__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    return start_cases(waiting) if waiting else 0
