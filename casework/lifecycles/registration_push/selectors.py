"""双告知 reads: re-push choices, a registration for its task page and its 告知书."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from casework.organization.divisions import related
from casework.organization.models import Department
from casework.organization.permissions import is_process_admin, posts
from processes.models import HumanTask

from .models import ApprovalItem, Registration, ReturnRecord


_LEVELS = {Department.Level.PROVINCE: 0, Department.Level.CITY: 1, Department.Level.COUNTY: 2}


def repush_choices(human_task: HumanTask | None = None) -> list[Department]:
    """人工确认审批部门: the departments the registration may be pushed to again, province → city
    → county, by name within a level.

    The rule is ``services.repush_target``'s: approving departments of the case's chain of
    areas, not the one that just returned it, not one already working on the case.
    """
    departments = list(Department.objects.approving())
    if human_task is not None:
        returned = set(
            ReturnRecord.objects.filter(confirm_task=human_task).values_list("department_code", flat=True)
        )
        busy = set(
            HumanTask.objects.filter(instance_id=human_task.instance_id, state=HumanTask.State.OPEN)
            .exclude(pk=human_task.pk)
            .values_list("candidate_department", flat=True)
        )
        area = human_task.area_code or ""
        departments = [
            d
            for d in departments
            if d.code not in returned | busy and (not area or related(area, d.division_code))
        ]
    return sorted(departments, key=lambda d: (_LEVELS.get(d.level, 3), d.name, d.code))


def registration_of_case(instance: Any) -> Registration | None:
    return (
        Registration.objects.select_related("enterprise", "registration_authority")
        .prefetch_related("returns")
        .filter(instance=instance)
        .first()
    )


def notice_registration(user: Any, registration_id: int) -> Registration | None:
    """The registrar of the registering authority (or a process admin) may print its 告知书."""
    registration = (
        Registration.objects.select_related("enterprise", "registration_authority")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None:
        return None
    if (registration.registration_authority.code, "registrar") in posts(user) or is_process_admin(user):
        return registration
    return None


def registrar_departments(user: Any) -> list[Department]:
    """The registration authorities the user works for, the first one the entry page's default."""
    codes = [code for code, role in posts(user) if role == "registrar"]
    return list(Department.objects.filter(code__in=codes, kind=Department.Kind.REGISTRAR).order_by("code"))


def catalogue_items(q: str = "") -> QuerySet[ApprovalItem]:
    items = ApprovalItem.objects.select_related("sector").order_by("code")
    if q:
        items = items.filter(Q(name__icontains=q) | Q(keywords__icontains=q) | Q(code__icontains=q))
    return items
