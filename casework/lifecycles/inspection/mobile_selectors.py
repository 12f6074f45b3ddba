"""What the inspector's phone (移动监管执法) reads: the inspections whose team the user is on, the
step each one waits for from them, the enterprise card with its credit warnings.

Only team members see an inspection here (a reviewer or an admin uses the desktop task page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet

from casework.directory.models import Enterprise
from casework.organization.models import Division
from casework.portal import registry
from processes.business_calendar import SHANGHAI
from processes.models import HumanTask

from . import services
from .models import Inspection, InspectionItem, InspectionMember

WEEKDAYS = "一二三四五六日"
#: published records that warn an inspector before the visit (经营异常名录, 严重违法失信名单 …)
WARNING_WORDS = ("经营异常", "失信")
#: the steps the phone completes; others (改正跟踪) open the desktop task page
PHONE_STEPS = {services.ENTER: "录入检查结果", services.CONFIRM: "同组确认"}


def team_inspections(user: Any) -> QuerySet[Inspection]:
    return (
        Inspection.objects.filter(members__inspector__user_id=getattr(user, "pk", None) or 0)
        .select_related("draw__task__plan", "follow_up_department")
        .distinct()
    )


def inspection_for(user: Any, inspection_id: int) -> Inspection | None:
    """The inspection if ``user`` is on its team, else None (the page answers 404)."""
    return team_inspections(user).filter(pk=inspection_id).first()


def held_tasks(user: Any, inspections: list[Inspection]) -> dict[int, HumanTask]:
    """instance id -> the open task of that case the user holds."""
    ids = [i.instance_id for i in inspections if i.instance_id]
    found: dict[int, HumanTask] = {}
    for task in HumanTask.objects.filter(
        instance_id__in=ids, assignee_id=getattr(user, "pk", None), state=HumanTask.State.OPEN
    ).order_by("pk"):
        found.setdefault(task.instance_id, task)
    return found


def chinese_day(day: date) -> str:
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def due_words(due: date, today: date) -> tuple[str, str]:
    """(group, words): overdue / today / upcoming, and "逾期 3 天" / "今天到期" / "还有 5 天"."""
    days = (due - today).days
    if days < 0:
        return "overdue", f"逾期 {-days} 天"
    if days == 0:
        return "today", "今天到期"
    if days == 1:
        return "upcoming", "明天到期"
    return "upcoming", f"还有 {days} 天"


@dataclass
class Assignment:
    inspection: Inspection
    role: str  # 主检 / 协检
    task: HumanTask | None
    step: str  # what the phone offers: enter / confirm / desk / ""
    due: date
    group: str
    due_words: str
    division: str
    division_name: str
    partners: list[str] = field(default_factory=list)

    @property
    def due_label(self) -> str:
        return chinese_day(self.due)


def _due_date(task: HumanTask | None, inspection: Inspection) -> date:
    due_at: datetime | None = getattr(task, "due_at", None)
    if due_at is not None:
        return due_at.astimezone(SHANGHAI).date()
    return inspection.draw.task.result_due


def division_names(codes: set[str]) -> dict[str, str]:
    return dict(Division.objects.filter(code__in=codes).values_list("code", "name"))


def _name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def assignments(user: Any, today: date) -> list[Assignment]:
    """The user's inspections, those waiting for them first (by due date), then the others."""
    inspections = list(team_inspections(user).order_by("draw__task__result_due", "pk"))
    held = held_tasks(user, inspections)
    members: dict[int, list[InspectionMember]] = {}
    for member in (
        InspectionMember.objects.filter(inspection__in=inspections)
        .select_related("inspector__user")
        .order_by("position")
    ):
        members.setdefault(member.inspection_id, []).append(member)
    divisions = dict(
        Enterprise.objects.filter(credit_code__in=[i.credit_code for i in inspections]).values_list(
            "credit_code", "division_code"
        )
    )
    names = division_names(set(divisions.values()))
    found = []
    for inspection in inspections:
        team = members.get(inspection.pk, [])
        mine = next((m for m in team if m.inspector.user_id == user.pk), None)
        task = held.get(inspection.instance_id or 0)
        step = ""
        if task is not None:
            step = {services.ENTER: "enter", services.CONFIRM: "confirm"}.get(task.bpmn_id, "desk")
        due = _due_date(task, inspection)
        group, words = due_words(due, today) if task is not None else ("waiting", "")
        code = divisions.get(inspection.credit_code, "")
        found.append(
            Assignment(
                inspection=inspection,
                role="主检" if mine is not None and team and mine is team[0] else "协检",
                task=task,
                step=step,
                due=due,
                group=group,
                due_words=words,
                division=code,
                division_name=names.get(code, code or "未知区划"),
                partners=[_name(m.inspector.user) for m in team if m is not mine],
            )
        )
    found.sort(key=lambda a: (a.task is None, a.due, a.inspection.pk))
    return found


def enterprise(credit_code: str) -> Enterprise | None:
    return Enterprise.objects.select_related("registration_authority").filter(credit_code=credit_code).first()


@dataclass
class CreditWarnings:
    records: list[registry.PublicRecord]
    incomplete: bool  # a provider failed: the card says the list may be incomplete


def credit_warnings(credit_code: str) -> CreditWarnings:
    """Published 经营异常名录 / 严重违法失信 records of the enterprise (the portal's public view)."""
    gathered = registry.public_records(credit_code)
    records = [r for r in gathered.records if any(word in r.category for word in WARNING_WORDS)]
    return CreditWarnings(
        records=sorted(records, key=lambda r: r.published_on, reverse=True), incomplete=bool(gathered.failed)
    )


def items(inspection: Inspection) -> list[InspectionItem]:
    return list(inspection.draw.task.items.select_related("department").order_by("department__code", "code"))


def division_name(code: str) -> str:
    return division_names({code}).get(code, code) if code else ""


def is_inspector(user: Any) -> bool:
    """On a 执法检查人员名录库 (the menu shows 移动检查 to them)."""
    from .models import Inspector

    return bool(getattr(user, "pk", None)) and Inspector.objects.filter(user_id=user.pk).exists()
