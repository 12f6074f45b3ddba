"""双随机 inspection actions (``bpmn/random_inspection.bpmn``, one case per drawn target): start the
case, enter the result (with photos), the co-inspector's confirmation, the review, publication as a
抽查检查结果 record and the follow-ups.  Each writes its audit row.

The rules live here so the desktop task forms, the phone pages and the API meet the same ones:
``check_result`` is the one validation of a result; ``submit_result`` / ``confirm_result`` /
``review_result`` complete the case's task through the engine, whose completion hooks
(``record_result`` …) change the inspection.  A result carries a ``submission_token``: sending the
same result again (a phone back online) never enters it twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from casework.directory.signals import inspection_result_approved
from casework.errors import DomainError, Forbidden
from casework.organization.models import Department
from processes import engine
from processes.audit import record
from processes.business_calendar import SHANGHAI
from processes.deadlines import end_of_day
from processes.errors import TaskNotOpen
from processes.models import AuditEvent, HumanTask, ProcessInstance

from .models import FollowUp, Inspection, InspectionMember, InspectionPhoto, Method, ResultCode

PROCESS = "random_inspection"
ENTER = "enter_result"
CONFIRM = "confirm_result"
REVIEW = "review_result"
RECTIFY = "track_rectification"
TRANSFER = "receive_transfer"
NOTIFY = "receive_notice"

CONFIRM_OK, DISPUTE = "confirm", "dispute"
APPROVE, RETURN = "approve", "return"
RECTIFIED, NOT_RECTIFIED = "rectified", "not_rectified"

State = Inspection.State
#: the follow-ups that go to another department's inbox
ROUTED = (FollowUp.TRANSFER, FollowUp.NOTIFY)
#: the tasks a team member holds (assigned to them when created): task -> position in the team
HELD_BY = {ENTER: 0, RECTIFY: 0, CONFIRM: 1}


class InspectionRefused(DomainError):
    code = "inspection_refused"


@dataclass(frozen=True)
class Submitted:
    inspection: Inspection
    outcome: str  # submitted | duplicate


def today() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


def number_of(inspection: Inspection) -> str:
    """检查编号: plan number, task and draw position — the published record's document number."""
    task = inspection.draw.task
    return f"{task.plan.number}-{task.pk}-{inspection.position:04d}"


def team(inspection: Inspection) -> list[InspectionMember]:
    return list(
        inspection.members.select_related("inspector__user", "inspector__department").order_by("position")
    )


def lead_department(inspection: Inspection) -> Department:
    """The lead inspector's department: it enters, reviews and publishes the result (检查实施机关)."""
    members = team(inspection)
    if not members:
        raise InspectionRefused("检查组没有检查人员", details={"members": "为空"})
    return members[0].inspector.department


# --- starting ----------------------------------------------------------------------------------


def start_inspection(inspection: Inspection, actor) -> ProcessInstance:
    """The case of one drawn target (called by the draw for each inspection, in its transaction)."""
    if inspection.instance_id is not None:
        return inspection.instance  # type: ignore[return-value]
    members = team(inspection)
    if len(members) < 2:
        raise InspectionRefused(
            f"“{inspection.enterprise_name}”的检查组不足两名执法人员（行政处罚法 第四十二条）",
            details={"members": "至少两人"},
        )
    task = inspection.draw.task
    lead = members[0].inspector.department
    with transaction.atomic():
        instance = engine.start_process(
            key=PROCESS,
            data={
                "inspection_id": inspection.pk,
                "lead_department": lead.code,
                "partner_department": members[1].inspector.department.code,
                "result_due_at": end_of_day(task.result_due).isoformat(),
                "follow_up": "",
                "follow_up_department": "",
            },
            business_key=f"SJ-{number_of(inspection)}",
            title=f"{inspection.enterprise_name} · 双随机抽查",
            actor=actor if getattr(actor, "pk", None) else None,
            subject=(inspection.enterprise_name, inspection.credit_code),
            area_code=lead.division_code,
        )
        inspection.instance = instance
        inspection.save(update_fields=["instance"])
        record(
            "inspection_started",
            actor=actor,
            instance=instance,
            inspection_id=inspection.pk,
            number=number_of(inspection),
            team=[m.inspector.user.get_username() for m in members],
        )
    return instance


