"""双告知: receive a registration, route it, start its case; record returns and feedback.

The flow is bpmn/registration_push.bpmn; this module says what its steps mean.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from processes import engine, hooks
from processes.audit import buffered, record
from processes.business_calendar import add_workdays
from processes.errors import EngineError
from processes.models import HumanTask, ProcessInstance

from .enterprises import register_enterprise
from .models import Department, PermitFeedback, Registration, ReturnRecord
from .routing import route_business_scope

PROCESS = "registration_push"
FEEDBACK_WORKDAYS = 7  # 许可决定之日起 7 个工作日内反馈


class InvalidRegistration(EngineError):
    code = "invalid_registration"


class DuplicateEvent(EngineError):
    code = "event_conflict"
    status = 409


def _within(division: str, area: str) -> bool:
    """Is ``division`` the area itself or inside it (510802 is inside 510800 and 510000)?"""
    prefix = area.rstrip("0")
    return division.startswith(prefix[: max(2, len(prefix) + len(prefix) % 2)])


def pool_code(division_code: str) -> str:
    """The claim pool (公示认领) of one administrative area, offered to its approval departments."""
    return f"POOL-{division_code}"


def receive_registration(
    *,
    event_id: str,
    credit_code: str,
    name: str,
    business_scope: str,
    authority_code: str,
    registered_on: date,
    division_code: str = "",
    legal_representative: str = "",
    address: str = "",
    registration_number: str = "",
    source: str = Registration.Source.API,
    actor=None,
) -> tuple[Registration, bool]:
    """Create the registration and its case; the same ``event_id`` again returns the first one.

    Returns (registration, created).  Raises InvalidRegistration (or InvalidEnterprise) with
    field details; nothing is saved then.
    """
    existing = Registration.objects.filter(event_id=event_id).select_related("registration_authority").first()
    if existing is not None:
        if existing.registration_authority.code != authority_code:
            raise DuplicateEvent(
                f"登记事件编号 {event_id} 已由其他登记机关使用", details={"event_id": ["编号冲突"]}
            )
        return existing, False
    errors: dict[str, list[str]] = {}
    if not event_id.strip():
        errors["event_id"] = ["缺少登记事件编号"]
    if not business_scope.strip():
        errors["business_scope"] = ["缺少经营范围"]
    authority = Department.objects.filter(code=authority_code, kind=Department.Kind.REGISTRAR).first()
    if authority is None:
        errors["registration_authority"] = [f"未知的登记机关：{authority_code}"]
    division = division_code or (authority.division_code if authority else "")
    if division and not Department.objects.filter(division_code=division).exists():
        errors["division_code"] = [f"未知的行政区划代码：{division}"]
    elif authority is not None and division and not _within(division, authority.division_code):
        errors["division_code"] = [f"行政区划 {division} 不在登记机关 {authority.name} 的辖区内"]
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidRegistration(f"登记信息有误：{first}", details=errors)
    assert authority is not None
    routing = route_business_scope(business_scope=business_scope, division_code=division)
    try:
        with transaction.atomic(), buffered():
            enterprise = register_enterprise(
                credit_code=credit_code,
                name=name,
                registration_authority=authority,
                actor=actor,
                legal_representative=legal_representative,
                address=address,
                business_scope=business_scope,
                established_on=registered_on,
                registration_number=registration_number,
            )
            registration = Registration.objects.create(
                event_id=event_id,
                enterprise=enterprise,
                registration_authority=authority,
                division_code=division,
                business_scope=business_scope,
                registered_on=registered_on,
                source=source,
                routing=routing.explanation(),
                received_by=actor if getattr(actor, "pk", None) else None,
            )
            instance = engine.start_process(
                key=PROCESS,
                data={
                    "registration_id": registration.pk,
                    "targets": [t.department_code for t in routing.targets],
                    "registrar_department": authority.code,
                    "pool_department": pool_code(division),
                    "claim_workdays": settings.PUSH_CLAIM_WORKDAYS,
                    "followup_workdays": settings.PUSH_FOLLOWUP_WORKDAYS,
                    "pool_workdays": settings.PUSH_POOL_WORKDAYS,
                    "received_at": timezone.now(),
                },
                business_key=f"SGZ-{event_id}",
                title=f"{enterprise.name} · 双告知",
                actor=actor,
                subject=(enterprise.name, enterprise.credit_code),
                area_code=division,
            )
            registration.instance = instance
            registration.save(update_fields=["instance"])
            record(
                "registration_received",
                actor=actor,
                instance=instance,
                event_id=event_id,
                credit_code=enterprise.credit_code,
                targets=[t.department_code for t in routing.targets],
            )
    except IntegrityError:  # a concurrent push of the same event won the race
        return Registration.objects.get(event_id=event_id), False
    return registration, True


def registration_of(instance: ProcessInstance) -> Registration:
    return Registration.objects.select_for_update().get(instance=instance)


@hooks.on_task_completed(PROCESS, "claim_or_return")
def record_return(*, instance, human_task: HumanTask, data: dict, actor) -> None:
    if data.get("claim_decision") != "return":
        return
    ReturnRecord.objects.create(
        registration=registration_of(instance),
        department_code=human_task.candidate_department,
        reason=data.get("return_reason", ""),
        returned_by=actor,
    )


@hooks.on_task_created(PROCESS, "confirm_department")
def link_return_to_confirmation(*, instance, human_task: HumanTask, data: dict) -> None:
    """The confirmation step belongs to the branch whose department just returned the push."""
    ReturnRecord.objects.filter(
        registration__instance=instance,
        department_code=data.get("department"),
        confirm_task__isnull=True,
        repushed_to="",
    ).order_by("-returned_at", "-pk").update(confirm_task=human_task)


@hooks.on_task_completed(PROCESS, "confirm_department")
def record_repush(*, instance, human_task: HumanTask, data: dict, actor) -> None:
    ReturnRecord.objects.filter(confirm_task=human_task).update(
        repushed_to=data["department"], repushed_by=actor, repushed_at=timezone.now()
    )


def _as_date(value) -> date | None:
    """Form dates are dates; replayed from an incident's JSON they are ISO strings."""
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return value if isinstance(value, date) else None


def _record_feedback(*, instance, human_task: HumanTask, data: dict, actor) -> None:
    decision_date = _as_date(data.get("decision_date"))
    late = decision_date is not None and timezone.localdate() > add_workdays(decision_date, FEEDBACK_WORKDAYS)
    PermitFeedback.objects.create(
        registration=registration_of(instance),
        department_code=human_task.candidate_department,
        decision=data["permit_decision"],
        decision_date=decision_date,
        permit_number=data.get("permit_number", ""),
        permit_name=data.get("permit_name", ""),
        valid_from=_as_date(data.get("valid_from")),
        valid_to=_as_date(data.get("valid_to")),
        permit_authority=data.get("permit_authority", ""),
        permit_content=data.get("permit_content", ""),
        fed_back_by=actor,
        is_late=late,
    )


hooks.on_task_completed(PROCESS, "permit_feedback")(_record_feedback)
hooks.on_task_completed(PROCESS, "pool_permit_feedback")(_record_feedback)
