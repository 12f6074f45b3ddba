"""The demo process ``demo_claim``: its one action, pushing an item to a department."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from casework.organization.models import Department
from processes import engine
from processes.models import ProcessInstance


def start_demo_case(
    *, actor: Any, title: str, department: Department, deadline_workdays: int, received_at=None
) -> ProcessInstance:
    """Push one item to a department (demo process ``demo_claim``)."""
    received_at = received_at or timezone.now()
    return engine.start_process(
        key="demo_claim",
        data={
            "department": department.code,
            "deadline_workdays": deadline_workdays,
            "received_at": received_at,
            "title": title,
        },
        business_key=f"DEMO-{received_at:%Y%m%d%H%M%S%f}",
        title=title,
        actor=actor,
    )
