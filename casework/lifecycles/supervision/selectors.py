"""效能督办 reads: the supervisor's ledger, a task's escalations, the task a case supervises."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from casework.organization.permissions import departments_in_role

from .models import Escalation


def escalations_for(
    user: Any,
    *,
    q: str = "",
    outcome: str | None = None,
    department: str | None = None,
    level: int | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
) -> QuerySet[Escalation]:
    """督办台账: escalations handled by the supervision departments the user supervises, newest
    first; narrowed by outcome, supervised department, level, escalation dates (inclusive, local
    days) and a case title search."""
    departments = departments_in_role(user, "supervisor")
    escalations = Escalation.objects.filter(
        supervision_instance__human_tasks__candidate_department__in=departments
    )
    if q:
        escalations = escalations.filter(human_task__case_title__icontains=q)
    if outcome:
        escalations = escalations.filter(outcome=outcome)
    if department:
        escalations = escalations.filter(department_code=department)
    if level:
        escalations = escalations.filter(level=level)
    tz = timezone.get_current_timezone()
    if created_from:
        escalations = escalations.filter(created_at__gte=datetime.combine(created_from, time.min, tz))
    if created_to:
        escalations = escalations.filter(
            created_at__lt=datetime.combine(created_to + timedelta(days=1), time.min, tz)
        )
    return (
        escalations.select_related("human_task", "supervision_instance", "decided_by")
        .prefetch_related("supervision_instance__human_tasks")
        .distinct()
        .order_by("-created_at", "-pk")
    )


def escalation_filter_choices(user: Any) -> tuple[list[str], list[int]]:
    """The supervised departments and the levels of the user's escalations (the filter's choices)."""
    mine = escalations_for(user).order_by()
    departments = sorted(set(mine.values_list("department_code", flat=True)))
    levels = sorted(set(mine.values_list("level", flat=True)))
    return departments, levels


def escalations_of(task: Any) -> list[Escalation]:
    return list(task.escalations.select_related("decided_by").order_by("level"))


def supervised_task(supervision_task: Any) -> Any:
    """The task a 效能督办 case supervises (its parent task), or None."""
    return supervision_task.instance.parent_task


def supervised_is_open(supervision_task: Any) -> bool:
    supervised = supervised_task(supervision_task)
    return supervised is None or supervised.is_open