def assign_to_team_member(*, instance: ProcessInstance, human_task: HumanTask, data: dict) -> None:
    """on_task_created: 录入/改正跟踪 go to the lead inspector, 同组确认 to the second one."""
    position = HELD_BY.get(human_task.bpmn_id)
    if position is None or human_task.assignee_id is not None:
        return
    members = list(
        InspectionMember.objects.filter(inspection_id=int(data.get("inspection_id") or 0))
        .select_related("inspector__user")
        .order_by("position")[: position + 1]
    )
    if len(members) <= position:
        return
    member = members[position]
    user = member.inspector.user
    human_task.assignee, human_task.claimed_at = user, timezone.now()
    human_task.save(update_fields=["assignee", "claimed_at"])
    record(
        "inspection_task_assigned",
        instance=instance,
        human_task=human_task,
        assignee=user.get_username(),
        position=member.position,
    )


# --- the result --------------------------------------------------------------------------------


def _inspection_of(instance: ProcessInstance | None = None, inspection_id: Any = None) -> Inspection:
    found = Inspection.objects.select_for_update()
    if inspection_id is not None:
        return found.get(pk=inspection_id)
    return found.get(instance=instance)


def check_result(
    inspection: Inspection,
    *,
    result_code: str,
    method: str,
    inspected_on: date | str | None,
    findings: str = "",
    follow_up: str = "",
    follow_up_department: str = "",
) -> dict[str, Any]:
    """The one validation of a result: cleaned values, or ``InspectionRefused`` with every problem."""
    errors: dict[str, str] = {}
    if result_code not in ResultCode.values:
        errors["result_code"] = "请选择检查结果"
    if method not in Method.values:
        errors["method"] = "请选择检查方式"
    day: date | None = None
    if isinstance(inspected_on, date):
        day = inspected_on
    elif inspected_on:
        try:
            day = date.fromisoformat(str(inspected_on))
        except ValueError:
            errors["inspected_on"] = "检查日期格式应为 YYYY-MM-DD"
    else:
        errors["inspected_on"] = "请填写检查日期"
    if day is not None:
        plan = inspection.draw.task.plan
        if day > today():
            errors["inspected_on"] = "检查日期不能晚于今天"
        elif not plan.period_start <= day <= plan.period_end:
            errors["inspected_on"] = (
                f"检查日期应在抽查计划实施期间（{plan.period_start:%Y-%m-%d} 至 {plan.period_end:%Y-%m-%d}）"
            )
    findings = (findings or "").strip()
    if not findings and result_code != ResultCode.NO_PROBLEM:
        errors["findings"] = "发现问题或未能检查的，请填写检查情况"
    follow_up = follow_up or FollowUp.NONE
    if follow_up not in FollowUp.values:
        errors["follow_up"] = "请选择后续处置"
    department = None
    if follow_up in ROUTED:
        department = Department.objects.filter(code=follow_up_department or "").first()
        if department is None:
            errors["follow_up_department"] = f"“{FollowUp(follow_up).label}”须选择接收部门"
    if errors:
        raise InspectionRefused("检查结果有误：" + next(iter(errors.values())), details=errors)
    return {
        "result_code": result_code,
        "method": method,
        "inspected_on": day.isoformat() if day else "",
        "findings": findings,
        "follow_up": follow_up,
        "follow_up_department": department.code if department else "",
    }


def _token_used(token: uuid.UUID) -> bool:
    """A result ever sent with this token (the current one, or one a return has replaced since)."""
    return (
        Inspection.objects.filter(submission_token=token).exists()
        or AuditEvent.objects.filter(
            action="inspection_result_submitted", payload__submission_token=str(token)
        ).exists()
    )


def open_task(inspection: Inspection, bpmn_id: str) -> HumanTask | None:
    if inspection.instance_id is None:
        return None
    return HumanTask.objects.filter(
        instance_id=inspection.instance_id, bpmn_id=bpmn_id, state=HumanTask.State.OPEN
    ).first()


def _as_token(value: Any) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError as exc:
        raise InspectionRefused("提交标识无效", details={"submission_token": "应为 UUID"}) from exc


def submit_result(
    *,
    inspection: Inspection,
    actor,
    result_code: str,
    method: str,
    inspected_on: date | str | None,
    findings: str = "",
    follow_up: str = "",
    follow_up_department: str = "",
    submission_token: Any = None,
) -> Submitted:
    """The lead inspector enters the result; the same ``submission_token`` again is a no-op."""
    token = _as_token(submission_token) or uuid.uuid4()
    if _token_used(token):
        inspection.refresh_from_db()
        return Submitted(inspection, "duplicate")
    task = open_task(inspection, ENTER)
    if task is None:
        raise InspectionRefused(
            f"该检查当前为“{inspection.get_state_display()}”，不能录入结果",
            details={"state": inspection.state},
        )
    if task.assignee_id != getattr(actor, "pk", None):
        raise Forbidden("只有主检人员可以录入检查结果")
    cleaned = check_result(
        inspection,
        result_code=result_code,
        method=method,
        inspected_on=inspected_on,
        findings=findings,
        follow_up=follow_up,
        follow_up_department=follow_up_department,
    )
    try:
        engine.complete_task(task_id=task.pk, user=actor, data={**cleaned, "submission_token": str(token)})
    except TaskNotOpen:
        if _token_used(token):  # the same result, sent twice at once: the other one went through
            inspection.refresh_from_db()
            return Submitted(inspection, "duplicate")
        raise
    inspection.refresh_from_db()
    return Submitted(inspection, "submitted")


