"""双告知 reads: re-push choices, a registration for its task page and its 告知书, the
registrar's 登记推送记录 and each registration's status per pushed department."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from casework.organization.divisions import related
from casework.organization.models import Department
from casework.organization.permissions import is_process_admin, posts
from casework.workbench.names import department_name
from processes.models import HumanTask

from . import pool
from .models import ApprovalItem, PermitFeedback, Registration, ReturnRecord

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


def registrations_of(
    user: Any, *, q: str = "", registered_from: date | None = None, registered_to: date | None = None
) -> QuerySet[Registration] | None:
    """登记推送记录: the registrations of the user's own registration authorities (a process admin:
    all), newest first, searched by name, credit code or event id and by 登记日期; None when the
    user pushes for no authority."""
    registrations = Registration.objects.select_related("enterprise", "registration_authority").order_by(
        "-received_at", "-pk"
    )
    if not is_process_admin(user):
        codes = [code for code, role in posts(user) if role == "registrar"]
        if not codes:
            return None
        registrations = registrations.filter(registration_authority__code__in=codes)
    q = q.strip()
    if q:
        registrations = registrations.filter(
            Q(enterprise__name__icontains=q)
            | Q(enterprise__credit_code__icontains=q.upper())
            | Q(event_id__icontains=q)
        )
    if registered_from:
        registrations = registrations.filter(registered_on__gte=registered_from)
    if registered_to:
        registrations = registrations.filter(registered_on__lte=registered_to)
    return registrations


@dataclass(frozen=True)
class PushStatus:
    """Where one pushed department (or the claim pool) stands with a registration."""

    department: str  # its name
    status: str  # 待认领 / 已认领，待反馈 / 已退回 / 已反馈（准予许可）/ 公示认领中 …
    tone: str = ""  # "warn" (overdue, escalated, returned), "done" (fed back), "" (in progress)
    task_id: int | None = None  # the registrar's own open step (人工确认审批部门), if any


_OFFICER_STEPS = {
    # bpmn id: (status while open, status once done)
    "claim_or_return": ("待认领", "已认领"),
    "permit_feedback": ("已认领，待反馈", "已反馈"),
    "pool_permit_feedback": ("已认领，待反馈", "已反馈"),
    "claim_from_pool": ("公示认领中", "已被认领"),
}


def _place(code: str) -> str:
    """The department's name; a claim pool is named by ``pool.name`` (公示认领池（广元市）)."""
    return pool.name(code) or department_name(code)


def push_statuses(registrations: Sequence[Registration]) -> dict[int, list[PushStatus]]:
    """Each registration's status per pushed department, read from its case's tasks, its returns
    and its permit feedback (three queries for a page of registrations)."""
    by_instance = {r.instance_id: r.pk for r in registrations if r.instance_id}
    steps: dict[int, dict[str, tuple[str, str]]] = {r.pk: {} for r in registrations}
    own_steps: dict[int, list[PushStatus]] = {r.pk: [] for r in registrations}
    tasks = (
        HumanTask.objects.filter(instance_id__in=by_instance)
        .order_by("created_at", "pk")
        .only(
            "pk",
            "instance_id",
            "bpmn_id",
            "candidate_department",
            "candidate_role",
            "state",
            "escalation_level",
        )
    )
    for task in tasks:
        registration = by_instance[task.instance_id]
        is_open = task.state == HumanTask.State.OPEN
        if task.bpmn_id == "confirm_department":
            if is_open:
                own_steps[registration].append(
                    PushStatus("登记机关", "有部门退回，待确认审批部门", "warn", task_id=task.pk)
                )
            continue
        labels = _OFFICER_STEPS.get(task.bpmn_id)
        if labels is None:
            continue
        if task.state == HumanTask.State.CANCELLED:
            status, tone = "已终止", ""
        elif is_open and task.escalation_level:
            status, tone = f"{labels[0]}（已转督办 {task.escalation_level} 级）", "warn"
        else:
            status, tone = labels[0] if is_open else labels[1], ""
        steps[registration][task.candidate_department] = (status, tone)
    ids = [r.pk for r in registrations]
    for returned in ReturnRecord.objects.filter(registration_id__in=ids):
        steps[returned.registration_id][returned.department_code] = ("已退回", "warn")
    for feedback in PermitFeedback.objects.filter(registration_id__in=ids):
        status = f"已反馈（{feedback.get_decision_display()}{'，超期' if feedback.is_late else ''}）"
        steps[feedback.registration_id][feedback.department_code] = (status, "done")
    return {
        pk: [PushStatus(_place(code), status, tone) for code, (status, tone) in places.items()]
        + own_steps[pk]
        for pk, places in steps.items()
    }
