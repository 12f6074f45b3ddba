"""效能督办 reads: the supervisor's ledger, a task's escalations, the task a case supervises."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from casework.organization.permissions import departments_in_role

from .models import Escalation


def escalations_for(user: Any) -> QuerySet[Escalation]:
    """督办台账: escalations handled by the supervision departments the user supervises."""
    departments = departments_in_role(user, "supervisor")
    return (
        Escalation.objects.filter(supervision_instance__human_tasks__candidate_department__in=departments)
        .select_related("human_task", "supervision_instance", "decided_by")
        .prefetch_related("supervision_instance__human_tasks")
        .distinct()
        .order_by("-created_at")
    )


def escalations_of(task: Any) -> list[Escalation]:
    return list(task.escalations.select_related("decided_by").order_by("level"))


def supervised_task(supervision_task: Any) -> Any:
    """The task a 效能督办 case supervises (its parent task), or None."""
    return supervision_task.instance.parent_task


def supervised_is_open(supervision_task: Any) -> bool:
    supervised = supervised_task(supervision_task)
    return supervised is None or supervised.is_open