def record_result(*, instance: ProcessInstance, human_task: HumanTask, data: dict, actor) -> None:
    """录入检查结果 completed (task page, phone or API): the result is the inspection's."""
    inspection = _inspection_of(instance)
    token = _as_token(data.get("submission_token")) or uuid.uuid4()
    department = Department.objects.filter(code=data.get("follow_up_department") or "").first()
    inspection.result_code = data["result_code"]
    inspection.method = data["method"]
    inspection.inspected_on = date.fromisoformat(data["inspected_on"])
    inspection.findings = data.get("findings", "")
    inspection.follow_up = data.get("follow_up") or FollowUp.NONE
    inspection.follow_up_department = department
    inspection.submitted_by = actor
    inspection.submitted_at = timezone.now()
    inspection.submission_token = token
    inspection.state = State.CONFIRMING
    inspection.save()
    InspectionMember.objects.filter(inspection=inspection).update(confirmed_at=None)
    record(
        "inspection_result_submitted",
        actor=actor,
        instance=instance,
        human_task=human_task,
        inspection_id=inspection.pk,
        submission_token=str(token),
        result_code=inspection.result_code,
        follow_up=inspection.follow_up,
    )


def add_photo(
    *, inspection: Inspection, image, client_token: Any, actor, caption: str = ""
) -> InspectionPhoto:
    """A site photo; sending it again with the same ``client_token`` returns the one already kept."""
    token = _as_token(client_token)
    if token is None:
        raise InspectionRefused("照片缺少上传标识", details={"client_token": "不能为空"})
    existing = InspectionPhoto.objects.filter(client_token=token).first()
    if existing is not None:
        if existing.inspection_id != inspection.pk:
            raise InspectionRefused("上传标识已被其他检查使用", details={"client_token": "重复"})
        return existing
    if inspection.state in (State.APPROVED, State.PUBLISHED):
        raise InspectionRefused("检查结果已审核，不能再添加照片", details={"state": inspection.state})
    if not any(m.inspector.user_id == getattr(actor, "pk", None) for m in team(inspection)):
        raise Forbidden("只有检查组成员可以上传现场照片")
    with transaction.atomic():
        photo = InspectionPhoto.objects.create(
            inspection=inspection,
            image=image,
            caption=(caption or "")[:200],
            client_token=token,
            uploaded_by=actor,
        )
        record("inspection_photo_added", actor=actor, inspection_id=inspection.pk, photo_id=photo.pk)
    return photo


# --- confirmation and review -----------------------------------------------------------------------


def _complete(inspection: Inspection, bpmn_id: str, actor, data: dict) -> Inspection:
    task = open_task(inspection, bpmn_id)
    if task is None:
        raise InspectionRefused(
            f"该检查当前为“{inspection.get_state_display()}”，不能办理此步骤",
            details={"state": inspection.state},
        )
    if task.assignee_id is None:
        engine.claim_task(task_id=task.pk, user=actor)
    engine.complete_task(task_id=task.pk, user=actor, data=data)
    inspection.refresh_from_db()
    return inspection


def confirm_result(*, inspection: Inspection, actor, decision: str, note: str = "") -> Inspection:
    """同组确认: the second inspector confirms the result, or disputes it (back to entry, with a note)."""
    if decision not in (CONFIRM_OK, DISPUTE):
        raise InspectionRefused("请选择确认或提出异议", details={"confirm_decision": "无效"})
    if decision == DISPUTE and not (note or "").strip():
        raise InspectionRefused("提出异议须说明理由", details={"confirm_note": "不能为空"})
    return _complete(inspection, CONFIRM, actor, {"confirm_decision": decision, "confirm_note": note or ""})


