"""双随机 两库 and the 抽查事项清单: the actions department staff take on them, each audited.

- 抽查事项清单: add, edit, deactivate (kept) or reactivate an item.
- 执法检查人员名录库: put a member on the list, edit the certificate and specialities, mark
  unavailable (with the reason) or available again; 回避申报 declared and withdrawn (kept).
- The reminder (``bpmn/inspector_list_refresh.bpmn``): every ``clock("inspectors.refresh")`` working
  days a department that keeps inspectors is asked to confirm its list; the confirmation is a row.
- The 检查对象名录库 refresh: the live directory counted by area, daily.

A department keeps only its own lists (officers and reviewers); process admins keep every list;
a department's inspectors see its lists and declare their own conflicts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from casework.directory.credit_code import check_credit_code
from casework.directory.models import Enterprise
from casework.errors import DomainError, Forbidden
from casework.organization.models import Department, Division, Membership, Role
from casework.organization.permissions import Person, departments_in_role
from processes import engine
from processes.audit import record
from processes.business_calendar import SHANGHAI, add_workdays_provisional
from processes.models import ProcessInstance

from . import selectors
from .models import (
    DirectoryRefresh,
    InspectionItem,
    Inspector,
    InspectorConflict,
    InspectorListConfirmation,
    Method,
)

REFRESH_PROCESS = "inspector_list_refresh"
CONFIRM_TASK = "confirm_inspectors"
REFRESH_CLOCK = "inspectors.refresh"


class DirectoryRefused(DomainError):
    code = "inspection_directory_refused"
    status = 422


def today() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


def _require_manage(actor: Person, department: Department, what: str) -> None:
    if not selectors.may_manage(actor, department):
        raise Forbidden(f"只能维护本部门的{what}")


def _lines(value: Iterable[str] | str) -> list[str]:
    items = value.splitlines() if isinstance(value, str) else list(value)
    return [line.strip() for line in items if line and line.strip()]


# --- 抽查事项清单 ------------------------------------------------------------------------------


def _item_values(values: dict) -> dict:
    cleaned = {
        "code": (values.get("code") or "").strip(),
        "name": (values.get("name") or "").strip(),
        "legal_basis": (values.get("legal_basis") or "").strip(),
        "method": values.get("method") or Method.ONSITE,
        "subject_kinds": sorted(set(values.get("subject_kinds") or [])),
        "checklist": _lines(values.get("checklist") or []),
    }
    details = {}
    for key, label in (("code", "事项编码"), ("name", "抽查事项"), ("legal_basis", "检查依据")):
        if not cleaned[key]:
            details[key] = f"请填写{label}"
    if cleaned["method"] not in Method.values:
        details["method"] = "请选择检查方式"
    bad_kinds = set(cleaned["subject_kinds"]) - set(Enterprise.Kind.values)
    if bad_kinds:
        details["subject_kinds"] = "检查对象类型有误"
    if details:
        raise DirectoryRefused("抽查事项填写有误", details=details)
    return cleaned


def create_item(*, department: Department, values: dict, actor: Person) -> InspectionItem:
    _require_manage(actor, department, "抽查事项清单")
    cleaned = _item_values(values)
    if InspectionItem.objects.filter(department=department, code=cleaned["code"]).exists():
        raise DirectoryRefused("本部门已有相同编码的抽查事项", details={"code": "编码已被使用"})
    with transaction.atomic():
        item = InspectionItem.objects.create(department=department, **cleaned)
        record(
            "inspection_item_created",
            actor=actor,
            item_id=item.pk,
            department=department.code,
            code=item.code,
            name=item.name,
        )
    return item


def update_item(*, item: InspectionItem, values: dict, actor: Person) -> InspectionItem:
    _require_manage(actor, item.department, "抽查事项清单")
    cleaned = _item_values(values)
    if (
        InspectionItem.objects.filter(department=item.department, code=cleaned["code"])
        .exclude(pk=item.pk)
        .exists()
    ):
        raise DirectoryRefused("本部门已有相同编码的抽查事项", details={"code": "编码已被使用"})
    changed = sorted(k for k, v in cleaned.items() if getattr(item, k) != v)
    if not changed:
        return item
    with transaction.atomic():
        for key, value in cleaned.items():
            setattr(item, key, value)
        item.save()
        record("inspection_item_updated", actor=actor, item_id=item.pk, code=item.code, changed=changed)
    return item


def set_item_active(*, item: InspectionItem, active: bool, actor: Person) -> InspectionItem:
    """停用 (kept, not offered to new tasks) or 恢复启用."""
    _require_manage(actor, item.department, "抽查事项清单")
    if item.active == active:
        return item
    with transaction.atomic():
        item.active = active
        item.save(update_fields=["active", "updated_at"])
        record(
            "inspection_item_activated" if active else "inspection_item_deactivated",
            actor=actor,
            item_id=item.pk,
            code=item.code,
        )
    return item


# --- 执法检查人员名录库 --------------------------------------------------------------------------


def _inspector_values(values: dict) -> dict:
    details = {}
    number = (values.get("certificate_number") or "").strip()
    valid_until = values.get("certificate_valid_until")
    if not number:
        details["certificate_number"] = "请填写执法证号"
    if not isinstance(valid_until, date):
        details["certificate_valid_until"] = "请填写执法证有效期"
    if details:
        raise DirectoryRefused("执法检查人员信息填写有误", details=details)
    return {
        "certificate_number": number,
        "certificate_valid_until": valid_until,
        "specialities": _lines(values.get("specialities") or []),
    }


def add_inspector(*, department: Department, user, values: dict, actor: Person) -> Inspector:
    """Put a member (the department's inspector or officer) on its 执法检查人员名录库."""
    _require_manage(actor, department, "执法检查人员名录库")
    if not Membership.objects.filter(
        user=user, department=department, role__in=[Role.INSPECTOR, Role.OFFICER]
    ).exists():
        raise DirectoryRefused(
            "只能将本部门的检查人员或经办人员列入名录库", details={"user": "不是本部门的检查或经办人员"}
        )
    cleaned = _inspector_values(values)
    if Inspector.objects.filter(department=department, user=user).exists():
        raise DirectoryRefused("该人员已在本部门名录库中", details={"user": "已在名录库中"})
    with transaction.atomic():
        inspector = Inspector.objects.create(user=user, department=department, **cleaned)
        # On the list = an inspector of the department: the post their inspection tasks are offered to.
        _, granted = Membership.objects.get_or_create(user=user, department=department, role=Role.INSPECTOR)
        record(
            "inspector_added",
            actor=actor,
            inspector_id=inspector.pk,
            department=department.code,
            user=user.get_username(),
            certificate_number=inspector.certificate_number,
            certificate_valid_until=str(inspector.certificate_valid_until),
            inspector_post_granted=granted,
        )
    return inspector


def update_inspector(*, inspector: Inspector, values: dict, actor: Person) -> Inspector:
    _require_manage(actor, inspector.department, "执法检查人员名录库")
    cleaned = _inspector_values(values)
    changed = sorted(k for k, v in cleaned.items() if getattr(inspector, k) != v)
    if not changed:
        return inspector
    with transaction.atomic():
        for key, value in cleaned.items():
            setattr(inspector, key, value)
        inspector.save()
        record(
            "inspector_updated",
            actor=actor,
            inspector_id=inspector.pk,
            changed=changed,
            certificate_valid_until=str(inspector.certificate_valid_until),
        )
    return inspector


def set_availability(*, inspector: Inspector, available: bool, reason: str, actor: Person) -> Inspector:
    """不可参与抽查 (with the reason: 借调, 休假 …) or 恢复可参与; never removed from the list."""
    _require_manage(actor, inspector.department, "执法检查人员名录库")
    reason = (reason or "").strip()
    if not available and not reason:
        raise DirectoryRefused("请填写不可参与抽查的原因", details={"reason": "不能为空"})
    if inspector.available == available and (available or inspector.unavailable_reason == reason):
        return inspector
    with transaction.atomic():
        inspector.available = available
        inspector.unavailable_reason = "" if available else reason
        inspector.save(update_fields=["available", "unavailable_reason", "updated_at"])
        record(
            "inspector_available" if available else "inspector_unavailable",
            actor=actor,
            inspector_id=inspector.pk,
            reason=reason,
        )
    return inspector


# --- 回避申报 ----------------------------------------------------------------------------------


def may_declare(actor: Person, inspector: Inspector) -> bool:
    """The list's keepers, and the inspector for themself."""
    return selectors.may_manage(actor, inspector.department) or (
        inspector.user_id == actor.pk
        and inspector.department.code in departments_in_role(actor, Role.INSPECTOR)
    )


def declare_conflict(
    *, inspector: Inspector, credit_code: str, reason: str, actor: Person
) -> InspectorConflict:
    """回避申报 (行政处罚法 第四十三条): the inspector is never drawn for that enterprise."""
    if not may_declare(actor, inspector):
        raise Forbidden("只能为本部门的检查人员（或本人）申报回避")
    check = check_credit_code(credit_code or "")
    details = {}
    if not check.ok:
        details["credit_code"] = "；".join(p.message for p in check.problems)
    reason = (reason or "").strip()
    if not reason:
        details["reason"] = "请填写回避事由"
    if details:
        raise DirectoryRefused("回避申报填写有误", details=details)
    if InspectorConflict.objects.filter(
        inspector=inspector, credit_code=check.code, withdrawn_at__isnull=True
    ).exists():
        raise DirectoryRefused("已申报过对该主体的回避", details={"credit_code": "已申报"})
    try:
        with transaction.atomic():
            conflict = InspectorConflict.objects.create(
                inspector=inspector, credit_code=check.code, reason=reason
            )
            record(
                "inspector_conflict_declared",
                actor=actor,
                inspector_id=inspector.pk,
                conflict_id=conflict.pk,
                credit_code=check.code,
                reason=reason,
            )
    except IntegrityError as exc:  # declared at the same moment elsewhere
        raise DirectoryRefused("已申报过对该主体的回避", details={"credit_code": "已申报"}) from exc
    return conflict


def withdraw_conflict(*, conflict: InspectorConflict, actor: Person) -> InspectorConflict:
    """撤回 a declaration: it stops counting for draws from now on; the row stays."""
    if not may_declare(actor, conflict.inspector):
        raise Forbidden("只能撤回本部门检查人员（或本人）的回避申报")
    if conflict.withdrawn_at is not None:
        return conflict
    with transaction.atomic():
        conflict.withdrawn_at, conflict.withdrawn_by = timezone.now(), actor
        conflict.save(update_fields=["withdrawn_at", "withdrawn_by"])
        record(
            "inspector_conflict_withdrawn",
            actor=actor,
            inspector_id=conflict.inspector_id,
            conflict_id=conflict.pk,
            credit_code=conflict.credit_code,
        )
    return conflict


# --- the reminder: 确认本部门执法检查人员名录库 -------------------------------------------------------


_KEY_PREFIX = "MLK-"  # 名录库: one open reminder per department, keyed by its code


def _business_key(department: Department) -> str:
    return f"{_KEY_PREFIX}{department.code}"


def open_reminder(department: Department) -> ProcessInstance | None:
    return ProcessInstance.objects.filter(
        case_type=REFRESH_PROCESS, business_key=_business_key(department), status__in=engine.ACTIVE
    ).first()


def refresh_rule(department: Department, on: date):
    """The ``inspectors.refresh`` rule for the department's area (法定时限规则), or None."""
    from casework.clocks.services import rule_in_force

    return rule_in_force(REFRESH_CLOCK, department.division_code or "", on)


def _refresh_days(department: Department, on: date) -> int:
    rule = refresh_rule(department, on)
    return rule.days if rule is not None else 7


def reminder_due(department: Department, on: date) -> bool:
    """No open reminder, and the list not confirmed (nor asked) within the last N working days."""
    if open_reminder(department) is not None:
        return False
    last_confirmed = (
        InspectorListConfirmation.objects.filter(department=department)
        .order_by("-confirmed_at")
        .values_list("confirmed_at", flat=True)
        .first()
    )
    last_asked = (
        ProcessInstance.objects.filter(case_type=REFRESH_PROCESS, business_key=_business_key(department))
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    moments = [m for m in (last_confirmed, last_asked) if m is not None]
    if not moments:
        return True
    last = max(moments).astimezone(SHANGHAI).date()
    due_on, _ = add_workdays_provisional(last, _refresh_days(department, on))
    return due_on <= on


def start_reminder(department: Department) -> ProcessInstance:
    instance = engine.start_process(
        key=REFRESH_PROCESS,
        data={"department": department.code, "department_name": department.name},
        business_key=_business_key(department),
        title=f"确认执法检查人员名录库：{department.name}",
        area_code=department.division_code or "",
    )
    record("inspector_list_reminder_started", instance=instance, department=department.code)
    return instance


def start_due_reminders(on: date | None = None) -> int:
    """Beat (daily): ask each department that keeps inspectors whose confirmation is due."""
    on = on or today()
    started = 0
    departments = Department.objects.filter(
        pk__in=Inspector.objects.values("department_id").distinct()
    ).order_by("code")
    for department in departments:
        with transaction.atomic():
            if reminder_due(department, on):
                start_reminder(department)
                started += 1
    return started


def confirm_list(*, department: Department, actor: Person, note: str = "", instance=None, human_task=None):
    """The department confirmed its list as it stands (the inspectors who may be drawn today)."""
    count = len(selectors.eligible_inspectors([department], today()))
    confirmation = InspectorListConfirmation.objects.create(
        department=department, confirmed_by=actor, inspector_count=count, note=(note or "").strip()[:300]
    )
    record(
        "inspector_list_confirmed",
        actor=actor,
        instance=instance,
        human_task=human_task,
        department=department.code,
        inspector_count=count,
        confirmation_id=confirmation.pk,
    )
    return confirmation


def confirmed_from_task(*, instance, human_task, data: dict, actor) -> None:
    """The 确认 task completed: its confirmation row (hook on ``confirm_inspectors``)."""
    department = Department.objects.get(code=instance.business_key.removeprefix(_KEY_PREFIX))
    confirm_list(
        department=department,
        actor=actor,
        note=data.get("note", ""),
        instance=instance,
        human_task=human_task,
    )


# --- 检查对象名录库: the daily refresh -----------------------------------------------------------


def refresh_directories() -> int:
    """Beat (daily): count each area's directory by risk class; one row per area."""
    made = 0
    for area in Division.objects.order_by("code").values_list("code", flat=True):
        rows = Enterprise.objects.filter(selectors._area_range(area)).order_by()
        by_risk = dict(rows.values_list("risk_class").annotate(n=Count("pk")).values_list("risk_class", "n"))
        DirectoryRefresh.objects.create(division_code=area, total=sum(by_risk.values()), by_risk=by_risk)
        made += 1
    record("inspection_directory_refreshed", areas=made)
    return made