def record_confirmation(*, instance: ProcessInstance, human_task: HumanTask, data: dict, actor) -> None:
    inspection = _inspection_of(instance)
    if data.get("confirm_decision") == CONFIRM_OK:
        InspectionMember.objects.filter(inspection=inspection, inspector__user=actor).update(
            confirmed_at=timezone.now()
        )
        inspection.state, inspection.review_note = State.REVIEWING, ""
        inspection.save(update_fields=["state", "review_note"])
        record("inspection_result_confirmed", actor=actor, instance=instance, human_task=human_task)
        return
    note = data.get("confirm_note", "")
    inspection.state, inspection.review_note = State.RETURNED, f"同组检查人员异议：{note}"
    inspection.save(update_fields=["state", "review_note"])
    record("inspection_result_disputed", actor=actor, instance=instance, human_task=human_task, note=note)


def review_result(*, inspection: Inspection, actor, decision: str, note: str = "") -> Inspection:
    """审核: approve (published as 抽查检查结果) or return to the lead inspector with the reason."""
    if decision not in (APPROVE, RETURN):
        raise InspectionRefused("请选择审核结论", details={"review_decision": "无效"})
    if decision == RETURN and not (note or "").strip():
        raise InspectionRefused("退回修改须填写理由", details={"review_note": "不能为空"})
    return _complete(inspection, REVIEW, actor, {"review_decision": decision, "review_note": note or ""})


def record_review(*, instance: ProcessInstance, human_task: HumanTask, data: dict, actor) -> None:
    inspection = _inspection_of(instance)
    note = data.get("review_note", "")
    if data.get("review_decision") == APPROVE:
        inspection.state, inspection.review_note = State.APPROVED, note
        inspection.save(update_fields=["state", "review_note"])
        record("inspection_result_approved", actor=actor, instance=instance, human_task=human_task)
        return
    inspection.state, inspection.review_note = State.RETURNED, f"审核退回：{note}"
    inspection.save(update_fields=["state", "review_note"])
    record("inspection_result_returned", actor=actor, instance=instance, human_task=human_task, note=note)


# --- publication ---------------------------------------------------------------------------------


def publication_payload(inspection: Inspection) -> dict[str, Any]:
    department = lead_department(inspection)
    return {
        "number": number_of(inspection),
        "department_code": department.code,
        "department_name": department.name,
        "credit_code": inspection.credit_code,
        "enterprise_name": inspection.enterprise_name,
        "task_name": inspection.draw.task.name,
        "method": inspection.method,
        "inspected_on": inspection.inspected_on.isoformat() if inspection.inspected_on else "",
        "result": inspection.result_code,
        "follow_up": inspection.follow_up,
        "findings": inspection.findings,
    }


def publish(inspection: Inspection, *, actor=None, instance: ProcessInstance | None = None) -> Inspection:
    """公示: the approved result becomes a 抽查检查结果 record (signal); publishing again is idempotent."""
    if inspection.state not in (State.APPROVED, State.PUBLISHED):
        raise InspectionRefused(
            f"“{inspection.get_state_display()}”的检查结果不能公示", details={"state": inspection.state}
        )
    answers = inspection_result_approved.send(
        sender=Inspection, actor=actor, **publication_payload(inspection)
    )
    answer: dict[str, Any] | None = None
    for _receiver, response in answers:
        if isinstance(response, dict):
            answer = response
            break
    if answer is None:
        record("inspection_result_not_published", actor=actor, instance=instance, inspection_id=inspection.pk)
        return inspection
    inspection.record_id = str(answer["record_id"])
    if answer.get("published"):
        inspection.state = State.PUBLISHED
        inspection.published_at = inspection.published_at or timezone.now()
    inspection.save(update_fields=["record_id", "state", "published_at"])
    record(
        "inspection_result_published" if answer.get("published") else "inspection_result_publish_pending",
        actor=actor,
        instance=instance or inspection.instance,
        inspection_id=inspection.pk,
        record_id=inspection.record_id,
        outcome=answer.get("outcome", ""),
    )
    return inspection


def publish_message(*, message, instance: ProcessInstance) -> None:
    """The case's ``inspection_publish`` message (thrown when the review approves)."""
    publish(_inspection_of(inspection_id=message.payload["inspection_id"]), instance=instance)


# --- follow-ups ------------------------------------------------------------------------------------


def record_rectification(*, instance: ProcessInstance, human_task: HumanTask, data: dict, actor) -> None:
    record(
        "inspection_rectification_tracked",
        actor=actor,
        instance=instance,
        human_task=human_task,
        outcome=data.get("rectify_outcome", ""),
        note=data.get("rectify_note", ""),
    )


def record_follow_up_received(*, instance: ProcessInstance, human_task: HumanTask, data: dict, actor) -> None:
    record(
        "inspection_transfer_received" if human_task.bpmn_id == TRANSFER else "inspection_notice_received",
        actor=actor,
        instance=instance,
        human_task=human_task,
        department=human_task.candidate_department,
        note=data.get("handling_note", ""),
    )
